/**
 * A sandbox node's container runtime, on its disk as a package would leave it: the binaries (hard links to the
 * cache's real ones), their unit files, their configuration, and the units enabled as systemd records it (links in
 * /etc/systemd/system/<target>.wants). containerd 2.x by default; a Docker node has what a Docker-era kubeadm node
 * had: dockerd, the containerd it runs on (its CRI plugin off), cri-dockerd's units, cgroupfs.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { UserError } from '../errors.js';
import { CONTAINERD_CONFIG, DOCKER_DAEMON_JSON, SYSTEMD_UNIT_DIRS } from '../runtime/paths.js';
import { artifactDir, type Artifact } from './artifact.js';
import { tryRun } from './exec.js';
import { CONTAINERD_RUNTIME, DOCKER_RUNTIME } from './runtime-binaries.js';

export type SandboxRuntime = 'containerd' | 'docker';
export const SANDBOX_RUNTIMES: readonly SandboxRuntime[] = ['containerd', 'docker'];

/** What a Docker node's daemon.json carries, for a migration to take over: a mirror and an insecure registry. */
export const DOCKER_REGISTRY_MIRROR = 'https://mirror.sandbox.internal';
export const DOCKER_INSECURE_REGISTRY = 'registry.sandbox.internal:5000';

/** containerd 2.x's configuration (version 3) with runc on systemd's cgroups, kubeadm's default kubelet cgroupDriver. */
const CONTAINERD_V3_CONFIG = stringify({
  version: 3,
  plugins: {
    'io.containerd.cri.v1.runtime': { containerd: { runtimes: { runc: { runtime_type: 'io.containerd.runc.v2', options: { SystemdCgroup: true } } } } },
  },
});

/** The file containerd.io ships for Docker (and Docker's install guides leave): containerd as Docker's backend only. */
const DOCKER_CONTAINERD_CONFIG = `#   Copyright 2018-2022 Docker Inc.

#   Licensed under the Apache License, Version 2.0 (the "License");
#   you may not use this file except in compliance with the License.

disabled_plugins = ["cri"]
`;

const DOCKER_DAEMON = `${JSON.stringify(
  {
    'exec-opts': ['native.cgroupdriver=cgroupfs'],
    'registry-mirrors': [DOCKER_REGISTRY_MIRROR],
    'insecure-registries': [DOCKER_INSECURE_REGISTRY],
    'log-driver': 'json-file',
  },
  null,
  2,
)}\n`;

/** cri-dockerd's units as its packages install them (packaging/systemd in Mirantis/cri-dockerd). */
const CRI_DOCKER_SERVICE = `[Unit]
Description=CRI Interface for Docker Application Container Engine
Documentation=https://docs.mirantis.com
After=network-online.target firewalld.service docker.service
Wants=network-online.target
Requires=cri-docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/cri-dockerd --container-runtime-endpoint fd://
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process

[Install]
WantedBy=multi-user.target
`;
const CRI_DOCKER_SOCKET = `[Unit]
Description=CRI Docker Socket for the API
PartOf=cri-docker.service

[Socket]
ListenStream=%t/cri-dockerd.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`;

const UNIT_DIR = '/lib/systemd/system';
/** The units each runtime's packages enable. */
export const RUNTIME_UNITS: Record<SandboxRuntime, string[]> = {
  containerd: ['containerd.service'],
  docker: ['containerd.service', 'docker.socket', 'docker.service', 'cri-docker.socket', 'cri-docker.service'],
};

/** Parses `--runtime`: `docker` (every node) or `docker=worker-1,worker-2`; more than one may be given. */
export function parseRuntimeFlag(values: string[], nodes: string[]): Map<string, SandboxRuntime> {
  const chosen = new Map<string, SandboxRuntime>();
  for (const value of values) {
    const [runtime, list] = value.split('=', 2) as [string, string | undefined];
    if (!SANDBOX_RUNTIMES.includes(runtime as SandboxRuntime))
      throw new UserError(`--runtime ${value}: expected ${SANDBOX_RUNTIMES.join(' or ')}, optionally =node,node…`);
    const names = list === undefined ? nodes : list.split(',').filter(Boolean);
    for (const name of names) {
      if (!nodes.includes(name)) throw new UserError(`--runtime ${value}: the sandbox has no node "${name}"; nodes are: ${nodes.join(', ')}`);
      chosen.set(name, runtime as SandboxRuntime);
    }
  }
  return chosen;
}

/** A hard link to the cache's file (same file system), else a copy; atomic, as a package manager puts files. */
async function placeFile(source: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const temp = `${target}.${process.pid}.tmp`;
  await fs.rm(temp, { force: true });
  await fs.link(source, temp).catch(() => fs.copyFile(source, temp, constants.COPYFILE_FICLONE));
  await fs.rename(temp, target);
}

