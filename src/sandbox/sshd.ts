/**
 * Every sandbox machine runs Debian's OpenSSH server in its network namespace, on its address, port 22: key-only
 * root login with the sandbox's client key, chrooted into the node's rootfs, SFTP by internal-sftp.
 *
 * sshd chroots only into a path whose every component is owned by root and writable by nobody else, which a
 * sandbox under /tmp is not: each rootfs is bind-mounted at /run/bosun-sandbox/<slot>/roots/<node> while the sandbox
 * runs, beside each sshd's configuration, pid file and the authorized key (read before the chroot, so outside it),
 * with /proc mounted inside for the facts a session reads.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { run } from './exec.js';
import { inNetns, type NetworkPlan, type NodeNetwork } from './network.js';
import { sandboxPaths } from './paths.js';
import { isRunning, startDetached, type ProcessRecord } from './processes.js';
import type { SandboxNode } from './state.js';

export const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
/** sshd's privilege separation directory (Debian's package makes it at boot, through systemd's RuntimeDirectory). */
const PRIVSEP_DIR = '/run/sshd';
const LISTEN_TIMEOUT_MS = 20_000;

/** Where one sandbox's sshd files live while it runs: root-owned, 0755 all the way down. */
export const runtimeDir = (plan: NetworkPlan): string => `/run/bosun-sandbox/${plan.slot}`;
const chrootOf = (plan: NetworkPlan, node: string) => path.join(runtimeDir(plan), 'roots', node);

async function rootOwnedDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  await fs.chown(dir, 0, 0);
  await fs.chmod(dir, 0o755);
}

/** Makes an ed25519 key pair at `file` (and `file.pub`) unless there is one. */
async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  if (!existsSync(SSH_KEYGEN)) throw new UserError(`${SSH_KEYGEN} is missing: install openssh-client (apt-get install openssh-client openssh-server)`);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.rm(file, { force: true });
  await fs.rm(`${file}.pub`, { force: true });
  await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  await fs.chmod(file, 0o600);
}

