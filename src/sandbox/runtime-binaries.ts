/**
 * The container runtimes a sandbox node has on its disk, cached once per machine as a tree of node paths (what a
 * package would put there): containerd 2.x built from its Go module, and Docker's stack as Debian ships it
 * (docker.io, its backend containerd 1.6 and runc), unpacked from the packages without installing them or starting
 * anything. Nodes get hard links to these files, so their `--version` is the real binary's.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { artifactDir, type Artifact } from './artifact.js';
import { run } from './exec.js';
import { cacheRoot } from './paths.js';
import { GO_ENV } from './wrapper.js';
import { runtimeVersionOf } from '../runtime/version.js';

/** containerd's own release, the default runtime of every sandbox node. */
export const CONTAINERD_VERSION = '2.1.4';
/** Debian bookworm's docker.io. */
export const DOCKER_VERSION = '20.10.24';

const CONTAINERD_MODULE = 'github.com/containerd/containerd/v2';
const CONTAINERD_COMMANDS = ['containerd', 'containerd-shim-runc-v2', 'ctr'];
/** Debian's runc, for both runtimes (containerd's shim runs it). */
const RUNC = 'usr/sbin/runc';
const CONTAINERD_UNIT = 'lib/systemd/system/containerd.service';

export const CONTAINERD_RUNTIME: Artifact = {
  component: 'containerd',
  version: CONTAINERD_VERSION,
  binaries: [...CONTAINERD_COMMANDS.map((c) => `usr/bin/${c}`), RUNC, CONTAINERD_UNIT],
};

/** Docker as Debian packages it: dockerd and its CLI, the containerd 1.6 it runs on, runc, their units. */
export const DOCKER_RUNTIME: Artifact = {
  component: 'docker',
  version: DOCKER_VERSION,
  binaries: [
    'usr/sbin/dockerd',
    'usr/bin/docker',
    ...CONTAINERD_COMMANDS.map((c) => `usr/bin/${c}`),
    RUNC,
    'lib/systemd/system/docker.service',
    'lib/systemd/system/docker.socket',
    CONTAINERD_UNIT,
  ],
};

export const RUNTIME_ARTIFACTS = [CONTAINERD_RUNTIME, DOCKER_RUNTIME];

/** The Debian packages behind each runtime artifact, and what their binaries must report. */
const DEBIAN_PACKAGES: Record<string, string[]> = { containerd: ['runc'], docker: ['docker.io', 'containerd', 'runc'] };
const EXPECTED: Record<string, Array<[file: string, version: string]>> = {
  containerd: [['usr/bin/containerd', CONTAINERD_VERSION]],
  docker: [
    ['usr/sbin/dockerd', DOCKER_VERSION],
    ['usr/bin/containerd', '1.6.20'],
  ],
};

export const isRuntimeArtifact = (a: Artifact): boolean => a.component === 'containerd' || a.component === 'docker';

/**
 * Where a runtime binary of a version is in the cache: `runtimeBinary('containerd', '2.1.4')`,
 * `runtimeBinary('containerd', '1.6.20')` (Docker's), `runtimeBinary('dockerd', '20.10.24')`. Undefined when no
 * cached runtime has it (`bosun sandbox binaries` provides them).
 */
export function runtimeBinary(name: string, version: string): string | undefined {
  for (const a of RUNTIME_ARTIFACTS) {
    const file = a.binaries.find((f) => path.basename(f) === name);
    if (!file) continue;
    const expected = EXPECTED[a.component].find(([f]) => f === file)?.[1] ?? a.version;
    if (expected === version && existsSync(path.join(artifactDir(a), file))) return path.join(artifactDir(a), file);
  }
  return undefined;
}

/**
 * Downloads Debian packages (`apt-get download`: no install, no maintainer scripts) into the cache's debs/
 * directory; a fresh machine's package lists are fetched first. Returns the .deb files.
 */
