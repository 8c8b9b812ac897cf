import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseYaml } from '../util/yaml.js';

/** The parts of a container spec the runner acts on (a Pod manifest is the kubelet's input format). */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  [field: string]: unknown;
}

export interface Probe {
  httpGet?: { host?: string; port: number | string; path?: string; scheme?: 'HTTP' | 'HTTPS' };
  tcpSocket?: { host?: string; port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface PodManifest {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: ContainerSpec[];
    volumes?: Array<{ name: string; hostPath?: { path: string; type?: string } }>;
    restartPolicy?: 'Always' | 'OnFailure' | 'Never';
    [field: string]: unknown;
  };
}

/** A manifest file as the runner sees it: the pod it asks for, or why it cannot be run. */
export type StaticPod = { file: string; hash: string; pod: PodManifest; error?: undefined } | { file: string; hash: string; pod?: undefined; error: string };

/** The kubelet's config hash stand-in: the same manifest bytes always give the same hash. */
export function manifestHash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 32);
}

/** Files the kubelet would read: not hidden, and not the temp files an atomic write leaves briefly. */
export function isManifestFile(name: string): boolean {
  return !name.startsWith('.') && /\.(ya?ml|json)$/.test(name);
}

/** Parses one manifest file; problems are reported by file and field, as the runner shows them. */
export function parseStaticPod(file: string, content: string): StaticPod {
  const hash = manifestHash(content);
  const fail = (field: string, problem: string): StaticPod => ({ file, hash, error: `${file}: Pod: ${field}: ${problem}` });
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (err) {
    return { file, hash, error: `${file}: not YAML: ${(err as Error).message}` };
  }
  const pod = doc as Partial<PodManifest> | null;
  if (!pod || typeof pod !== 'object') return { file, hash, error: `${file}: expected a Pod document` };
  if (pod.apiVersion !== 'v1' || pod.kind !== 'Pod') return fail('kind', `expected apiVersion v1, kind Pod; got ${pod.apiVersion}/${pod.kind}`);
  if (!pod.metadata?.name) return fail('metadata.name', 'required');
  const containers = pod.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return fail('spec.containers', 'at least one container is required');
  for (const [i, c] of containers.entries()) {
    if (!c?.name) return fail(`spec.containers[${i}].name`, 'required');
    if (!c.image) return fail(`spec.containers[${i}].image`, 'required');
  }
  return { file, hash, pod: pod as PodManifest };
}

/** What binary an image stands for: `registry.k8s.io/kube-apiserver:v1.37.1` → kube-apiserver v1.37.1. */
export function imageComponent(image: string): { component: string; tag: string } {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  return { component: repository.slice(repository.lastIndexOf('/') + 1), tag: hasTag ? withoutDigest.slice(colon + 1) : 'latest' };
}

/** Container path → where it is on this machine: each volume mount's hostPath under the node's rootfs. */
export interface PathMapping {
  mountPath: string;
  hostPath: string;
}

export function pathMappings(pod: PodManifest, container: ContainerSpec, rootfs: string): PathMapping[] {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  return (container.volumeMounts ?? [])
    .flatMap((m) => {
      const hostPath = volumes.get(m.name)?.hostPath?.path;
      return hostPath ? [{ mountPath: path.posix.normalize(m.mountPath), hostPath: path.join(rootfs, hostPath) }] : [];
    })
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** Maps one absolute container path through the mounts (the longest mount path wins); others stay as they are. */
export function mapPath(value: string, mappings: PathMapping[]): string {
  for (const { mountPath, hostPath } of mappings) {
    if (value === mountPath) return hostPath;
    if (value.startsWith(`${mountPath.replace(/\/$/, '')}/`)) return path.join(hostPath, value.slice(mountPath.length));
  }
  return value;
}

/**
 * Rewrites a command line's paths into the node's rootfs: `--flag=/path`, a bare `/path`, and each
 * element of a comma-separated list. Paths inside files that flags point to are not rewritten (kubeadm's
 * manifests do not use any that name other files).
 */
export function mapArgs(args: string[], mappings: PathMapping[]): string[] {
  const mapList = (value: string) =>
    value
      .split(',')
      .map((item) => (item.startsWith('/') ? mapPath(item, mappings) : item))
      .join(',');
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0) return `${arg.slice(0, eq + 1)}${mapList(arg.slice(eq + 1))}`;
    return arg.startsWith('/') ? mapList(arg) : arg;
  });
}

/** The host paths the kubelet creates before starting the pod (hostPath types DirectoryOrCreate, FileOrCreate). */
export function pathsToCreate(pod: PodManifest, rootfs: string): Array<{ path: string; kind: 'directory' | 'file' }> {
  return (pod.spec.volumes ?? []).flatMap((v) => {
    const type = v.hostPath?.type;
    if (!v.hostPath || (type !== 'DirectoryOrCreate' && type !== 'FileOrCreate')) return [];
    return [{ path: path.join(rootfs, v.hostPath.path), kind: type === 'FileOrCreate' ? ('file' as const) : ('directory' as const) }];
  });
}
