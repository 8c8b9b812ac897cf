import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { CERTS_SECRET_NAME } from '../../../tokens/certs-secret.js';
import type { Phase } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { controlPlaneOnly } from '../control-plane-only.js';

const load = () => import('../control-plane/prepare.js');

export const controlPlanePreparePhase: Phase<JoinContext> = {
  name: 'control-plane-prepare',
  description: 'Prepare the machine for serving a control plane',
  phases: [
    {
      name: 'download-certs',
      description: `Download certificates shared among control-plane nodes from the ${CERTS_SECRET_NAME} Secret`,
      help: 'With --certificate-key: decrypts kube-system/kubeadm-certs (all of it, before writing any file) into the certificates dir.',
      run: controlPlaneOnly('download-certs', async () => (await load()).downloadCerts),
    },
    {
      name: 'certs',
      description: 'Generate the certificates for the new control plane components',
      help: "Signs this node's API server, kubelet-client, front-proxy and etcd certificates with the shared CAs; valid existing ones are kept.",
      run: controlPlaneOnly('certs', async () => (await load()).certs),
    },
    {
      name: 'kubeconfig',
      description: 'Generate the kubeconfig for the new control plane components',
      help: 'Writes admin.conf, controller-manager.conf and scheduler.conf (0600); kubelet.conf comes from the TLS bootstrap.',
      run: controlPlaneOnly('kubeconfig', async () => (await load()).kubeconfigs),
    },
    {
      name: 'control-plane',
      description: 'Generate the manifests for the new control plane components',
      help: `Writes ${MANIFESTS_DIR}/{kube-apiserver,kube-controller-manager,kube-scheduler}.yaml for this node's advertise address.`,
      run: controlPlaneOnly('control-plane', async () => (await load()).manifests),
    },
  ],
};
