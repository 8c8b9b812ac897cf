/**
 * What a node's own files say about its container runtime: the CRI endpoint the kubelet uses and the file that set
 * it, the kubelet's and the runtime's cgroup drivers, the runtime's version from its binary. Read through the Host
 * door only; a missing or unreadable file is a problem in the answer, never an exception.
 */
import type { Host } from '../host/host.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../kubelet/config.js';
import { KUBELET_EXTRA_ARGS_FILES, KUBELET_EXTRA_ARGS_VARIABLE, KUBELET_FLAGS_VARIABLE, parseKubeletFlagsEnv } from '../kubelet/flags.js';
import { KUBELET_BINARY, KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import { argValue } from '../manifests/args.js';
import { CONTAINERD_ENDPOINT, DOCKERSHIM_ENDPOINT, runtimeOfEndpoint, type CgroupDriver, type RuntimeName } from '../runtime/endpoints.js';
import { parseYaml, YamlError } from '../util/yaml.js';
import { readNodeFile, RUNTIME_FACTS, runtimeVersion, runVersion, type FactSource } from './runtime-files.js';

export type { FactSource } from './runtime-files.js';
export const KUBELET_DEFAULT = 'kubelet default';

export interface NodeRuntimeFacts {
  /**
   * The CRI endpoint the kubelet uses: its flag (kubeadm-flags.env, or the operator's KUBELET_EXTRA_ARGS in
   * /etc/default/kubelet), else config.yaml's `containerRuntimeEndpoint`, else its default.
   */
  endpoint?: string;
  endpointFrom?: FactSource;
  /**
   * Where kubeadm keeps this node's CRI socket: `instance-config` (NodeLocalCRISocket: instance-config.yaml and
   * config.yaml) when instance-config.yaml exists, else `flags` (kubeadm-flags.env and the Node's cri-socket annotation).
   */
  criSocketLayout: 'flags' | 'instance-config';
  runtime?: RuntimeName | 'dockershim';
  kubeletCgroupDriver: CgroupDriver;
  kubeletCgroupDriverFrom: FactSource;
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFrom?: FactSource;
  /** The version the runtime's binary on the node reports (`containerd --version`), as it reports it to the kubelet. */
  runtimeVersion?: string;
  /** containerd only: its config.toml turns the CRI plugin off (Docker's containerd.io package ships it so). */
  criDisabled?: boolean;
  /** containerd only: the files its config.toml imports, which containerd reads after it (their settings win over it). */
  containerdImports?: string[];
  problems: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseYamlObject(text: string, file: string, problems: string[]): Record<string, unknown> | undefined {
  try {
    const doc = parseYaml(text);
    if (isObject(doc)) return doc;
    problems.push(`${file}: not a YAML mapping`);
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    problems.push(`${file}: not valid YAML${err.where.line ? ` at line ${err.where.line}` : ''}: ${err.message}`);
  }
  return undefined;
}

const stringField = (doc: Record<string, unknown> | undefined, key: string) =>
  typeof doc?.[key] === 'string' && doc[key] !== '' ? (doc[key] as string) : undefined;

/** The major.minor of the kubelet binary, for its built-in endpoint default. */
async function kubeletMinor(host: Host): Promise<number | undefined> {
  const out = await runVersion(host, [KUBELET_BINARY]);
  const minor = /v1\.(\d+)\./.exec(out ?? '')?.[1];
  return minor === undefined ? undefined : Number(minor);
}

/** The kubelet's `--container-runtime-endpoint`: kubeadm's flags, then the operator's KUBELET_EXTRA_ARGS (later on its command line). */
async function flagEndpoint(host: Host, problems: string[]): Promise<{ endpoint: string; endpointFrom: FactSource } | undefined> {
  const sources: Array<[file: string, variable: string]> = [
    [KUBELET_FLAGS_FILE, KUBELET_FLAGS_VARIABLE],
    ...KUBELET_EXTRA_ARGS_FILES.map((file): [string, string] => [file, KUBELET_EXTRA_ARGS_VARIABLE]),
  ];
  let found: { endpoint: string; endpointFrom: FactSource } | undefined;
  for (const [file, variable] of sources) {
    const text = await readNodeFile(host, file, problems, false);
    const endpoint = text === undefined ? undefined : argValue(parseKubeletFlagsEnv(text, variable), 'container-runtime-endpoint');
    if (endpoint) found = { endpoint, endpointFrom: file };
  }
  return found;
}

interface EndpointFacts {
  endpoint?: string;
  endpointFrom?: FactSource;
  criSocketLayout: 'flags' | 'instance-config';
}

/** The kubelet's precedence: its flag over config.yaml; kubeadm's instance-config.yaml is where config.yaml's value comes from. */
async function endpointFacts(host: Host, kubeletConfig: Record<string, unknown> | undefined, problems: string[]): Promise<EndpointFacts> {
  const flag = await flagEndpoint(host, problems);
  const instanceText = await readNodeFile(host, KUBELET_INSTANCE_CONFIG_FILE, problems, false);
  const instance = instanceText === undefined ? undefined : parseYamlObject(instanceText, KUBELET_INSTANCE_CONFIG_FILE, problems);
  const criSocketLayout = instanceText === undefined ? 'flags' : 'instance-config';
  const instanceEndpoint = stringField(instance, 'containerRuntimeEndpoint');
  const configEndpoint = stringField(kubeletConfig, 'containerRuntimeEndpoint');
  let facts: EndpointFacts;
  if (flag) facts = { ...flag, criSocketLayout };
  else if (configEndpoint)
    facts = {
      endpoint: configEndpoint,
      endpointFrom: configEndpoint === instanceEndpoint ? KUBELET_INSTANCE_CONFIG_FILE : KUBELET_CONFIG_FILE,
      criSocketLayout,
    };
  else facts = { ...(await defaultEndpoint(host, problems)), criSocketLayout };
  if (instanceEndpoint && facts.endpoint && instanceEndpoint !== facts.endpoint)
    problems.push(
      `${KUBELET_INSTANCE_CONFIG_FILE} says ${instanceEndpoint} but the kubelet uses ${facts.endpoint} (${facts.endpointFrom}); kubeadm writes the former back on upgrade`,
    );
  return facts;
}

/** No endpoint in any file: the kubelet's own default, dockershim before 1.24 and containerd's socket since. */
async function defaultEndpoint(host: Host, problems: string[]): Promise<{ endpoint?: string; endpointFrom?: FactSource }> {
  const minor = await kubeletMinor(host);
  if (minor === undefined) {
    problems.push(`no CRI endpoint in ${KUBELET_FLAGS_FILE} or ${KUBELET_CONFIG_FILE}, and no kubelet version to take its default from`);
    return {};
  }
  return { endpoint: minor < 24 ? DOCKERSHIM_ENDPOINT : CONTAINERD_ENDPOINT, endpointFrom: KUBELET_DEFAULT };
}

/** config.yaml's cgroupDriver; unset is the kubelet's own default, cgroupfs (kubeadm's systemd default is written into the file). */
function kubeletDriver(
  config: Record<string, unknown> | undefined,
  problems: string[],
): { kubeletCgroupDriver: CgroupDriver; kubeletCgroupDriverFrom: FactSource } {
  const driver = stringField(config, 'cgroupDriver');
  if (driver === 'systemd' || driver === 'cgroupfs') return { kubeletCgroupDriver: driver, kubeletCgroupDriverFrom: KUBELET_CONFIG_FILE };
  if (driver !== undefined) problems.push(`${KUBELET_CONFIG_FILE}: cgroupDriver "${driver}" is neither systemd nor cgroupfs`);
  return { kubeletCgroupDriver: 'cgroupfs', kubeletCgroupDriverFrom: KUBELET_DEFAULT };
}

/** What the node's files say; every file read through `host`. */
export async function readRuntimeFacts(host: Host): Promise<NodeRuntimeFacts> {
  const problems: string[] = [];
  const configText = await readNodeFile(host, KUBELET_CONFIG_FILE, problems, true);
  const kubeletConfig = configText === undefined ? undefined : parseYamlObject(configText, KUBELET_CONFIG_FILE, problems);
  const endpoint = await endpointFacts(host, kubeletConfig, problems);
  const runtime = endpoint.endpoint === undefined ? undefined : runtimeOfEndpoint(endpoint.endpoint);
  if (endpoint.endpoint !== undefined && runtime === undefined)
    problems.push(`CRI endpoint ${endpoint.endpoint} (${endpoint.endpointFrom}) is no runtime bosun knows`);
  const kubelet = kubeletDriver(kubeletConfig, problems);
  // dockershim is the kubelet driving Docker itself: Docker's files and binary say the rest.
  const engine: RuntimeName | undefined = runtime === 'dockershim' ? 'docker' : runtime;
  const side = engine === undefined ? {} : { ...(await RUNTIME_FACTS[engine](host, problems)), runtimeVersion: await runtimeVersion(host, engine, problems) };
  return {
    ...endpoint,
    runtime,
    ...kubelet,
    ...side,
    problems,
  };
}

/** The kubelet and the runtime on different cgroup drivers (undefined when the runtime's is unknown): the node's Pods will not start. */
export function cgroupMismatch(facts: NodeRuntimeFacts): { kubelet: CgroupDriver; runtime: CgroupDriver } | undefined {
  const runtime = facts.runtimeCgroupDriver;
  return runtime !== undefined && runtime !== facts.kubeletCgroupDriver ? { kubelet: facts.kubeletCgroupDriver, runtime } : undefined;
}
