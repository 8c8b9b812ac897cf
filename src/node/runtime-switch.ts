/**
 * What a runtime or cgroup-driver migration writes on a node, computed from the node's files as they are (so a
 * step run again computes the same): containerd's config.toml and certs.d from daemon.json, the kubelet pointed at
 * containerd where this node's kubeadm layout keeps the CRI socket, and the cgroup driver in the runtime's and the
 * kubelet's files. Read and written through the Host door only.
 */
import { UserError } from '../errors.js';
import { readText, type Host } from '../host/host.js';
import { KUBELET_FILE_MODE, KUBELET_INSTANCE_CONFIG_FILE } from '../kubelet/config.js';
import { KUBELET_FLAGS_VARIABLE, parseKubeletFlagsEnv } from '../kubelet/flags.js';
import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import { containerdConfigVersion, renderContainerdConfig } from '../runtime/containerd-config.js';
import { CRIO_CGROUP_DROP_IN, renderCrioCgroupDropIn } from '../runtime/crio-config.js';
import { certsDFiles, readDaemonJson } from '../runtime/docker-daemon.js';
import { CONTAINERD_ENDPOINT, type CgroupDriver } from '../runtime/endpoints.js';
import { CERTS_D, CONTAINERD_CONFIG, DOCKER_DAEMON_JSON, RUNTIME_CONFIG_MODE } from '../runtime/paths.js';
import { parseYaml, emitYaml } from '../util/yaml.js';
import type { NodeRuntimeFacts } from './runtime-facts.js';

export interface FileWrite {
  path: string;
  content: string;
  mode: number;
}

/** Flags of the dockershim era that name the runtime; the kubelet of 1.27+ refuses `--container-runtime`. */
const RUNTIME_FLAGS = new Set(['container-runtime-endpoint', 'container-runtime', 'docker-endpoint']);

/** containerd's version as the node's binary reports it (`containerd --version`). */
export async function nodeContainerdVersion(host: Host): Promise<string> {
  const out = (await host.exec(host.resolve('/usr/bin/containerd'), ['--version'], { timeoutMs: 30_000 })).stdout;
  const version = /^containerd\s+\S+\s+v?(\S+)/m.exec(out)?.[1];
  if (!version) throw new UserError(`containerd --version printed no version: ${out.trim().split('\n')[0]}`);
  return version;
}

/** config.toml for containerd `version` (2 for 1.x, 3 for 2.x), SystemdCgroup as the kubelet's driver, certs.d from daemon.json. */
export async function containerdWrites(host: Host, version: string, driver: CgroupDriver): Promise<FileWrite[]> {
  const daemon = readDaemonJson(await readText(host, DOCKER_DAEMON_JSON), DOCKER_DAEMON_JSON);
  const hosts = certsDFiles(daemon, CERTS_D).map((f) => ({ ...f, mode: RUNTIME_CONFIG_MODE }));
  const config = renderContainerdConfig(await readText(host, CONTAINERD_CONFIG), {
    version: containerdConfigVersion(version),
    systemdCgroup: driver === 'systemd',
    registryConfigPath: CERTS_D,
  });
  return [{ path: CONTAINERD_CONFIG, content: config, mode: RUNTIME_CONFIG_MODE }, ...hosts];
}

