/**
 * A container runtime's own files on a node, read through the Host door: the cgroup driver its configuration selects
 * (and the file that said it), the version its binary reports. What cannot be read or parsed is a problem, naming the file.
 */
import path from 'node:path/posix';
import { UserError } from '../errors.js';
import { FileReadError, readText, type Host } from '../host/host.js';
import { containerdCgroupSetting, containerdCriDisabled, containerdImports, type ContainerdFile } from '../runtime/containerd-config.js';
import { crioCgroupSetting } from '../runtime/crio-config.js';
import { readDaemonJson } from '../runtime/docker-daemon.js';
import type { CgroupDriver, RuntimeName } from '../runtime/endpoints.js';
import { CONTAINERD_CONFIG, CRIO_CONFIG, CRIO_DROP_IN_DIR, DOCKER_DAEMON_JSON } from '../runtime/paths.js';
import { runtimeVersionOf } from '../runtime/version.js';

/** Where a value came from: a node file, or a program's built-in default. */
export type FactSource = string;

/** A node file's text, or undefined with the reason in `problems` (missing files only when `required`). */
export async function readNodeFile(host: Host, file: string, problems: string[], required: boolean): Promise<string | undefined> {
  try {
    const text = await readText(host, file);
    if (text === undefined && required) problems.push(`${file}: no such file`);
    return text;
  } catch (err) {
    // A FileReadError names the file where it is on this machine; the node path is the one to report.
    problems.push(`${file}: ${err instanceof FileReadError ? err.problem : (err as Error).message}`);
    return undefined;
  }
}

/** `--version` of the first of `binaries` present on the node; run from where the node's file is on this machine (its rootfs). */
export async function runVersion(host: Host, binaries: readonly string[], problems?: string[]): Promise<string | undefined> {
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

export interface RuntimeSideFacts {
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFrom?: FactSource;
  runtimeVersion?: string;
  criDisabled?: boolean;
  /** containerd only: the files its config.toml imports, which containerd reads after it (their settings win). */
  containerdImports?: string[];
}

/** Where each runtime's binary is installed: distribution packages first, then the upstream release tarballs' place. */
const BINARIES: Record<RuntimeName, readonly string[]> = {
  containerd: ['/usr/bin/containerd', '/usr/local/bin/containerd'],
  docker: ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'],
  crio: ['/usr/bin/crio', '/usr/local/bin/crio'],
};

export async function runtimeVersion(host: Host, runtime: RuntimeName, problems: string[]): Promise<string | undefined> {
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

/** The files an `imports` entry names: a path, or a glob in its last part (containerd globs each entry). Relative to config.toml's directory. */
async function importedFiles(host: Host, entry: string, problems: string[]): Promise<string[]> {
  const absolute = path.resolve(path.dirname(CONTAINERD_CONFIG), entry);
  const [dir, base] = [path.dirname(absolute), path.basename(absolute)];
  if (!/[*?[]/.test(absolute)) return [absolute];
  if (/[*?[]/.test(dir)) {
    problems.push(`${CONTAINERD_CONFIG}: imports "${entry}": a pattern in a directory name is not read`);
    return [];
  }
  const pattern = new RegExp(
    `^${base
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  const names = await host.readdir(dir).catch(() => [] as string[]);
  return names
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

async function containerdFacts(host: Host, problems: string[]): Promise<RuntimeSideFacts> {
  const text = await readNodeFile(host, CONTAINERD_CONFIG, problems, false);
  // No config.toml: containerd's defaults, runc on cgroupfs and the CRI on.
  if (text === undefined) return { runtimeCgroupDriver: 'cgroupfs', runtimeCgroupDriverFrom: 'containerd default', criDisabled: false };
  const imported: ContainerdFile[] = [];
  const imports = orProblem(problems, () => containerdImports(text));
  if (!imports) return {};
  for (const entry of imports) {
    for (const file of await importedFiles(host, entry, problems)) {
      const importedText = await readNodeFile(host, file, problems, false);
      if (importedText !== undefined) imported.push({ file, text: importedText });
    }
  }
  const read = orProblem(problems, () => ({ setting: containerdCgroupSetting(text, imported), criDisabled: containerdCriDisabled(text, imported) }));
  if (!read) return {};
  if (read.criDisabled) problems.push(`${CONTAINERD_CONFIG}: the CRI plugin is in disabled_plugins${imported.length ? ' (with its imports)' : ''}`);
  const { driver, file } = read.setting;
  return {
    runtimeCgroupDriver: driver,
    runtimeCgroupDriverFrom: file ?? 'containerd default',
    criDisabled: read.criDisabled,
    containerdImports: imported.map((f) => f.file),
  };
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

export const RUNTIME_FACTS: Record<RuntimeName, (host: Host, problems: string[]) => Promise<RuntimeSideFacts>> = {
  containerd: containerdFacts,
  docker: dockerFacts,
  crio: crioFacts,
};