async function writeNew(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await fs.writeFile(file, text, { flag: 'wx', mode: 0o644 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** The shared libraries a dynamically linked binary loads (ldd's absolute paths); none for a static one. */
function sharedLibraries(binary: string): Promise<string[]> {
  if (!libraries.has(binary))
    libraries.set(
      binary,
      tryRun('ldd', [binary]).then((out) => [...(out ?? '').matchAll(/(?:=> |^\s*)(\/\S+) \(0x/gm)].map((m) => m[1])),
    );
  return libraries.get(binary)!;
}
/** Asked once per cached binary: `up` equips every node from the same few. */
const libraries = new Map<string, Promise<string[]>>();

/**
 * Debian's runtime binaries are dynamically linked: the node gets the host's copies of their libraries at the same
 * paths (copies, never links: a root session on the node must not be able to write the host's libc), so they run
 * in a session on the node as on a Debian machine.
 */
async function placeLibraries(rootfs: string, binary: string): Promise<void> {
  for (const library of await sharedLibraries(binary)) {
    const target = path.join(rootfs, library);
    if (await fs.lstat(target).catch(() => undefined)) continue;
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const temp = `${target}.${process.pid}.tmp`;
    await fs.copyFile(await fs.realpath(library), temp, constants.COPYFILE_FICLONE);
    await fs.rename(temp, target);
  }
}

/** Whether a node path is one a runtime's equipping puts there (the machine's, not bosun's). */
export function isRuntimeFile(nodePath: string): boolean {
  const files = [CONTAINERD_RUNTIME, DOCKER_RUNTIME].flatMap((a) => a.binaries.map((f) => `/${f}`));
  return (
    files.includes(nodePath) ||
    [CONTAINERD_CONFIG, DOCKER_DAEMON_JSON].includes(nodePath) ||
    /^\/(lib|usr\/lib)\/systemd\/system\//.test(nodePath) ||
    /^\/etc\/systemd\/system\/[^/]+\.wants\//.test(nodePath) ||
    /^\/(lib|lib64|usr\/lib)\/(x86_64-linux-gnu\/)?[^/]+\.so[.\d]*$/.test(nodePath)
  );
}

/** The `[Install] WantedBy=` target of a unit file's text (what `systemctl enable` links it into). */
export function wantedBy(unitText: string): string | undefined {
  return /^\s*WantedBy\s*=\s*(\S+)/m.exec(unitText)?.[1];
}

/**
 * Puts a runtime on a node's disk unless it is there: each file the node lacks (a file it has, say one a
 * migration installed, stays), and on first equipping its configuration and enabled units.
 */
export async function equipRuntime(rootfs: string, runtime: SandboxRuntime): Promise<void> {
  const artifact: Artifact = runtime === 'docker' ? DOCKER_RUNTIME : CONTAINERD_RUNTIME;
  const first = !(await fs.lstat(path.join(rootfs, UNIT_DIR, 'containerd.service')).catch(() => undefined));
  for (const file of artifact.binaries) {
    if (await fs.lstat(path.join(rootfs, file)).catch(() => undefined)) continue;
    await placeFile(path.join(artifactDir(artifact), file), path.join(rootfs, file));
    if (!file.startsWith('lib/')) await placeLibraries(rootfs, path.join(artifactDir(artifact), file));
  }
  if (!first) return;
  if (runtime === 'docker') {
    await writeNew(path.join(rootfs, UNIT_DIR, 'cri-docker.service'), CRI_DOCKER_SERVICE);
    await writeNew(path.join(rootfs, UNIT_DIR, 'cri-docker.socket'), CRI_DOCKER_SOCKET);
    await writeNew(path.join(rootfs, DOCKER_DAEMON_JSON), DOCKER_DAEMON);
  }
  await writeNew(path.join(rootfs, CONTAINERD_CONFIG), runtime === 'docker' ? DOCKER_CONTAINERD_CONFIG : CONTAINERD_V3_CONFIG);
  for (const unit of RUNTIME_UNITS[runtime]) await enableUnit(rootfs, unit);
}

/** `systemctl enable`: a link to the unit file in its target's .wants directory. */
export async function enableUnit(rootfs: string, unit: string): Promise<void> {
  const file = await unitFile(rootfs, unit);
  const target = file && wantedBy(await fs.readFile(path.join(rootfs, file), 'utf8'));
  if (!file || !target) return;
  const wants = path.posix.join('/etc/systemd/system', `${target}.wants`);
  // Relative (systemd writes it absolute): it then resolves the same in a session on the node and in the rootfs from this machine.
  const relative = path.posix.relative(wants, file);
  const link = path.join(rootfs, wants, unit);
  await fs.mkdir(path.dirname(link), { recursive: true });
  if ((await fs.readlink(link).catch(() => undefined)) !== relative) {
    await fs.rm(link, { force: true });
    await fs.symlink(relative, link);
  }
}

/** `systemctl disable`: every link to the unit in a .wants directory goes. */
export async function disableUnit(rootfs: string, unit: string): Promise<void> {
  const dir = path.join(rootfs, '/etc/systemd/system');
  for (const entry of await fs.readdir(dir).catch(() => [] as string[]))
    if (entry.endsWith('.wants')) await fs.rm(path.join(dir, entry, unit), { force: true });
}

export async function isUnitEnabled(rootfs: string, unit: string): Promise<boolean> {
  const dir = path.join(rootfs, '/etc/systemd/system');
  for (const entry of await fs.readdir(dir).catch(() => [] as string[]))
    if (entry.endsWith('.wants') && (await fs.lstat(path.join(dir, entry, unit)).catch(() => undefined))) return true;
  return false;
}

/** The node path of a unit's file (/etc/systemd/system overrides /lib/systemd/system), or undefined when it has none. */
export async function unitFile(rootfs: string, unit: string): Promise<string | undefined> {
  for (const dir of SYSTEMD_UNIT_DIRS) {
    const file = path.posix.join(dir, unit);
    if ((await fs.stat(path.join(rootfs, file)).catch(() => undefined))?.isFile()) return file;
  }
  return undefined;
}
