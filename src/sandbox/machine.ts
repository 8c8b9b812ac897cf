/**
 * What makes a node's rootfs look like a machine to a session that logs in to it (sshd chroots there): a static
 * busybox for the shell and core tools, /dev/null, /etc/os-release, root's home, the kubelet binary as a real file,
 * systemd's marker that it is init, and a `systemctl` that hands its requests to the sandbox's node agent (see systemctl.ts).
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { KUBELET_BINARY } from '../kube/paths.js';
import { run } from './exec.js';
import { isRuntimeFile } from './node-runtime.js';
import { AGENT_REQUEST_DIR, CURL_SCRIPT, SYSTEMCTL_SCRIPT } from './systemctl.js';

/** Debian's busybox-static: one static binary, nothing to resolve inside the chroot. */
export const BUSYBOX = '/usr/bin/busybox';

/** The tools a session on a node uses (bosun's SSH host, an operator, ansible's raw module). */
const APPLETS = [
  'sh', 'ash', 'cat', 'chmod', 'chown', 'cp', 'date', 'df', 'echo', 'env', 'false', 'find', 'free', 'grep', 'head', 'id', 'ln', 'losetup', 'ls', 'mkdir',
  'mktemp', 'mount', 'mv', 'nc', 'printf', 'pwd', 'readlink', 'rm', 'rmdir', 'sed', 'sha256sum', 'sleep', 'stat', 'sync', 'tail', 'test', 'timeout',
  'touch', 'tr', 'true', 'uname', 'usleep', 'wc', 'which', '[',
]; // prettier-ignore

const OS_RELEASE = `PRETTY_NAME="bosun sandbox node (Debian GNU/Linux 12)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
`;

/**
 * root's login shell is the one /etc/passwd names on this machine (/bin/bash on Debian), run inside the chroot;
 * busybox has no bash applet, so /bin/bash hands the command to its sh.
 */
const BASH_SHIM = '#!/bin/sh\nexec /bin/sh "$@"\n';

/** Whether a node path is one of the machine's own files (what a node comes with before bosun writes anything). */
export function isMachineFile(nodePath: string): boolean {
  return (
    nodePath.startsWith('/bin/') ||
    ['/dev/null', '/etc/os-release', '/usr/bin/systemctl', '/usr/bin/curl', KUBELET_BINARY].includes(nodePath) ||
    isRuntimeFile(nodePath)
  );
}

/** Writes `data` at `file` unless it already holds exactly that (a node's files survive `down`/`up`). */
export async function ensureFile(file: string, data: string | Buffer, mode: number): Promise<void> {
  const current = await fs.readFile(file).catch(() => undefined);
  if (current?.equals(Buffer.from(data))) return;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, data, { mode });
  await fs.chmod(temp, mode);
  await fs.rename(temp, file);
}

async function ensureLink(target: string, link: string): Promise<void> {
  if ((await fs.readlink(link).catch(() => undefined)) === target) return;
  await fs.rm(link, { force: true });
  await fs.symlink(target, link);
}

/**
 * What a session needs of a chroot, whatever the machine: the rootfs and its directories (sshd chroots only into a
 * directory owned by root and writable by nobody else), a static busybox with `applets` as the shell sshd runs
 * a command with, /dev/null, and the directory where the node agent's requests go. Idempotent.
 */
export async function equipChroot(rootfs: string, applets: readonly string[]): Promise<void> {
  await fs.mkdir(rootfs, { recursive: true, mode: 0o755 });
  await fs.chown(rootfs, 0, 0);
  await fs.chmod(rootfs, 0o755);
  for (const dir of ['bin', 'usr/bin', 'dev', 'etc', 'proc', 'root', AGENT_REQUEST_DIR]) await fs.mkdir(path.join(rootfs, dir), { recursive: true });
  await fs.mkdir(path.join(rootfs, 'tmp'), { recursive: true });
  await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
  await fs.chmod(path.join(rootfs, 'root'), 0o700);
  const busybox = await fs.readFile(BUSYBOX).catch(() => {
    throw new UserError(`${BUSYBOX} is missing: a sandbox node's shell is Debian's static busybox (apt-get install busybox-static)`);
  });
  await ensureFile(path.join(rootfs, 'bin/busybox'), busybox, 0o755);
  for (const applet of applets) await ensureLink('busybox', path.join(rootfs, 'bin', applet));
  await ensureFile(path.join(rootfs, 'bin/bash'), BASH_SHIM, 0o755);
  const devNull = path.join(rootfs, 'dev/null');
  const stat = await fs.stat(devNull).catch(() => undefined);
  if (!stat?.isCharacterDevice()) {
    await fs.rm(devNull, { force: true });
    await run('mknod', ['-m', '666', devNull, 'c', '1', '3']);
  }
}

/** A Linux machine: the chroot with busybox's tools, /etc/os-release, systemd's marker, systemctl and curl. */
export async function equipMachine(rootfs: string): Promise<void> {
  await equipChroot(rootfs, APPLETS);
  // /run/systemd/system: how a program tells that systemd is init (sd_booted), as the node agent plays it here.
  await fs.mkdir(path.join(rootfs, 'run/systemd/system'), { recursive: true });
  await ensureFile(path.join(rootfs, 'etc/os-release'), OS_RELEASE, 0o644);
  await ensureFile(path.join(rootfs, 'usr/bin/systemctl'), SYSTEMCTL_SCRIPT, 0o755);
  await ensureFile(path.join(rootfs, 'usr/bin/curl'), CURL_SCRIPT, 0o755);
}

/**
 * Copies `binary` to the node's /usr/bin/kubelet unless the node has a kubelet (a later upgrade's stays). A copy,
 * not a link: a session on the node sees only its rootfs, and a link would let a write on one node change another's.
 */
export async function ensureNodeKubelet(rootfs: string, binary: string): Promise<void> {
  const target = path.join(rootfs, KUBELET_BINARY);
  if (await fs.lstat(target).catch(() => undefined)) return;
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const temp = `${target}.${process.pid}.tmp`;
  await fs.copyFile(binary, temp, constants.COPYFILE_FICLONE);
  await fs.chmod(temp, 0o755);
  await fs.rename(temp, target);
}
