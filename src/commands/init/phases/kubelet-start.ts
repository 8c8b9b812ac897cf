import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../../../kube/paths.js';
import { localMachine, type Machine } from '../../../host/machine.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../../../kubelet/config.js';
import { kubeletStart } from '../../../node/kubelet-files.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** Writes the kubelet's flags, instance and configuration files; (re)starts the kubelet. */
export function runKubeletStart(ctx: Pick<InitContext, 'host' | 'cfg'>, io: PhaseIO, machine: Machine = localMachine): Promise<void> {
  return kubeletStart(ctx.host, io.log, ctx.cfg, { hostname: machine.hostname(), registerTaints: false });
}

export const kubeletStartPhase: Phase<InitContext> = {
  name: 'kubelet-start',
  description: 'Write kubelet settings and (re)start the kubelet',
  help:
    `Writes ${KUBELET_FLAGS_FILE}, ${KUBELET_INSTANCE_CONFIG_FILE} and ${KUBELET_CONFIG_FILE} (mode 0644), ` +
    'then restarts the kubelet service (not with --rootfs or --dry-run).',
  run: (ctx, io) => runKubeletStart(ctx, io, ctx.machine),
};
