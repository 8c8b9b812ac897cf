/** Placeholder with the agreed interface until the runtime work's reader of a node's runtime files lands. */
import type { Host } from '../host/host.js';
import type { CgroupDriver, RuntimeName } from '../runtime/endpoints.js';

export type FactSource = string;

export interface NodeRuntimeFacts {
  endpoint?: string;
  endpointFrom?: FactSource;
  criSocketLayout: 'flags' | 'instance-config';
  runtime?: RuntimeName | 'dockershim';
  kubeletCgroupDriver: CgroupDriver;
  kubeletCgroupDriverFrom: FactSource;
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFrom?: FactSource;
  runtimeVersion?: string;
  criDisabled?: boolean;
  problems: string[];
}

export async function readRuntimeFacts(host: Host): Promise<NodeRuntimeFacts> {
  throw new Error(`reading ${host.root}'s runtime files comes with the runtime work`);
}
