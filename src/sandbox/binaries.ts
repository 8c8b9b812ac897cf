import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Listr } from 'listr2';
import { DEFAULT_KUBERNETES_VERSION, ETCD_VERSION, KWOK_VERSION, PINNED_KUBERNETES_VERSIONS } from '../versions/pinned.js';
import { listrOptions, terminalOf } from '../workflow/progress.js';
import { run, tryRun } from './exec.js';
import { artifactDir, publishArtifact, type Artifact } from './artifact.js';
import { PACKAGE_GO_DIR } from './paths.js';
import { buildCoreDNS } from './coredns-binaries.js';
import { buildRuntime, isRuntimeArtifact, RUNTIME_ARTIFACTS } from './runtime-binaries.js';
import { buildWindows, isWindowsArtifact } from './windows-binaries.js';
import { GO_ENV, KUBERNETES_BUILD_TAGS, KUBERNETES_COMMANDS, kubernetesLdflags, kubernetesModule, parseKubernetesVersion } from './wrapper.js';

export { artifactDir, type Artifact } from './artifact.js';

export const kubernetesArtifact = (version: string): Artifact => ({ component: 'kubernetes', version, binaries: KUBERNETES_COMMANDS });
export const ETCD: Artifact = { component: 'etcd', version: ETCD_VERSION, binaries: ['etcd'] };
export const KWOK: Artifact = { component: 'kwok', version: KWOK_VERSION, binaries: ['kwok'] };

/** kwok's stage files copied beside its binary (since v0.8.0 kwok has no built-in stages). */
export const KWOK_STAGE_FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

/** The versions `--version` names: one release, or `all` pinned ones. */
export function kubernetesVersions(flag: string | undefined): string[] {
  if (flag === undefined) return [DEFAULT_KUBERNETES_VERSION];
  if (flag === 'all') return [...PINNED_KUBERNETES_VERSIONS];
  parseKubernetesVersion(flag);
  return [flag];
}

/** What a binary prints about its own version, as `v<semver>`, or undefined when it is not that binary. */
async function reportedVersion(binary: string, name: string): Promise<string | undefined> {
  const args = name === 'kubeadm' ? ['version', '-o', 'short'] : name === 'kubectl' ? ['version', '--client'] : ['--version'];
  const out = await tryRun(binary, args);
  const m = out && /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(out);
  return m ? `v${m[1]}` : undefined;
}

const verified = new Map<string, boolean>();

/** Whether a binary outside the cache (on PATH or in --bin-dir) is the right version; asked once per process. */
async function isVersion(binary: string, name: string, version: string): Promise<boolean> {
  const key = `${binary}@${version}`;
  if (!verified.has(key)) verified.set(key, existsSync(binary) && (await reportedVersion(binary, name)) === version);
  return verified.get(key)!;
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name));
}

/**
 * Where a binary of a version is: `--bin-dir`, then the cache, then PATH; a binary outside the cache counts
 * only when it reports that version. Undefined when it has to be built.
 */
export async function locateBinary(a: Artifact, name: string, binDir?: string): Promise<string | undefined> {
  // A runtime's files are node paths of one tree, and a Windows binary cannot tell its version by running here:
  // only the cache has those.
  if (isRuntimeArtifact(a) || isWindowsArtifact(a)) return existsSync(path.join(artifactDir(a), name)) ? path.join(artifactDir(a), name) : undefined;
  if (binDir && (await isVersion(path.join(binDir, name), name, a.version))) return path.join(binDir, name);
  const cached = path.join(artifactDir(a), name);
  if (existsSync(cached)) return cached;
  for (const candidate of onPath(name)) if (await isVersion(candidate, name, a.version)) return candidate;
  return undefined;
}

const BUILD_FLAGS = ['build', '-trimpath', '-tags', KUBERNETES_BUILD_TAGS];

