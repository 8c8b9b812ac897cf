import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from './context.js';
import { addonPhase } from './phases/addon.js';
import { bootstrapTokenPhase } from './phases/bootstrap-token.js';
import { certsPhase } from './phases/certs.js';
import { controlPlanePhase } from './phases/control-plane.js';
import { etcdPhase } from './phases/etcd.js';
import { kubeconfigPhase } from './phases/kubeconfig.js';
import { kubeletFinalizePhase } from './phases/kubelet-finalize.js';
import { kubeletStartPhase } from './phases/kubelet-start.js';
import { markControlPlanePhase } from './phases/mark-control-plane.js';
import { preflightPhase } from './phases/preflight.js';
import { showJoinCommandPhase } from './phases/show-join-command.js';
import { uploadCertsPhase } from './phases/upload-certs.js';
import { uploadConfigPhase } from './phases/upload-config.js';
import { waitControlPlanePhase } from './phases/wait-control-plane.js';

/** `bosun init` as data: the order is kubeadm's. The first six write files, the rest talk to the API. */
export const initPhases: Phase<InitContext>[] = [
  preflightPhase,
  certsPhase,
  kubeconfigPhase,
  etcdPhase,
  controlPlanePhase,
  kubeletStartPhase,
  waitControlPlanePhase,
  uploadConfigPhase,
  uploadCertsPhase,
  markControlPlanePhase,
  bootstrapTokenPhase,
  kubeletFinalizePhase,
  addonPhase,
  showJoinCommandPhase,
];
