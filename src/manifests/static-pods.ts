/** From a resolved init config and a few facts about the node to the static Pod files kubeadm would write. */
import path from 'node:path/posix';
import { DEFAULTS } from '../config/defaults.js';
import { parseDuration } from '../config/duration.js';
import type { APIEndpoint, EnvVar, InitConfig, LocalEtcd } from '../config/types.js';
import { MANIFESTS_DIR } from '../kube/paths.js';
import { UserError } from '../errors.js';
import { emitYaml } from '../util/yaml.js';
import type { ControlPlaneInput } from './control-plane.js';
import type { EtcdInput } from './etcd.js';
import type { Pod } from './pod.js';

/** Static Pod manifests hold paths to keys: owner-only, in an owner-only directory (as kubeadm). */
export const MANIFEST_MODE = 0o600;
export const MANIFESTS_DIR_MODE = 0o700;

/** What the static Pods depend on besides the config; the phase reads these from the node. */
export interface NodeFacts {
  /** Which of OPTIONAL_CA_DIRS exist on the node. */
  presentCADirs: readonly string[];
  /** `*_proxy` variables of bosun's environment, handed to the control-plane components. */
  proxyEnv: EnvVar[];
  /** ca.crt is present without ca.key. */
  externalCA: boolean;
}

export function manifestPath(component: string, dir = MANIFESTS_DIR): string {
  return path.join(dir, `${component}.yaml`);
}

export function renderManifest(pod: Pod): string {
  return emitYaml(pod);
}

/** This node's API endpoint; the resolved config always has both fields. */
export function localEndpoint(cfg: InitConfig): Required<APIEndpoint> {
  const { advertiseAddress, bindPort } = cfg.init.localAPIEndpoint;
  if (!advertiseAddress) {
    throw new UserError('InitConfiguration: localAPIEndpoint.advertiseAddress is not set: give it in the config or with --apiserver-advertise-address');
  }
  return { advertiseAddress, bindPort: bindPort ?? DEFAULTS.bindPort };
}

function healthCheckTimeoutSeconds(cfg: InitConfig): number {
  const timeout = cfg.init.timeouts?.controlPlaneComponentHealthCheck ?? DEFAULTS.timeouts.controlPlaneComponentHealthCheck;
  const ns = parseDuration(timeout);
  if (ns === undefined) throw new UserError(`InitConfiguration: timeouts.controlPlaneComponentHealthCheck: "${timeout}" is not a duration such as 4m0s`);
  return Number(ns) / 1e9;
}

export function nodeName(cfg: InitConfig): string {
  const name = cfg.init.nodeRegistration.name;
  if (!name) throw new UserError('InitConfiguration: nodeRegistration.name is not set: give it in the config or with --node-name');
  return name;
}

export function controlPlaneInput(cfg: InitConfig, facts: NodeFacts): ControlPlaneInput {
  return {
    cluster: cfg.cluster,
    endpoint: localEndpoint(cfg),
    presentCADirs: facts.presentCADirs,
    proxyEnv: facts.proxyEnv,
    externalCA: facts.externalCA,
    healthCheckTimeoutSeconds: healthCheckTimeoutSeconds(cfg),
  };
}

/** The local etcd member's input, or undefined when the cluster uses an external etcd. */
export function localEtcdInput(cfg: InitConfig): EtcdInput | undefined {
  const local: LocalEtcd | undefined = cfg.cluster.etcd.local;
  if (cfg.cluster.etcd.external || !local) return undefined;
  return {
    cluster: { ...cfg.cluster, etcd: { local } },
    endpoint: localEndpoint(cfg),
    nodeName: nodeName(cfg),
    healthCheckTimeoutSeconds: healthCheckTimeoutSeconds(cfg),
  };
}
