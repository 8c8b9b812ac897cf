import type { ClusterConfiguration, InitConfig } from '../config/types.js';

/** What the PKI of one control-plane node depends on: the cluster's settings and this node's identity. */
export interface NodePki {
  nodeName: string;
  advertiseAddress: string;
  bindPort: number;
  cluster: ClusterConfiguration;
}

export function nodePkiFromInit(cfg: InitConfig): NodePki {
  return {
    nodeName: cfg.init.nodeRegistration.name ?? '',
    advertiseAddress: cfg.init.localAPIEndpoint.advertiseAddress ?? '',
    bindPort: cfg.init.localAPIEndpoint.bindPort ?? 6443,
    cluster: cfg.cluster,
  };
}
