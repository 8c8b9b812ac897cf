import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs } from '../../../config/duration.js';
import { kubeletPlatform } from '../../../node/kubelet-platform.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONF, kubeletConfReady } from '../node-files.js';

/**
 * The kubelet turns bootstrap-kubelet.conf into kubelet.conf by its TLS bootstrap (a CSR the controller-manager
 * approves and signs). Then the bootstrap credentials are removed from disk, as kubeadm does.
 */
async function waitBootstrap(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const timeout = ctx.cfg.join.timeouts?.tlsBootstrap ?? DEFAULTS.timeouts.tlsBootstrap;
  io.log('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap');
  try {
    await ctx.waiter.until(
      `the kubelet's TLS bootstrap`,
      durationMs(timeout),
      async () => (await kubeletConfReady(ctx.host)) || `${KUBELET_CONF} with its client certificate is not there yet`,
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}. Check that the kubelet runs (${kubeletPlatform(ctx.host).logHint}) and that its ` +
        'certificate signing request was approved (kubectl get csr)',
      { cause: err },
    );
  } finally {
    await ctx.host.remove(BOOTSTRAP_KUBELET_CONF);
  }
  io.log('[kubelet-start] The kubelet has its client certificate: this node is registered with the cluster');
}

export const kubeletWaitBootstrapPhase: Phase<JoinContext> = {
  name: 'kubelet-wait-bootstrap',
  description: 'Wait for the kubelet to bootstrap itself',
  help: `Waits (timeouts.tlsBootstrap) for ${KUBELET_CONF} and the client certificate it names, then removes ${BOOTSTRAP_KUBELET_CONF}.`,
  run: waitBootstrap,
};
