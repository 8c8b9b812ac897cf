/** STUB until src/node/runtime-facts.ts lands from the runtime work (signature from the shared names). */
import type { Host } from '../host/host.js';
import type { CgroupDriver, RuntimeName } from '../runtime/endpoints.js';

export interface NodeRuntimeFacts {
  endpoint?: string;
  endpointFile?: string;
  runtime?: RuntimeName | 'dockershim';
  kubeletCgroupDriver: CgroupDriver;
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFile?: string;
  runtimeVersion?: string;
  problems: string[];
}

export async function readRuntimeFacts(host: Host): Promise<NodeRuntimeFacts> {
  void host;
  return { kubeletCgroupDriver: 'cgroupfs', problems: [] };
}