/** `ssh-ed25519 AAAA…` of a public key file (its comment left out). */
async function publicKey(file: string): Promise<string> {
  return (await fs.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
}

function sshdConfig(plan: NetworkPlan, node: string, network: NodeNetwork, hostKey: string): string {
  const runtime = runtimeDir(plan);
  return [
    `# sshd of sandbox node ${node}: written by "bosun sandbox up" and "join".`,
    `ListenAddress ${network.address}:22`,
    `HostKey ${hostKey}`,
    `PidFile ${path.join(runtime, 'sshd', `${node}.pid`)}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `AuthorizedKeysFile ${path.join(runtime, 'authorized_keys')}`,
    `ChrootDirectory ${chrootOf(plan, node)}`,
    'Subsystem sftp internal-sftp',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'X11Forwarding no',
    // A bastion's sshd forwards to the node behind it (ProxyJump).
    'AllowTcpForwarding yes',
    // One connection carries every session of a host (bosun's SSH host keeps one per host).
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    '',
  ].join('\n');
}

/** Whether `dir` is a mount point on this machine. */
function isMounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Resolves once something listens on address:22 (inside the node's namespace, reached over the bridge). */
async function waitListening(node: string, address: string, sshd: ProcessRecord, logFile: string): Promise<void> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    if (await canConnect(address, 22)) return;
    if (!isRunning(sshd) || Date.now() > deadline) {
      const log = await fs.readFile(logFile, 'utf8').catch(() => '');
      throw new UserError(`node ${node}: sshd did not listen on ${address}:22 (log ${logFile}):\n${log.trimEnd().split('\n').slice(-5).join('\n')}`);
    }
    await sleep(100);
  }
}

/** The sandbox's client key and the file that lets it in, made before any sshd starts. */
export async function prepareSsh(dir: string, plan: NetworkPlan): Promise<void> {
  const paths = sandboxPaths(dir);
  await ensureKey(paths.clientKey, `bosun-sandbox-${plan.slot}`);
  if (!existsSync(SSHD)) throw new UserError(`${SSHD} is missing: install openssh-server (apt-get install openssh-server busybox-static)`);
  const runtime = runtimeDir(plan);
  for (const d of ['/run/bosun-sandbox', runtime, path.join(runtime, 'roots'), path.join(runtime, 'sshd'), PRIVSEP_DIR]) await rootOwnedDir(d);
  await fs.writeFile(path.join(runtime, 'authorized_keys'), `${await publicKey(paths.clientKey)}\n`, { mode: 0o644 });
}

/** Starts the node's sshd (its host key made once), chrooted at its rootfs' bind mount; resolves once it listens. */
export async function startSshd(dir: string, plan: NetworkPlan, node: SandboxNode): Promise<ProcessRecord> {
  const paths = sandboxPaths(dir);
  const network = node.network!;
  const hostKey = paths.hostKey(node.name);
  await ensureKey(hostKey, node.name);
  const chroot = chrootOf(plan, node.name);
  await rootOwnedDir(chroot);
  if (!isMounted(chroot)) {
    await run('mount', ['--bind', paths.nodeRoot(node.name), chroot]);
    // Private: the /proc mounted below stays under the chroot, never under the sandbox's own directory.
    await run('mount', ['--make-private', chroot]);
  }
  // Machine facts a session reads (memory, swap, the ports its network namespace listens on) come from /proc.
  const proc = path.join(chroot, 'proc');
  await fs.mkdir(proc, { recursive: true, mode: 0o555 });
  if (!isMounted(proc)) await run('mount', ['-t', 'proc', 'proc', proc]);
  const config = path.join(runtimeDir(plan), 'sshd', `${node.name}.conf`);
  await fs.writeFile(config, sshdConfig(plan, node.name, network, hostKey), { mode: 0o644 });
  const logFile = path.join(paths.logs(node.name), 'sshd.log');
  // -D: stays in the foreground, a process the sandbox records and stops; -e: its log to the log file.
  const sshd = startDetached(`sshd/${node.name}`, [...inNetns(network.netns), SSHD, '-D', '-e', '-f', config], logFile);
  await waitListening(node.name, network.address, sshd, logFile);
  return sshd;
}

/** Every machine's host key by address (port 22: no brackets), for clients that check host keys strictly. */
export async function writeKnownHosts(dir: string, nodes: SandboxNode[]): Promise<string> {
  const paths = sandboxPaths(dir);
  const lines: string[] = [];
  for (const node of nodes) {
    if (node.network && existsSync(`${paths.hostKey(node.name)}.pub`)) lines.push(`${node.network.address} ${await publicKey(paths.hostKey(node.name))}`);
  }
  const temp = `${paths.knownHosts}.${process.pid}.tmp`;
  await fs.mkdir(path.dirname(paths.knownHosts), { recursive: true });
  await fs.writeFile(temp, `${lines.join('\n')}\n`, { mode: 0o644 });
  await fs.rename(temp, paths.knownHosts);
  return paths.knownHosts;
}

/** Unmounts every rootfs of the sandbox and removes its runtime directory (after its sshds have stopped). */
export async function removeSshRuntime(plan: NetworkPlan): Promise<void> {
  const runtime = runtimeDir(plan);
  const roots = path.join(runtime, 'roots');
  for (const node of await fs.readdir(roots).catch(() => [] as string[])) {
    const chroot = path.join(roots, node);
    if (isMounted(chroot)) await run('umount', ['--recursive', chroot]).catch(() => run('umount', ['--recursive', '--lazy', chroot]));
    await fs.rmdir(chroot);
  }
  // Only files are left (never a mount): removing them recursively cannot reach a node's rootfs.
  await fs.rm(runtime, { recursive: true, force: true });
}
