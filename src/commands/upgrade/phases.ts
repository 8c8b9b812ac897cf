import type { Phase } from '../../workflow/phase.js';
import type { UpgradeContext } from './context.js';
import { addonPhase } from './phases/addon.js';
import { bootstrapTokenPhase } from './phases/bootstrap-token.js';
import { controlPlanePhase } from './phases/control-plane.js';
import { kubeletConfigPhase } from './phases/kubelet-config.js';
import { kubeletPhase } from './phases/kubelet.js';
import { applyPostUpgradePhase, nodePostUpgradePhase } from './phases/post-upgrade.js';
import { applyPreflightPhase, nodePreflightPhase } from './phases/preflight.js';
import { uploadConfigPhase } from './phases/upload-config.js';

/** `bosun upgrade apply` as data, in kubeadm's order. */
export const applyPhases: Phase<UpgradeContext>[] = [
  applyPreflightPhase,
  controlPlanePhase,
  uploadConfigPhase,
  kubeletConfigPhase,
  bootstrapTokenPhase,
  addonPhase,
  applyPostUpgradePhase,
];

/** `bosun upgrade node`: kubeadm's order, with the kubelet's swap and restart after its configuration. */
export const nodePhases: Phase<UpgradeContext>[] = [nodePreflightPhase, controlPlanePhase, kubeletConfigPhase, kubeletPhase, addonPhase, nodePostUpgradePhase];
