import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { tempDir } from '../../support/temp.js';

/** A node root and, beside it, a directory of this machine that no node path may reach. */
function rootAndOutside() {
  const root = tempDir('bosun-root-');
  const outside = tempDir('bosun-outside-');
  writeFileSync(path.join(outside, 'secret'), 'of this machine');
  return { root, outside, host: new LocalHost(root) };
}

describe('a LocalHost under a root resolves links as a chroot would', () => {
  it('follows an absolute link from the root: a write lands inside it', async () => {
    const { root, outside, host } = rootAndOutside();
    mkdirSync(path.join(root, 'etc'));
    symlinkSync(outside, path.join(root, 'etc/kubernetes'));
    await host.writeFileAtomic('/etc/kubernetes/admin.conf', 'key', 0o600);
    expect(readFileSync(path.join(root, outside, 'admin.conf'), 'utf8')).toBe('key');
    expect(existsSync(path.join(outside, 'admin.conf'))).toBe(false);
    expect(host.resolve('/etc/kubernetes/admin.conf')).toBe(path.join(root, outside, 'admin.conf'));
  });

  it('stops a climbing link at the root', async () => {
    const { root, outside, host } = rootAndOutside();
    mkdirSync(path.join(root, 'etc'));
    symlinkSync(`../../../../../../../..${outside}`, path.join(root, 'etc/kubernetes'));
    await host.mkdir('/etc/kubernetes/pki', 0o700);
    await host.writeFileAtomic('/etc/kubernetes/pki/ca.key', 'key', 0o600);
    expect(readFileSync(path.join(root, outside, 'pki/ca.key'), 'utf8')).toBe('key');
    expect(existsSync(path.join(outside, 'pki'))).toBe(false);
  });

  it('reads, stats and lists only inside the root', async () => {
    const { root, outside, host } = rootAndOutside();
    mkdirSync(path.join(root, 'etc'));
    symlinkSync(path.join(outside, 'secret'), path.join(root, 'etc/admin.conf'));
    symlinkSync(outside, path.join(root, 'etc/dir'));
    expect(await host.readFile('/etc/admin.conf')).toBeUndefined();
    expect(await host.stat('/etc/admin.conf')).toBeUndefined();
    expect(await host.readdir('/etc/dir')).toEqual([]);
    mkdirSync(path.join(root, outside), { recursive: true });
    writeFileSync(path.join(root, outside, 'secret'), 'of the node');
    expect((await host.readFile('/etc/admin.conf'))?.toString()).toBe('of the node');
    expect(await host.readdir('/etc/dir')).toEqual(['secret']);
  });

  it('removes through links inside the root only, and a link itself rather than what it points at', async () => {
    const { root, outside, host } = rootAndOutside();
    symlinkSync(outside, path.join(root, 'var'));
    await host.remove('/var/secret');
    expect(existsSync(path.join(outside, 'secret'))).toBe(true);
    symlinkSync(outside, path.join(root, 'link'));
    await host.remove('/link');
    expect(existsSync(path.join(root, 'link'))).toBe(false);
    expect(existsSync(path.join(outside, 'secret'))).toBe(true);
  });

  it('replaces a link to outside the root on write instead of writing through it', async () => {
    const { root, outside, host } = rootAndOutside();
    symlinkSync(path.join(outside, 'secret'), path.join(root, 'kubelet.conf'));
    await host.writeFileAtomic('/kubelet.conf', 'new', 0o600);
    expect(readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('of this machine');
    expect(readFileSync(path.join(root, 'kubelet.conf'), 'utf8')).toBe('new');
  });

  it('follows links within the root, relative and absolute', async () => {
    const { root, host } = rootAndOutside();
    mkdirSync(path.join(root, 'data/kubernetes'), { recursive: true });
    writeFileSync(path.join(root, 'data/kubernetes/kubelet.conf'), 'conf');
    mkdirSync(path.join(root, 'etc'));
    symlinkSync('/data/kubernetes', path.join(root, 'etc/kubernetes'));
    symlinkSync('../etc/kubernetes/kubelet.conf', path.join(root, 'data/kubelet.conf'));
    expect((await host.readFile('/etc/kubernetes/kubelet.conf'))?.toString()).toBe('conf');
    expect((await host.readFile('/data/kubelet.conf'))?.toString()).toBe('conf');
    expect(await host.stat('/data/kubelet.conf')).toMatchObject({ size: 4, isDirectory: false });
  });

  it('refuses a link loop with a clear error', async () => {
    const { root, host } = rootAndOutside();
    symlinkSync('/b', path.join(root, 'a'));
    symlinkSync('a', path.join(root, 'b'));
    await expect(host.readFile('/a/file')).rejects.toThrow(`/a/file under ${root}: more than 40 symbolic links to follow (a loop?)`);
    await expect(host.writeFileAtomic('/a/file', 'x', 0o600)).rejects.toThrow(UserError);
  });

  it("still points a node path at this machine's binary (symlink)", async () => {
    const { root, host } = rootAndOutside();
    await host.symlink('/opt/kubelet/v1.37.1/kubelet', '/usr/bin/kubelet');
    expect(readlinkSync(path.join(root, 'usr/bin/kubelet'))).toBe('/opt/kubelet/v1.37.1/kubelet');
    await host.symlink('/opt/kubelet/v1.38.0/kubelet', '/usr/bin/kubelet');
    expect(readlinkSync(path.join(root, 'usr/bin/kubelet'))).toBe('/opt/kubelet/v1.38.0/kubelet');
  });

  it('on / follows links as the kernel does, as before', async () => {
    const { outside } = rootAndOutside();
    const dir = tempDir('bosun-links-');
    symlinkSync(path.join(outside, 'secret'), path.join(dir, 'link'));
    const host = new LocalHost('/');
    expect(host.resolve(path.join(dir, 'link'))).toBe(path.join(dir, 'link'));
    expect((await host.readFile(path.join(dir, 'link')))?.toString()).toBe('of this machine');
  });
});
