/**
 * What a node's own files say about its container runtime: the CRI endpoint the kubelet uses and the file that set
 * it, the kubelet's and the runtime's cgroup drivers, the runtime's version from its binary. Read through the Host
 * door only; a missing or unreadable file is a problem in the answer, never an exception.
 */
import { UserError } from '../errors.js';
import { readText, type Host } from '../host/host.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../kubelet/config.js';
import { parseKubeletFlagsEnv } from '../kubelet/flags.js';
import { KUBELET_BINARY, KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import { argValue } from '../manifests/args.js';
import { containerdCgroupDriver, containerdCriDisabled } from '../runtime/containerd-config.js';
import { crioCgroupSetting } from '../runtime/crio-config.js';
import { readDaemonJson } from '../runtime/docker-daemon.js';
import { CONTAINERD_ENDPOINT, DOCKERSHIM_ENDPOINT, runtimeOfEndpoint, type CgroupDriver, type RuntimeName } from '../runtime/endpoints.js';
import { CONTAINERD_CONFIG, CRIO_CONFIG, CRIO_DROP_IN_DIR, DOCKER_DAEMON_JSON } from '../runtime/paths.js';
import { runtimeVersionOf } from '../runtime/version.js';
import { parseYaml, YamlError } from '../util/yaml.js';

/** Where a value came from: a node file, or a program's built-in default. */
export type FactSource = string;
export const KUBELET_DEFAULT = 'kubelet default';

export interface NodeRuntimeFacts {
  /** The CRI endpoint the kubelet uses: its flag, else config.yaml's `containerRuntimeEndpoint`, else its default. */
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
  problems: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node file's text, or undefined with the reason in `problems` (missing files only when `required`). */
async function readNodeFile(host: Host, file: string, problems: string[], required: boolean): Promise<string | undefined> {
  try {
    const text = await readText(host, file);
    if (text === undefined && required) problems.push(`${file}: no such file`);
    return text;
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message.replace(`${file}: `, '')}`);
    return undefined;
  }
}

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

/** `--version` of the first of `binaries` present on the node; run from where the node's file is on this machine (its rootfs). */
async function runVersion(host: Host, binaries: readonly string[], problems?: string[]): Promise<string | undefined> {
  for (const binary of binaries) {
    if (!(await host.stat(binary))) continue;
    try {
      const result = await host.exec(host.resolve(binary), ['--version'], { check: false, timeoutMs: 30_000 });
      if (result.code === 0) return result.stdout;
      problems?.push(`${binary} --version exited ${result.code}: ${result.stderr.trim().split('\n')[0]}`);
    } catch (err) {
      problems?.push(`${binary} --version: ${(err as Error).message.split('\n')[0]}`);
    }
    return undefined;
  }
  return undefined;
}

interface EndpointFacts {
  endpoint?: string;
  endpointFrom?: FactSource;
  criSocketLayout: 'flags' | 'instance-config';
}

/** The kubelet's precedence: its flag over config.yaml; kubeadm's instance-config.yaml is where config.yaml's value comes from. */
async function endpointFacts(host: Host, kubeletConfig: Record<string, unknown> | undefined, problems: string[]): Promise<EndpointFacts> {
  const flagsText = await readNodeFile(host, KUBELET_FLAGS_FILE, problems, false);
  const flag = argValue(parseKubeletFlagsEnv(flagsText ?? ''), 'container-runtime-endpoint');
  const instanceText = await readNodeFile(host, KUBELET_INSTANCE_CONFIG_FILE, problems, false);
  const instance = instanceText === undefined ? undefined : parseYamlObject(instanceText, KUBELET_INSTANCE_CONFIG_FILE, problems);
  const criSocketLayout = instanceText === undefined ? 'flags' : 'instance-config';
  const instanceEndpoint = stringField(instance, 'containerRuntimeEndpoint');
  const configEndpoint = stringField(kubeletConfig, 'containerRuntimeEndpoint');
  let facts: EndpointFacts;
  if (flag) facts = { endpoint: flag, endpointFrom: KUBELET_FLAGS_FILE, criSocketLayout };
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

interface RuntimeSideFacts {
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFrom?: FactSource;
  runtimeVersion?: string;
  criDisabled?: boolean;
}

/** Where each runtime's binary is installed: distribution packages first, then the upstream release tarballs' place. */
const BINARIES: Record<RuntimeName, readonly string[]> = {
  containerd: ['/usr/bin/containerd', '/usr/local/bin/containerd'],
  docker: ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'],
  crio: ['/usr/bin/crio', '/usr/local/bin/crio'],
};

async function runtimeVersion(host: Host, runtime: RuntimeName, problems: string[]): Promise<string | undefined> {
  const out = await runVersion(host, BINARIES[runtime], problems);
  const version = out === undefined ? undefined : runtimeVersionOf(out);
  if (out !== undefined && version === undefined) problems.push(`${runtime} --version printed no version: ${out.trim().split('\n')[0]}`);
  return version;
}

/** A runtime file's reading; a UserError (bad TOML or JSON, naming the file) becomes a problem. */
function orProblem<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(err.message);
    return undefined;
  }
}

async function containerdFacts(host: Host, problems: string[]): Promise<RuntimeSideFacts> {
  const text = await readNodeFile(host, CONTAINERD_CONFIG, problems, false);
  // No config.toml: containerd's defaults, runc on cgroupfs and the CRI on.
  if (text === undefined) return { runtimeCgroupDriver: 'cgroupfs', runtimeCgroupDriverFrom: 'containerd default', criDisabled: false };
  const driver = orProblem(problems, () => containerdCgroupDriver(text));
  const criDisabled = orProblem(problems, () => containerdCriDisabled(text));
  if (criDisabled) problems.push(`${CONTAINERD_CONFIG}: the CRI plugin is in disabled_plugins`);
  return { runtimeCgroupDriver: driver, runtimeCgroupDriverFrom: driver && CONTAINERD_CONFIG, criDisabled };
}

/** dockerd's driver when daemon.json sets none: systemd on a cgroup v2 host booted by systemd, else cgroupfs. */
async function dockerFacts(host: Host, problems: string[]): Promise<RuntimeSideFacts> {
  const text = await readNodeFile(host, DOCKER_DAEMON_JSON, problems, false);
  const daemon = orProblem(problems, () => readDaemonJson(text, DOCKER_DAEMON_JSON));
  if (!daemon) return {};
  if (daemon.cgroupDriverSet) return { runtimeCgroupDriver: daemon.cgroupDriver, runtimeCgroupDriverFrom: DOCKER_DAEMON_JSON };
  const unified = (await host.stat('/sys/fs/cgroup/cgroup.controllers')) !== undefined && (await host.stat('/run/systemd/system')) !== undefined;
  return { runtimeCgroupDriver: unified ? 'systemd' : daemon.cgroupDriver, runtimeCgroupDriverFrom: 'dockerd default' };
}

async function crioFacts(host: Host, problems: string[]): Promise<RuntimeSideFacts> {
  const dropIns = (await host.readdir(CRIO_DROP_IN_DIR).catch(() => [] as string[])).filter((name) => !name.startsWith('.')).sort();
  const files = [CRIO_CONFIG, ...dropIns.map((name) => `${CRIO_DROP_IN_DIR}/${name}`)];
  const texts: Array<[string, string]> = [];
  for (const file of files) {
    const text = await readNodeFile(host, file, problems, false);
    if (text !== undefined) texts.push([file, text]);
  }
  const setting = orProblem(problems, () =>
    crioCgroupSetting(
      texts.map(([, text]) => text),
      texts.map(([file]) => file),
    ),
  );
  return { runtimeCgroupDriver: setting?.driver, runtimeCgroupDriverFrom: setting && (setting.file ?? 'crio default') };
}

const RUNTIME_FACTS: Record<RuntimeName, (host: Host, problems: string[]) => Promise<RuntimeSideFacts>> = {
  containerd: containerdFacts,
  docker: dockerFacts,
  crio: crioFacts,
};

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
