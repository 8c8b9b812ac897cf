/** Static Pod manifests on the node's disk, where the kubelet picks them up, and etcd's data directory. */
import { READ_CAPS, type Host } from '../host/host.js';
import { UserError } from '../errors.js';
import { MANIFESTS_DIR } from '../kube/paths.js';
import type { Pod } from '../manifests/pod.js';
import { MANIFEST_MODE, MANIFESTS_DIR_MODE, manifestPath, renderManifest } from '../manifests/static-pods.js';
import { parseYaml } from '../util/yaml.js';
import { ensureDir, writeFileIfChanged } from './files.js';
import type { Log } from './log.js';

/** etcd keeps its data owner-only, as kubeadm creates the directory. */
const ETCD_DATA_DIR_MODE = 0o700;

/**
 * Writes a static Pod manifest (0600, directory 0700) unless the node has exactly this one
 * (a rewrite would make the kubelet restart the Pod for nothing); says which it did.
 */
export async function writeStaticPod(host: Host, log: Log, prefix: string, pod: Pod, creating: string): Promise<void> {
  await ensureDir(host, MANIFESTS_DIR, MANIFESTS_DIR_MODE);
  const written = await writeFileIfChanged(host, manifestPath(pod.metadata.name), renderManifest(pod), MANIFEST_MODE);
  log(written ? `[${prefix}] ${creating}` : `[${prefix}] Static Pod manifest for "${pod.metadata.name}" is up to date`);
}

/** Creates etcd's data directory (owner-only) unless it exists. */
export function ensureEtcdDataDir(host: Host, dataDir: string): Promise<void> {
  return ensureDir(host, dataDir, ETCD_DATA_DIR_MODE);
}

/** A static Pod manifest on the node, parsed; undefined when the file is not there. */
export async function readManifest(host: Host, component: string): Promise<{ text: string; pod: Pod } | undefined> {
  const file = manifestPath(component);
  const text = (await host.readFile(file, READ_CAPS.manifest))?.toString('utf8');
  if (text === undefined) return undefined;
  let pod: Pod;
  try {
    pod = parseYaml(text) as Pod;
  } catch (err) {
    throw new UserError(`${file}: not a YAML Pod manifest: ${(err as Error).message.split('\n')[0]}`);
  }
  if (pod?.kind !== 'Pod' || !Array.isArray(pod.spec?.containers)) throw new UserError(`${file}: expected a Pod with spec.containers`);
  return { text, pod };
}
