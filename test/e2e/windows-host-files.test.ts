import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshPool } from '../../src/host/ssh/pool.js';
import { WindowsSshHost } from '../../src/host/windows/windows-host.js';
import { keygen, Sshd } from '../support/sshd.js';
import { tempDir } from '../support/temp.js';

/**
 * The Windows door's files against a real OpenSSH SFTP server chrooted to a directory laid out as a Windows machine's
 * drives (`<dir>/C:/…`, as the sandbox's Windows machines are): Windows- and Linux-form node paths land under `C:`.
 * Commands need PowerShell, which no machine here runs: their scripts are checked by the grammar (unit tests).
 */
describe('WindowsSshHost files against a real sshd', () => {
  // sshd chroots only into a root-owned path writable by no one else all the way up: /run, not /tmp.
  const drives = `/run/bosun-windows-files-${randomBytes(4).toString('hex')}`;
  const onC = (...names: string[]) => path.join(drives, 'C:', ...names);
  let sshd: Sshd;
  let pool: SshPool;
  let host: WindowsSshHost;

  beforeAll(async () => {
    mkdirSync(onC(), { recursive: true, mode: 0o755 });
    const dir = tempDir('bosun-windows-ssh-');
    const key = keygen(path.join(dir, 'id_ed25519'));
    sshd = await Sshd.start({ root: [key.publicLine] }, { chroot: drives });
    const knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicLine}\n`);
    pool = new SshPool({ knownHostsFile: knownHosts, env: {} });
    const door = pool.host({ name: 'win-1', os: 'windows', address: '127.0.0.1', port: sshd.port, user: 'root', keyPath: key.privatePath });
    if (!(door instanceof WindowsSshHost)) throw new Error('os: windows did not open the Windows door');
    host = door;
  });

  afterAll(async () => {
    await pool?.close();
    await sshd?.dispose();
    rmSync(drives, { recursive: true, force: true });
  });

  it('writes atomically under C: from Windows- and Linux-form paths, creating the folders, and reads back', async () => {
    await host.writeFileAtomic('C:\\etc\\kubernetes\\pki\\ca.crt', 'first\n', 0o644);
    await host.writeFileAtomic('/etc/kubernetes/pki/ca.crt', 'second\n', 0o644);
    await host.writeFileAtomic('c:/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\n', 0o644);
    expect(readFileSync(onC('etc/kubernetes/pki/ca.crt'), 'utf8')).toBe('second\n');
    expect(readdirSync(onC('etc/kubernetes/pki'))).toEqual(['ca.crt']);
    expect(readFileSync(onC('var/lib/kubelet/config.yaml'), 'utf8')).toBe('kind: KubeletConfiguration\n');
    expect((await host.readFile('C:\\var\\lib\\kubelet\\config.yaml'))?.toString()).toBe('kind: KubeletConfiguration\n');
    expect(await host.readFile('/var/lib/kubelet/kubeadm-flags.env')).toBeUndefined();
  });

  it('writes a binary of several MiB byte for byte', async () => {
    const bytes = randomBytes(5 * 1024 * 1024);
    await host.writeFileAtomic('C:\\k\\kubelet.exe', bytes, 0o755);
    expect(readFileSync(onC('k/kubelet.exe')).equals(bytes)).toBe(true);
  });

  it('makes folders, stats and lists them', async () => {
    await host.mkdir('C:\\k\\bin');
    await host.mkdir('/etc/kubernetes/manifests');
    expect(statSync(onC('k/bin')).isDirectory()).toBe(true);
    expect(await host.stat('c:\\k\\bin')).toMatchObject({ isDirectory: true });
    expect(await host.stat('C:\\k\\kubelet.exe')).toMatchObject({ isDirectory: false, size: 5 * 1024 * 1024 });
    expect(await host.stat('C:\\k\\missing.exe')).toBeUndefined();
    expect(await host.readdir('/etc/kubernetes')).toEqual(['manifests', 'pki']);
    expect(await host.readdir('C:\\nowhere')).toEqual([]);
  });

  it('renames a file aside and another over an existing one', async () => {
    await host.writeFileAtomic('C:\\k\\kubelet.exe.new', 'new kubelet', 0o755);
    await host.rename('C:\\k\\kubelet.exe', 'C:\\k\\kubelet.exe.v1.36.3');
    await host.rename('C:\\k\\kubelet.exe.new', 'C:\\k\\kubelet.exe');
    expect(readFileSync(onC('k/kubelet.exe'), 'utf8')).toBe('new kubelet');
    expect(statSync(onC('k/kubelet.exe.v1.36.3')).size).toBe(5 * 1024 * 1024);
    await host.writeFileAtomic('/etc/kubernetes/kubelet.conf.new', 'replaced', 0o600);
    await host.writeFileAtomic('/etc/kubernetes/kubelet.conf', 'old', 0o600);
    await host.rename('/etc/kubernetes/kubelet.conf.new', 'C:\\etc\\kubernetes\\kubelet.conf');
    expect(readFileSync(onC('etc/kubernetes/kubelet.conf'), 'utf8')).toBe('replaced');
    await expect(host.rename('C:\\k\\absent', 'C:\\k\\other')).rejects.toThrow('win-1: moving /C:/k/absent to /C:/k/other');
  });

  it('removes a file and a folder tree; refuses the drive root', async () => {
    await host.remove('C:\\k\\kubelet.exe.v1.36.3');
    expect(existsSync(onC('k/kubelet.exe.v1.36.3'))).toBe(false);
    await host.remove('/etc/kubernetes/manifests');
    expect(existsSync(onC('etc/kubernetes/manifests'))).toBe(false);
    expect(() => host.remove('C:\\')).toThrow('win-1: refusing to remove /C:/');
    expect(existsSync(onC('k/kubelet.exe'))).toBe(true);
  });

  it('reaches another drive at its own folder and reports free space', async () => {
    await host.writeFileAtomic('D:\\data\\containerd\\note', 'on D', 0o644);
    expect(readFileSync(path.join(drives, 'D:', 'data/containerd/note'), 'utf8')).toBe('on D');
    expect(await host.freeSpace('C:\\k')).toBeGreaterThan(0);
  });

  it('refuses paths that leave the drive before anything is sent', async () => {
    expect(() => host.resolve('C:\\..\\outside')).toThrow('win-1: "C:\\..\\outside" is not a path bosun can use on a Windows node');
    await expect(async () => host.writeFileAtomic('\\\\fileserver\\share\\x', 'x', 0o644)).rejects.toThrow('a network share or device path');
  });
});