async function debianPackages(names: string[], onLine: (line: string) => void): Promise<string[]> {
  const dir = path.join(cacheRoot(), 'debs');
  await fs.mkdir(dir, { recursive: true });
  const find = async () => {
    const files = await fs.readdir(dir);
    return names.map((name) => files.find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb')));
  };
  let found = await find();
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length === 0) return found.map((f) => path.join(dir, f!));
  onLine(`apt-get download ${missing.join(' ')}`);
  // apt warns when its _apt user cannot write the directory and downloads as root: the warning is harmless.
  const download = () => run('apt-get', ['download', '-q', ...missing], { cwd: dir, onLine });
  await download().catch(async () => {
    onLine('apt-get update (no package lists yet)');
    await run('apt-get', ['update', '-q'], { onLine });
    await download();
  });
  found = await find();
  const still = names.filter((_, i) => !found[i]);
  if (still.length) throw new Error(`apt-get download left no .deb for ${still.join(', ')} in ${dir}`);
  return found.map((f) => path.join(dir, f!));
}

/** go's environment for containerd's module, whose go.mod `go install` refuses: it is built in its own directory. */
export const CONTAINERD_GO_ENV = { ...GO_ENV, GOFLAGS: '-mod=mod' };

/** containerd's module at the pinned release, from the Go module proxy (`cwd`: any directory outside a module). */
export async function containerdModule(cwd: string, onLine: (line: string) => void): Promise<string> {
  onLine(`go mod download ${CONTAINERD_MODULE}@v${CONTAINERD_VERSION}`);
  const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${CONTAINERD_MODULE}@v${CONTAINERD_VERSION}`], { cwd, env: CONTAINERD_GO_ENV })) as {
    Dir?: string;
    Error?: string;
  };
  if (!info.Dir) throw new Error(`containerd v${CONTAINERD_VERSION} is not available from the Go module proxy: ${info.Error ?? 'no module directory'}`);
  return info.Dir;
}

/** The version stamped as containerd's release does, and no snapshotters that need cgo. */
export const CONTAINERD_BUILD_FLAGS = [
  '-tags',
  'no_btrfs,no_devmapper,no_zfs',
  '-ldflags',
  `-s -w -X ${CONTAINERD_MODULE}/version.Version=${CONTAINERD_VERSION}`,
];

/** containerd's commands built from its Go module, with its systemd unit. */
async function buildContainerd(out: string, onLine: (line: string) => void): Promise<void> {
  const dir = await containerdModule(out, onLine);
  onLine(`go build ${CONTAINERD_COMMANDS.join(' ')} (module ${dir})`);
  const packages = CONTAINERD_COMMANDS.map((c) => `./cmd/${c}`);
  await run('go', ['build', '-trimpath', ...CONTAINERD_BUILD_FLAGS, '-o', `${path.join(out, 'usr/bin')}/`, ...packages], {
    cwd: dir,
    env: CONTAINERD_GO_ENV,
    onLine,
  });
  await fs.mkdir(path.join(out, path.dirname(CONTAINERD_UNIT)), { recursive: true });
  await fs.copyFile(path.join(dir, 'containerd.service'), path.join(out, CONTAINERD_UNIT));
  await fs.chmod(path.join(out, CONTAINERD_UNIT), 0o644); // the module cache's files are read-only
}

/** Builds a runtime artifact into `out` (a tree of node paths), then checks its binaries report the right version. */
export async function buildRuntime(a: Artifact, out: string, onLine: (line: string) => void): Promise<void> {
  await fs.mkdir(path.join(out, 'usr/bin'), { recursive: true });
  if (a.component === 'containerd') await buildContainerd(out, onLine);
  const unpacked = path.join(out, '.unpacked');
  for (const deb of await debianPackages(DEBIAN_PACKAGES[a.component], onLine)) await run('dpkg', ['-x', deb, unpacked]);
  // Only the files the node needs, and none a build already put there.
  for (const file of a.binaries.filter((f) => !existsSync(path.join(out, f)))) {
    await fs.mkdir(path.dirname(path.join(out, file)), { recursive: true });
    await fs.rename(path.join(unpacked, file), path.join(out, file));
  }
  await fs.rm(unpacked, { recursive: true, force: true });
  for (const [file, version] of EXPECTED[a.component]) {
    const reported = runtimeVersionOf(await run(path.join(out, file), ['--version']));
    if (!reported?.startsWith(version)) throw new Error(`${file} reports version ${reported ?? '(none)'}, expected ${version}`);
  }
}
