/**
 * The cluster file: which machines bosun reaches, how (SSH, or this machine with the node's files under a root), and
 * how each one's kubelet is installed. YAML or JSON:
 *
 *   apiVersion: bosun.dev/v1alpha1
 *   kind: Cluster
 *   spec:
 *     hosts:
 *       - name: worker-1
 *         role: worker
 *         ssh: {address: 10.0.0.21, user: root, keyPath: ~/.ssh/id_ed25519, bastion: {address: jump.example}}
 *         kubelet: {install: binary}          # or {install: package} / {install: none}
 *       - name: cp-1
 *         role: control-plane
 *         local: {}                          # the machine bosun runs on
 *
 * Every error names the file, the field and the host.
 */
import { ConfigError, UserError } from '../errors.js';
import { fieldPath, zodProblems } from '../config/issues.js';
import { FileReadError, READ_CAPS, readText, type Host } from '../host/host.js';
import { parseYaml } from '../util/yaml.js';
import type { AddonRequest } from '../config/types.js';
import { CLUSTER_API_VERSION, CLUSTER_KIND, clusterFileSchema, type HostEntry, type SshSettings } from './schema.js';

export { CLUSTER_API_VERSION, CLUSTER_KIND, type SshSettings } from './schema.js';

/** The official release path of a kubelet; `<url>.sha256` beside it holds its digest. */
export const RELEASE_KUBELET_URL = 'https://dl.k8s.io/release/{version}/bin/{os}/{arch}/{binary}';

/** How a host's kubelet binary is installed: `package` (apt, dnf or yum), `none` (the operator's job) or a binary. */
export type KubeletInstall =
  | { install: 'package' }
  | { install: 'none' }
  /** Downloaded from `url` and checked against `<url>.sha256`, by bosun once (then pushed) or by each node. */
  | { install: 'binary'; url: string; fetch: 'bosun' | 'node' }
  /** A file on the machine bosun runs on, copied (or linked, for a node whose files are on this machine). */
  | { install: 'binary'; from: string; link: boolean };

export type Reach = { via: 'local'; root: string } | { via: 'ssh'; ssh: SshSettings };

export interface InventoryHost {
  name: string;
  role: 'control-plane' | 'worker';
  os: 'linux' | 'windows';
  reach: Reach;
  kubelet: KubeletInstall;
  /** How containerd is installed when the node moves to it; unset: none when the node has it, else its package. */
  containerd?: KubeletInstall;
  /** Marked to leave the cluster: `bosun apply --prune` drains, removes and cleans it. */
  reset?: true;
}

export type Inventory = Map<string, InventoryHost>;

/**
 * What `upgrade node` does when the file does not say: the package on a real machine, nothing on a rendered node; a
 * Windows machine has no Kubernetes packages, so its kubelet.exe is the release's, pushed by bosun.
 */
export const defaultKubeletInstall = (reach: Reach, os: InventoryHost['os'] = 'linux'): KubeletInstall =>
  os === 'windows'
    ? { install: 'binary', url: RELEASE_KUBELET_URL, fetch: 'bosun' }
    : { install: reach.via === 'local' && reach.root !== '/' ? 'none' : 'package' };

/** Who bosun logs in as when the file names no user: root, or a Windows host's built-in administrator. */
const defaultLogin = { linux: 'root', windows: 'Administrator' } as const;

/** One host's cross-field rules, which a schema of single fields cannot say; throws `[field, problem]`. */
function resolveHost(entry: HostEntry): InventoryHost {
  if (entry.ssh && entry.local) throw ['ssh', 'give one of ssh and local, not both'];
  if (!entry.ssh && !entry.local) throw ['ssh', 'required: how bosun reaches the host, ssh: {address: ...} (or local: {} for this machine)'];
  const reach: Reach = entry.ssh
    ? { via: 'ssh', ssh: { ...entry.ssh, user: entry.ssh.user ?? defaultLogin[entry.os] } }
    : { via: 'local', root: entry.local!.root };
  const host = { name: entry.name, role: entry.role, os: entry.os, reach, ...(entry.reset && { reset: true as const }) };
  const kubelet = entry.kubelet ? resolveInstall('kubelet', entry.kubelet, reach, RELEASE_KUBELET_URL) : defaultKubeletInstall(reach, entry.os);
  if (entry.containerd?.install === 'binary' && entry.containerd.url)
    throw ['containerd.url', 'not taken for containerd: give from (a containerd binary on this machine), or install: package or none'];
  return { ...host, kubelet, ...(entry.containerd && { containerd: resolveInstall('containerd', entry.containerd, reach) }) };
}

