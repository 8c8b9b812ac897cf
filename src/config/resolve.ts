import type { InitConfig } from './types.js';

/** `bosun init` flags that override the configuration documents, as in kubeadm. */
export interface InitFlags {
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: number;
  apiserverCertExtraSans?: string[];
  certDir?: string;
  certificateKey?: string;
  controlPlaneEndpoint?: string;
  criSocket?: string;
  featureGates?: string;
  imageRepository?: string;
  kubernetesVersion?: string;
  nodeName?: string;
  podNetworkCidr?: string;
  serviceCidr?: string;
  serviceDnsDomain?: string;
  token?: string;
  tokenTtl?: string;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
}

/** Reads `--config` (v1beta4 or v1beta3 + component configs), applies flags and defaults, validates. */
export async function resolveInitConfig(_input: { configFile?: string; flags: InitFlags }): Promise<InitConfig> {
  throw new Error('not implemented yet');
}
