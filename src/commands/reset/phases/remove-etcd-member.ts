import { hexId } from '../../../etcd/etcd.js';
import { etcdClientTLS, removeOwnMember } from '../../../node/etcd-member-removal.js';
import type { Phase } from '../../../workflow/phase.js';
import type { ResetContext } from '../context.js';

export const removeEtcdMemberPhase: Phase<ResetContext> = {
  name: 'remove-etcd-member',
  description: 'Remove a local etcd member',
  help: "Removes this control-plane node's own member from the cluster's etcd, through the other members. Refused when it is the last member.",
  run: async (ctx, io) => {
    const local = (await ctx.node()).etcd;
    if (!local) return io.log('[reset] No etcd config found. Assuming external etcd (or a worker): no member to remove');
    const tls = await etcdClientTLS(ctx.host, ctx.options.certificatesDir);
    const removal = await removeOwnMember(local, (endpoints) => ctx.etcd(endpoints, tls));
    if (!removal) return io.log(`[reset] etcd has no member named ${local.name} (at ${local.peerURLs.join(', ')}): removed before`);
    const { removed, left } = removal;
    io.log(`[reset] Removed etcd member ${local.name} (${hexId(removed.id)}); ${left.length} member(s) left: ${left.map((m) => m.name).join(', ')}`);
  },
};