/** A binary's install choice (`kubelet`, `containerd`) with its cross-field rules; a binary without `releaseUrl` needs from. */
function resolveInstall(field: string, choice: HostEntry['kubelet'] & object, reach: Reach, releaseUrl?: string): KubeletInstall {
  if (choice.install !== 'binary') return choice;
  if (choice.url && choice.from) throw [`${field}.from`, 'give one of url and from, not both'];
  if (choice.from) {
    if (choice.fetch === 'node') throw [`${field}.fetch`, '"node" fetches from a url; with from, bosun copies the file'];
    if (choice.link && reach.via !== 'local')
      throw [`${field}.link`, 'only a node whose files are on this machine (local) can link to a binary of this machine'];
    return { install: 'binary', from: choice.from, link: choice.link };
  }
  if (choice.link) throw [`${field}.link`, 'link needs from: a binary on this machine'];
  if (!releaseUrl) throw [`${field}.from`, 'required for install: binary (a binary on this machine)'];
  return { install: 'binary', url: choice.url ?? releaseUrl, fetch: choice.fetch };
}

function duplicateProblem(hosts: InventoryHost[], i: number): string | undefined {
  const host = hosts[i];
  const earlier = hosts.slice(0, i);
  if (earlier.some((h) => h.name === host.name)) return `"${host.name}" is listed twice`;
  const sameMachine = (r: Reach) =>
    r.via === 'ssh' && host.reach.via === 'ssh' && r.ssh.address === host.reach.ssh.address && r.ssh.port === host.reach.ssh.port;
  const twin = earlier.find((h) => sameMachine(h.reach));
  if (twin) return `host ${host.name} has the same ssh address and port as ${twin.name}`;
  if (host.reach.via === 'local' && host.reach.root === '/' && earlier.some((h) => h.reach.via === 'local' && h.reach.root === '/')) {
    return `only one host can be this machine (local with root /)`;
  }
  return undefined;
}

/** A cluster file's document, shape-checked, its hosts resolved; `spec.kubeadm` and `spec.kubeadmConfig` as written. */
export function parseClusterDocument(
  text: string,
  file: string,
): { hosts: InventoryHost[]; kubeadm?: Record<string, unknown>[]; kubeadmConfig?: string; addons?: AddonRequest[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, undefined, undefined, (err as Error).message);
  }
  const parsed = clusterFileSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error, clusterFileSchema);
    // A misspelt field also leaves the field it meant missing: the misspelling is the one to show.
    const first = problems.find((p) => p.problem.startsWith('unknown field')) ?? problems[0];
    throw new ConfigError(file, CLUSTER_KIND, first.field, withHostName(doc, first.field, first.problem));
  }
  const hosts = parsed.data.spec.hosts.map((entry, i) => {
    try {
      return resolveHost(entry);
    } catch (problem) {
      const [field, what] = problem as [string, string];
      throw new ConfigError(file, CLUSTER_KIND, `${fieldPath(['spec', 'hosts', i])}.${field}`, `${what} (host ${entry.name})`);
    }
  });
  hosts.forEach((_, i) => {
    const problem = duplicateProblem(hosts, i);
    if (problem) throw new ConfigError(file, CLUSTER_KIND, fieldPath(['spec', 'hosts', i]), problem);
  });
  return { hosts, kubeadm: parsed.data.spec.kubeadm, kubeadmConfig: parsed.data.spec.kubeadmConfig, addons: parsed.data.spec.addons };
}

/** Validates a cluster file's text; errors name `file`, the field (`spec.hosts[2].ssh.port`) and the host. */
export function parseInventory(text: string, file: string): Inventory {
  return new Map(parseClusterDocument(text, file).hosts.map((h) => [h.name, h]));
}

/** `spec.hosts[2]...` problems say which host, when the file gives it a name. */
function withHostName(doc: unknown, field: string, problem: string): string {
  const index = /^spec\.hosts\[(\d+)\]/.exec(field)?.[1];
  const name = index === undefined ? undefined : (doc as { spec?: { hosts?: { name?: unknown }[] } }).spec?.hosts?.[Number(index)]?.name;
  return typeof name === 'string' && name.length <= 253 ? `${problem} (host ${JSON.stringify(name)})` : problem;
}

/** Reads and validates `file` on the operator's machine. */
export async function readInventory(machine: Host, file: string, flag = '--inventory'): Promise<Inventory> {
  const text = await readText(machine, file, READ_CAPS.config).catch((err: unknown) => {
    throw err instanceof FileReadError ? new UserError(`${flag} ${file}: ${err.problem}`) : err;
  });
  if (text === undefined) throw new UserError(`${flag} ${file}: file not found`);
  return parseInventory(text, file);
}

/** A cluster file's document for hosts, for whoever writes one (comments are the caller's). */
export function inventoryDocument(hosts: InventoryHost[]): object {
  return {
    apiVersion: CLUSTER_API_VERSION,
    kind: CLUSTER_KIND,
    spec: {
      hosts: hosts.map(({ name, role, os, reach, kubelet, containerd }) => ({
        name,
        role,
        ...(os === 'linux' ? {} : { os }),
        ...(reach.via === 'ssh' ? { ssh: reach.ssh } : { local: { root: reach.root } }),
        kubelet,
        ...(containerd && { containerd }),
      })),
    },
  };
}