/** Builds `names` of one artifact (a Kubernetes release: any of its commands; others: all) into `out`. */
async function buildInto(a: Artifact, names: readonly string[], out: string, onLine: (line: string) => void): Promise<void> {
  const go = (args: string[], cwd: string) => run('go', args, { cwd, env: GO_ENV, onLine });
  if (isRuntimeArtifact(a)) return buildRuntime(a, out, onLine);
  if (isWindowsArtifact(a)) return buildWindows(a, names, out, onLine);
  if (a.component === 'coredns') {
    await buildCoreDNS(a, out, onLine);
  } else if (a.component === 'kubernetes') {
    const moduleDir = await kubernetesModule(a.version, onLine);
    onLine(`go build ${names.join(' ')} (module ${moduleDir})`);
    // One invocation for all of them: they share most packages, so the compile work is done once.
    await go(
      [...BUILD_FLAGS, '-ldflags', await kubernetesLdflags(moduleDir, a.version), '-o', `${out}/`, ...names.map((b) => `k8s.io/kubernetes/cmd/${b}`)],
      moduleDir,
    );
  } else if (a.component === 'etcd') {
    const moduleDir = path.join(PACKAGE_GO_DIR, 'etcd', a.version);
    onLine(`go build etcd (module ${moduleDir})`);
    await go(['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(out, 'etcd'), '.'], moduleDir);
  } else {
    const moduleDir = path.join(PACKAGE_GO_DIR, 'kwok', a.version);
    onLine(`go build kwok (module ${moduleDir})`);
    await go(['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(out, 'kwok'), 'sigs.k8s.io/kwok/cmd/kwok'], moduleDir);
    const source = JSON.parse(await run('go', ['list', '-m', '-json', 'sigs.k8s.io/kwok'], { cwd: moduleDir, env: GO_ENV })) as { Dir: string };
    for (const file of KWOK_STAGE_FILES) {
      await fs.mkdir(path.dirname(path.join(out, 'stages', file)), { recursive: true });
      await fs.copyFile(path.join(source.Dir, 'kustomize', 'stage', file), path.join(out, 'stages', file));
    }
  }
  for (const name of names) {
    const reported = await reportedVersion(path.join(out, name), name);
    if (reported !== a.version) throw new Error(`built ${name} reports version ${reported ?? '(none)'}, expected ${a.version}`);
  }
}

/**
 * Builds an artifact (or the binaries of it a cache entry lacks) into the cache, published at once (see
 * publishArtifact).
 */
export function buildArtifact(a: Artifact, onLine: (line: string) => void, names: readonly string[] = a.binaries): Promise<string> {
  return publishArtifact(a, names, (out) => buildInto(a, names, out, onLine));
}

export interface ProvidedArtifact {
  artifact: Artifact;
  /** Binary name to its path. */
  paths: Record<string, string>;
  how: 'cached' | 'found' | 'built';
  seconds: number;
}

async function provide(a: Artifact, binDir: string | undefined, onLine: (line: string) => void): Promise<ProvidedArtifact> {
  const started = Date.now();
  const located = await Promise.all(a.binaries.map((name) => locateBinary(a, name, binDir)));
  let how: ProvidedArtifact['how'] = located.every((p) => p?.startsWith(artifactDir(a))) ? 'cached' : 'found';
  const missing = a.binaries.filter((_, i) => located[i] === undefined);
  if (missing.length) {
    await buildArtifact(a, onLine, missing);
    how = 'built';
  }
  const paths = Object.fromEntries(a.binaries.map((name, i) => [name, located[i] ?? path.join(artifactDir(a), name)]));
  return { artifact: a, paths, how, seconds: (Date.now() - started) / 1000 };
}

function formatSeconds(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)}s` : `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/**
 * Makes sure the binaries of these Kubernetes versions, etcd, kwok, the nodes' container runtimes and any `extra`
 * artifacts (CoreDNS) are on this machine, building what is missing (go build through the module proxy, Debian's
 * packages), with progress: a line per artifact.
 */
export async function provideBinaries(versions: string[], binDir?: string, extra: readonly Artifact[] = []): Promise<ProvidedArtifact[]> {
  const artifacts = [...versions.map(kubernetesArtifact), ETCD, KWOK, ...RUNTIME_ARTIFACTS, ...extra];
  const results: ProvidedArtifact[] = [];
  await new Listr(
    artifacts.map((a) => ({
      title: `${a.component} ${a.version}`,
      task: async (_: unknown, task: { output: string; title: string }) => {
        const result = await provide(a, binDir, (line) => {
          task.output = line;
        });
        results.push(result);
        const where = result.how === 'built' ? `built in ${formatSeconds(result.seconds)}` : result.how;
        task.title = `${a.component} ${a.version}: ${where} (${path.dirname(Object.values(result.paths)[0])})`;
      },
    })),
    { concurrent: false, exitOnError: true, ...listrOptions(terminalOf(process.env, process.stdout.isTTY)) },
  ).run();
  return results;
}