/** A kubelet YAML file (config.yaml, instance-config.yaml) with `edit` applied, or undefined when it does not exist. */
async function editYaml(host: Host, file: string, edit: (doc: Record<string, unknown>) => void): Promise<FileWrite | undefined> {
  const text = await readText(host, file);
  if (text === undefined) return undefined;
  const doc = parseYaml(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UserError(`${file}: not a YAML mapping`);
  edit(doc as Record<string, unknown>);
  return { path: file, content: emitYaml(doc), mode: KUBELET_FILE_MODE };
}

/** kubeadm-flags.env with the runtime flags dropped, and `--container-runtime-endpoint` set when `endpoint` is given. */
async function flagsWrite(host: Host, endpoint: string | undefined): Promise<FileWrite | undefined> {
  const text = await readText(host, KUBELET_FLAGS_FILE);
  if (text === undefined) return endpoint === undefined ? undefined : flagsFile('', endpoint);
  const flags = parseKubeletFlagsEnv(text);
  if (endpoint === undefined && !flags.some((f) => RUNTIME_FLAGS.has(f.name))) return undefined;
  return flagsFile(text, endpoint);
}

function flagsFile(text: string, endpoint: string | undefined): FileWrite {
  const kept = parseKubeletFlagsEnv(text).filter((f) => !RUNTIME_FLAGS.has(f.name));
  const flags = [...kept, ...(endpoint ? [{ name: 'container-runtime-endpoint', value: endpoint }] : [])];
  const line = `${KUBELET_FLAGS_VARIABLE}=${JSON.stringify(flags.map((f) => `--${f.name}=${f.value}`).join(' '))}`;
  const others = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith(`${KUBELET_FLAGS_VARIABLE}=`));
  return { path: KUBELET_FLAGS_FILE, content: `${[...others, line].join('\n')}\n`, mode: KUBELET_FILE_MODE };
}

/**
 * The kubelet pointed at containerd where this node's kubeadm keeps the CRI socket: with instance-config.yaml
 * (NodeLocalCRISocket, 1.34+), there and in config.yaml, the flag dropped from kubeadm-flags.env; otherwise the flag
 * in kubeadm-flags.env (and config.yaml's field, should the file set one). The Node annotation is the caller's.
 */
export async function kubeletEndpointWrites(host: Host, layout: NodeRuntimeFacts['criSocketLayout']): Promise<FileWrite[]> {
  const setEndpoint = (doc: Record<string, unknown>) => void (doc.containerRuntimeEndpoint = CONTAINERD_ENDPOINT);
  const setIfPresent = (doc: Record<string, unknown>) => {
    if (doc.containerRuntimeEndpoint !== undefined) setEndpoint(doc);
  };
  const writes =
    layout === 'instance-config'
      ? [
          await editYaml(host, KUBELET_INSTANCE_CONFIG_FILE, setEndpoint),
          await editYaml(host, KUBELET_CONFIG_FILE, setEndpoint),
          await flagsWrite(host, undefined),
        ]
      : [await flagsWrite(host, CONTAINERD_ENDPOINT), await editYaml(host, KUBELET_CONFIG_FILE, setIfPresent)];
  return writes.filter((w): w is FileWrite => w !== undefined);
}

/** config.yaml with `cgroupDriver` set. */
export async function kubeletCgroupWrite(host: Host, driver: CgroupDriver): Promise<FileWrite> {
  const write = await editYaml(host, KUBELET_CONFIG_FILE, (doc) => void (doc.cgroupDriver = driver));
  if (!write) throw new UserError(`${KUBELET_CONFIG_FILE}: no such file on the node`);
  return write;
}

/** The runtime's own file with its cgroup driver set: containerd's config.toml, or CRI-O's drop-in. */
export async function runtimeCgroupWrites(host: Host, facts: NodeRuntimeFacts, driver: CgroupDriver): Promise<FileWrite[]> {
  if (facts.runtime === 'crio') return [{ path: CRIO_CGROUP_DROP_IN, content: renderCrioCgroupDropIn(driver), mode: RUNTIME_CONFIG_MODE }];
  if (facts.runtime !== 'containerd' || !facts.runtimeVersion) throw new UserError(`bosun cannot read this node's runtime (${facts.runtime ?? 'unknown'})`);
  const text = await readText(host, CONTAINERD_CONFIG);
  const config = renderContainerdConfig(text, { version: containerdConfigVersion(facts.runtimeVersion), systemdCgroup: driver === 'systemd' });
  return [{ path: CONTAINERD_CONFIG, content: config, mode: RUNTIME_CONFIG_MODE }];
}

export async function writeAll(host: Host, writes: FileWrite[]): Promise<void> {
  for (const w of writes) await host.writeFileAtomic(w.path, w.content, w.mode);
}
