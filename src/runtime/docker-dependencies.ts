/**
 * What in a Pod template ties it to Docker Engine, so that moving its node off Docker breaks it: the rules of the
 * upstream guides (kubernetes/website `migrating-from-dockershim/migrating-telemetry-and-security-agents.md` and
 * `check-if-dockershim-removal-affects-you.md`, and the `kubectl dds` detector of aws-containers), plus the
 * parent-directory case `kubectl dds` says it misses.
 */

/**
 * `depends`: the template mounts Docker's or dockershim's socket or Docker's data directory, and fails without
 * them. `may depend`: it mounts a directory holding them, or runs an agent known to have talked to Docker; whether
 * it still does depends on its version and configuration.
 */
export type DependencyClass = 'depends' | 'may depend';

export interface Dependency {
  class: DependencyClass;
  /** What was found, as an operator checks it: `hostPath /var/run/docker.sock (volume docker)`. */
  reason: string;
}

/** The part of a Pod spec the rules read; a Pod's, a template's, or a manifest's document's. */
export interface PodSpecLike {
  volumes?: Array<{ name?: string; [source: string]: unknown }>;
  containers?: Array<{ name?: string; image?: string }>;
  initContainers?: Array<{ name?: string; image?: string }>;
  ephemeralContainers?: Array<{ name?: string; image?: string }>;
}

/**
 * Socket names whose mount means the workload speaks to Docker: `kubectl dds` matches any path containing
 * `docker.sock` or `dockershim.sock`; cri-dockerd's socket is Docker's CRI shim and goes with it.
 */
const DOCKER_SOCKETS = ['docker.sock', 'dockershim.sock', 'cri-dockerd.sock'];
/** Docker's data directory: images, containers and their logs, which containerd does not keep there. */
const DOCKER_DATA_DIR = '/var/lib/docker';
/** Where the sockets live on a node; a mount of any directory above them reaches them too. */
const DOCKER_PATHS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/dockershim.sock', '/var/run/cri-dockerd.sock', DOCKER_DATA_DIR];

/** `/var//run/` → `/var/run`: the path as the node resolves it, without doubled or trailing slashes. */
export function normalizeHostPath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

/** How a hostPath ties a Pod to Docker, if it does. */
export function hostPathDependency(path: string): DependencyClass | undefined {
  const p = normalizeHostPath(path);
  if (DOCKER_SOCKETS.some((socket) => p.includes(socket))) return 'depends';
  if (p === DOCKER_DATA_DIR || p.startsWith(`${DOCKER_DATA_DIR}/`)) return 'depends';
  const parent = p === '/' ? '/' : `${p}/`;
  if (DOCKER_PATHS.some((docker) => docker.startsWith(parent))) return 'may depend';
  return undefined;
}

/**
 * Agents the upstream page "Migrating telemetry and security agents from dockershim"
 * (kubernetes/website `content/en/docs/tasks/administer-cluster/migrating-from-dockershim/migrating-telemetry-and-security-agents.md`)
 * lists as having depended on Docker, matched on the image's repository (registry, tag and digest aside).
 */
export const DOCKER_DEPENDENT_AGENTS: ReadonlyArray<{ agent: string; repository: RegExp }> = [
  { agent: 'Datadog agent', repository: /(^|\/)datadog(hq)?\/(agent|docker-dd-agent)$/ },
  { agent: 'Dynatrace OneAgent', repository: /(^|\/)dynatrace\/(.+\/)?(dynatrace-)?oneagent$/ },
  { agent: 'Falco', repository: /(^|\/)(falcosecurity|sysdig)\/falco(-no-driver|-driver-loader)?$/ },
  { agent: 'Prisma Cloud (Twistlock) Defender', repository: /(^|\/)twistlock\/(.+\/)?defender$/ },
  { agent: 'SignalFx agent', repository: /(^|\/)signalfx\/signalfx-agent$/ },
  { agent: 'kubectl-flame', repository: /(^|\/)kubectl-flame$/ },
];

/** `registry:5000/org/app:1.2@sha256:…` → `registry:5000/org/app`, lower case. */
export function imageRepository(image: string): string {
  const name = image.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return (colon > slash ? name.slice(0, colon) : name).toLowerCase();
}

/** The known Docker-dependent agent an image is, if it is one. */
export function knownAgent(image: string): string | undefined {
  const repository = imageRepository(image);
  return DOCKER_DEPENDENT_AGENTS.find((a) => a.repository.test(repository))?.agent;
}

/** Every way a Pod spec ties its Pods to Docker, in the order of its volumes, then its containers. */
export function podSpecDependencies(spec: PodSpecLike): Dependency[] {
  const found: Dependency[] = [];
  for (const volume of spec.volumes ?? []) {
    const path = hostPathOf(volume);
    const dependency = path === undefined ? undefined : hostPathDependency(path);
    if (dependency) found.push({ class: dependency, reason: `hostPath ${path} (volume ${volume.name ?? '?'})` });
  }
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    const agent = container.image ? knownAgent(container.image) : undefined;
    if (agent) found.push({ class: 'may depend', reason: `image ${container.image} (container ${container.name ?? '?'}) is the ${agent}` });
  }
  return found;
}

function hostPathOf(volume: { [source: string]: unknown }): string | undefined {
  const hostPath = volume.hostPath;
  if (typeof hostPath !== 'object' || hostPath === null) return undefined;
  const path = (hostPath as { path?: unknown }).path;
  return typeof path === 'string' ? path : undefined;
}

/** The stronger of the classes found: one `depends` makes the whole workload depend. */
export const strongest = (found: Dependency[]): DependencyClass => (found.some((d) => d.class === 'depends') ? 'depends' : 'may depend');
