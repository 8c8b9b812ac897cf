import semver from 'semver';
import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs } from '../../../config/duration.js';
import type { KubeObject } from '../../../cluster/cluster.js';
import { UserError } from '../../../errors.js';
import { EtcdError, hexId, type Etcd, type EtcdMember } from '../../../etcd/etcd.js';
import { etcdClientURL, etcdPeerURL, localEtcdPod, type EtcdMember as ManifestMember } from '../../../manifests/etcd.js';
import { localEtcdInput } from '../../../manifests/static-pods.js';
import { ensureEtcdDataDir, writeStaticPod } from '../../../node/static-pod-files.js';
import type { PhaseIO } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION } from '../../../kube/labels.js';

/** Learners (non-voting members that catch up before they count for quorum) came with etcd 3.4. */
const LEARNER_VERSION = '3.4.0';

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The etcd door to the cluster's members, found as kubeadm finds them (the advertise-client-urls annotation of the
 * etcd Pods), with this node's etcd health-check client certificate.
 */
async function connectEtcd(ctx: JoinContext, io: PhaseIO, certificatesDir: string): Promise<Etcd> {
  const admin = await ctx.adminCluster();
  const pods = await admin.list<KubeObject>('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'component=etcd,tier=control-plane' });
  const endpoints = pods.flatMap((p) => p.metadata.annotations?.[ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION] ?? []);
  if (!endpoints.length) {
    throw new UserError(
      `no etcd Pod in kube-system (label component=etcd,tier=control-plane) carries the ${ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION} ` +
        "annotation: cannot find the cluster's etcd members",
    );
  }
  io.log(`[etcd] The cluster's etcd members answer at ${endpoints.join(', ')}`);
  const read = async (file: string) => {
    const data = await ctx.host.readFile(`${certificatesDir}/${file}`);
    if (!data) throw new UserError(`${certificatesDir}/${file} is missing: the control-plane-prepare phase writes this node's etcd client certificate`);
    return data;
  };
  const [ca, cert, key] = await Promise.all([read('etcd/ca.crt'), read('etcd/healthcheck-client.crt'), read('etcd/healthcheck-client.key')]);
  return ctx.etcd(endpoints, { ca, cert, key });
}

/** Whether the cluster's etcd knows learners; an etcd that does not say is assumed recent. */
async function supportsLearners(etcd: Etcd): Promise<boolean> {
  for (const endpoint of etcd.endpoints) {
    const version = await etcd.status(endpoint).then(
      (s) => semver.coerce(s.version),
      () => undefined,
    );
    if (version) return semver.gte(version, LEARNER_VERSION);
  }
  return true;
}

/**
 * Announces this member (as a learner where etcd supports it) unless its peer URL is a member already (a second run),
 * and returns the members for `--initial-cluster`: this node under its name, the others under theirs.
 */
export async function announce(etcd: Etcd, name: string, peerURL: string, io: PhaseIO): Promise<{ members: ManifestMember[]; self: EtcdMember }> {
  let members = await etcd.memberList();
  let self = members.find((m) => m.peerURLs[0] === peerURL);
  if (self) {
    io.log(`[etcd] ${peerURL} is a member already (id ${hexId(self.id)}); not adding it again`);
  } else {
    const learner = await supportsLearners(etcd);
    io.log(`[etcd] Adding etcd member ${peerURL}${learner ? ' as a learner' : ''}`);
    ({ member: self, members } = await etcd.memberAdd(peerURL, learner));
    io.log('[etcd] Announced new etcd member joining to the existing etcd cluster');
  }
  const list = members.map((m) => ({ name: m.peerURLs[0] === peerURL ? name : m.name || hexId(m.id), peerURL: m.peerURLs[0] }));
  return { members: list, self: self! };
}

export async function etcdJoin(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  const input = localEtcdInput(cfg);
  if (!input) {
    io.log('[etcd] Using external etcd: no local stacked member is added');
    return;
  }
  const timeout = cfg.init.timeouts?.etcdAPICall ?? DEFAULTS.timeouts.etcdAPICall;
  await ensureEtcdDataDir(ctx.host, input.cluster.etcd.local.dataDir);
  const etcd = await connectEtcd(ctx, io, cfg.cluster.certificatesDir);
  const peerURL = etcdPeerURL(input.endpoint);
  // Announced right before its Pod starts: from 1 to 2 members, etcd has no quorum until the new one runs.
  const { members, self } = await announce(etcd, input.nodeName, peerURL, io);
  const creating = `Creating static Pod manifest for "etcd" with --initial-cluster ${members.map((m) => `${m.name}=${m.peerURL}`).join(',')}`;
  await writeStaticPod(ctx.host, io.log, 'etcd', localEtcdPod({ ...input, members }), creating);

  const id = self.id;
  let member: EtcdMember | undefined = self;
  await ctx.waiter.until(`etcd member ${hexId(id)} (${peerURL}) to start`, durationMs(timeout), async () => {
    try {
      member = (await etcd.memberList()).find((m) => m.id === id);
    } catch (err) {
      return reason(err);
    }
    if (!member) return 'it is no longer a member';
    return member.name ? true : 'it has not started yet (no name published)';
  });
  if (member?.isLearner) {
    io.log(`[etcd] Promoting the learner ${hexId(id)} to a voting member once it has caught up with the leader`);
    await ctx.waiter.retry(`etcd learner ${hexId(id)} to be promoted`, durationMs(timeout), async () => {
      try {
        await etcd.memberPromote(id);
        return true;
      } catch (err) {
        // Refused until the learner is in sync; after a lost answer, it may be promoted already.
        const now = await etcd.memberList().then(
          (list) => list.find((m) => m.id === id),
          () => undefined,
        );
        if (now && !now.isLearner) return true;
        return err instanceof EtcdError ? err.detail : reason(err);
      }
    });
  }
  const clientURL = etcdClientURL(input.endpoint);
  io.log(`[etcd] Waiting for the new etcd member to join the cluster. This can take up to ${timeout}`);
  await ctx.waiter.until(`etcd at ${clientURL} to serve as a voting member`, durationMs(timeout), async () => {
    try {
      const status = await etcd.status(clientURL);
      if (status.isLearner) return 'it is still a learner';
      return status.leader !== '0' ? true : 'it has no leader';
    } catch (err) {
      return reason(err);
    }
  });
}
