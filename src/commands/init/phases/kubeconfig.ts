import { KUBERNETES_DIR } from '../../../kube/paths.js';
import { KUBECONFIG_LIST } from '../../../kubeconfig/specs.js';
import { ensureKubeconfig, startKubeconfigKeys } from '../../../node/kubeconfig-files.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

const DESCRIPTIONS: Record<string, string> = {
  admin: 'Generate a kubeconfig file for the admin to use and for kubeadm itself',
  'super-admin': 'Generate a kubeconfig file for the super-admin',
  kubelet: 'Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes',
  'controller-manager': 'Generate a kubeconfig file for the controller manager to use',
  scheduler: 'Generate a kubeconfig file for the scheduler to use',
};

export const kubeconfigPhase: Phase<InitContext> = {
  name: 'kubeconfig',
  description: 'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file',
  // Starts the client keys of the selected kubeconfigs not yet on disk, generated in parallel.
  run: async (ctx, io) => {
    io.log(`[kubeconfig] Using kubeconfig folder "${KUBERNETES_DIR}"`);
    await startKubeconfigKeys(
      ctx,
      KUBECONFIG_LIST.filter((spec) => io.selected(`kubeconfig/${spec.name}`)),
    );
  },
  phases: KUBECONFIG_LIST.map((spec) => ({
    name: spec.name,
    description: DESCRIPTIONS[spec.name],
    help: `Writes ${KUBERNETES_DIR}/${spec.file} (0600); an existing file with the same CA and server is kept.`,
    run: (ctx: InitContext, io: PhaseIO) => ensureKubeconfig(ctx, io.log, spec),
  })),
};
