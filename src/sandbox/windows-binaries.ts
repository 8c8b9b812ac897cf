/**
 * The binaries of the sandbox's Windows machines: kubelet.exe and kube-log-runner.exe of a Kubernetes release and
 * containerd.exe of the pinned containerd, cross-built (GOOS=windows GOARCH=amd64, no cgo) from the same Go modules
 * and with the same version stamps as the Linux binaries, into the binary cache. They cannot run here, so what they
 * are is read off the file: its PE headers, and the build settings go records in it. They are built without
 * -trimpath because go leaves the -ldflags, where the version is stamped, out of a -trimpath binary's build info.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { artifactDir, publishArtifact, type Artifact } from './artifact.js';
import { run, tryRun } from './exec.js';
import { CONTAINERD_BUILD_FLAGS, CONTAINERD_GO_ENV, CONTAINERD_VERSION, containerdModule } from './runtime-binaries.js';
import { GO_ENV, KUBERNETES_BUILD_TAGS, kubernetesLdflags, kubernetesModule } from './wrapper.js';

export type WindowsBinaryName = 'kubelet.exe' | 'kube-log-runner.exe' | 'containerd.exe';

/** The Go package each binary is built from (containerd's relative to its module). */
const PACKAGES: Record<WindowsBinaryName, string> = {
  'kubelet.exe': 'k8s.io/kubernetes/cmd/kubelet',
  'kube-log-runner.exe': 'k8s.io/component-base/logs/kube-log-runner',
  'containerd.exe': './cmd/containerd',
};

