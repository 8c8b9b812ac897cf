import type { InitConfig } from '../../config/types.js';
import { httpsURL } from '../../kubeconfig/specs.js';
import { localEndpoint } from '../../manifests/static-pods.js';

/** This control-plane node's own API server (its advertise address and bind port). */
export function localAPIServerURL(cfg: InitConfig): string {
  const { advertiseAddress, bindPort } = localEndpoint(cfg);
  return httpsURL(advertiseAddress, bindPort);
}