const WINDOWS_TARGET = { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' };

export const kubernetesWindowsArtifact = (version: string): Artifact => ({
  component: 'kubernetes-windows',
  version,
  binaries: ['kubelet.exe', 'kube-log-runner.exe'],
});

export const CONTAINERD_WINDOWS: Artifact = { component: 'containerd-windows', version: `v${CONTAINERD_VERSION}`, binaries: ['containerd.exe'] };

export const isWindowsArtifact = (a: Artifact): boolean => a.component === 'kubernetes-windows' || a.component === 'containerd-windows';

/** The Windows artifacts of these Kubernetes releases and the pinned containerd, for `sandbox binaries`. */
export function windowsArtifacts(kubernetesVersions: readonly string[]): Artifact[] {
  return [...kubernetesVersions.map(kubernetesWindowsArtifact), CONTAINERD_WINDOWS];
}

const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
const PE32_PLUS_MAGIC = 0x20b;
const SECTION_HEADER_SIZE = 40;

/**
 * Whether a file is a whole 64-bit Windows executable for x86-64: the DOS header's `MZ`, the `PE\0\0` signature
 * where its e_lfanew points, machine AMD64, a PE32+ optional header, and every section's data inside the file (a
 * truncated copy passes the first checks and fails this one).
 */
export async function isWindowsExecutable(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { size } = await handle.stat();
    const read = async (position: number, length: number): Promise<Buffer | undefined> => {
      if (position + length > size) return undefined;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return bytesRead === length ? buffer : undefined;
    };
    const dos = await read(0, 64);
    if (dos?.toString('latin1', 0, 2) !== 'MZ') return false;
    const pe = dos.readUInt32LE(0x3c);
    const coff = await read(pe, 24); // the signature and the COFF file header
    if (coff?.toString('latin1', 0, 4) !== 'PE\0\0' || coff.readUInt16LE(4) !== IMAGE_FILE_MACHINE_AMD64) return false;
    const sectionCount = coff.readUInt16LE(6);
    const optionalHeaderSize = coff.readUInt16LE(20);
    const optional = await read(pe + 24, optionalHeaderSize);
    if (optionalHeaderSize < 2 || optional?.readUInt16LE(0) !== PE32_PLUS_MAGIC) return false;
    const sections = await read(pe + 24 + optionalHeaderSize, sectionCount * SECTION_HEADER_SIZE);
    if (!sections || sectionCount === 0) return false;
    for (let i = 0; i < sectionCount; i++) {
      const rawSize = sections.readUInt32LE(i * SECTION_HEADER_SIZE + 16);
      const rawPointer = sections.readUInt32LE(i * SECTION_HEADER_SIZE + 20);
      if (rawPointer + rawSize > size) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}

/**
 * The release a Windows binary was built as (`v1.36.3`, `v2.1.4`): the version its -ldflags stamped (Kubernetes'
 * gitVersion, containerd's version.Version), as `go version -m` reads it from the file. Undefined when the file is
 * not a Windows x86-64 executable built by go for windows/amd64 with such a stamp.
 */
export async function windowsBinaryVersion(file: string): Promise<string | undefined> {
  if (!(await isWindowsExecutable(file))) return undefined;
  const info = await tryRun('go', ['version', '-m', file], { env: GO_ENV });
  if (!info || !/^\s*build\s+GOOS=windows$/m.test(info) || !/^\s*build\s+GOARCH=amd64$/m.test(info)) return undefined;
  const ldflags = /^\s*build\s+-ldflags=(.*)$/m.exec(info)?.[1];
  const stamped = ldflags && /\/version\.(?:gitVersion|Version)=v?(\d+\.\d+\.\d+[^\s'"\\]*)/.exec(ldflags);
  return stamped ? `v${stamped[1]}` : undefined;
}

/** Where and how a Windows artifact is built: the module, go's environment, and the release's flags. */
async function buildSettings(
  a: Artifact,
  out: string,
  onLine: (line: string) => void,
): Promise<{ moduleDir: string; env: Record<string, string>; flags: string[] }> {
  if (a.component === 'containerd-windows') return { moduleDir: await containerdModule(out, onLine), env: CONTAINERD_GO_ENV, flags: CONTAINERD_BUILD_FLAGS };
  const moduleDir = await kubernetesModule(a.version, onLine);
  return { moduleDir, env: GO_ENV, flags: ['-tags', KUBERNETES_BUILD_TAGS, '-ldflags', await kubernetesLdflags(moduleDir, a.version)] };
}

/**
 * Cross-builds `names` of a Windows artifact into `out` in one go invocation (kubelet and kube-log-runner share
 * packages), then checks each reports the artifact's version.
 */
export async function buildWindows(a: Artifact, names: readonly string[], out: string, onLine: (line: string) => void): Promise<void> {
  const { moduleDir, env, flags } = await buildSettings(a, out, onLine);
  onLine(`GOOS=windows GOARCH=amd64 go build ${names.join(' ')} (module ${moduleDir})`);
  const packages = names.map((name) => PACKAGES[name as WindowsBinaryName]);
  await run('go', ['build', ...flags, '-o', `${out}/`, ...packages], { cwd: moduleDir, env: { ...env, ...WINDOWS_TARGET }, onLine });
  for (const name of names) {
    const reported = await windowsBinaryVersion(path.join(out, name));
    if (reported !== a.version) throw new Error(`built ${name} is not a Windows x86-64 binary of ${a.version} (it reports ${reported ?? 'no version'})`);
  }
}

const windowsArtifactOf = (name: WindowsBinaryName, version: string): Artifact =>
  name === 'containerd.exe' ? CONTAINERD_WINDOWS : kubernetesWindowsArtifact(version);

/** Where the cache keeps a Windows binary of a version (containerd's: of the pinned one), whether or not it is there yet; a template may pass `{version}`. */
export const windowsBinaryPath = (name: WindowsBinaryName, version: string): string => path.join(artifactDir(windowsArtifactOf(name, version)), name);

/** Builds in progress in this process, by cache entry: asking twice while one builds waits for that one. */
const building = new Map<string, Promise<string>>();

/**
 * The path of a Windows binary in the cache (`cachedWindowsBinary('kubelet.exe', 'v1.36.3')`,
 * `cachedWindowsBinary('containerd.exe', 'v2.1.4')`), built first when the cache lacks it.
 */
export async function cachedWindowsBinary(name: WindowsBinaryName, version: string, onLine: (line: string) => void = () => {}): Promise<string> {
  const a = windowsArtifactOf(name, version);
  if (a.version !== version) throw new Error(`containerd.exe ${version}: the sandbox builds containerd ${CONTAINERD_WINDOWS.version} only`);
  const dir = artifactDir(a);
  const file = windowsBinaryPath(name, version);
  if (existsSync(file)) return file;
  if (!building.has(dir)) {
    const missing = a.binaries.filter((b) => !existsSync(path.join(dir, b)));
    const build = publishArtifact(a, missing, (out) => buildWindows(a, missing, out, onLine)).finally(() => building.delete(dir));
    building.set(dir, build);
  }
  await building.get(dir);
  return file;
}
