import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveKubeconfig } from '../../../src/cluster/kubeconfig-path.js';
import { LocalHost } from '../../../src/host/local.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-kubeconfig-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the kubeconfig a command that talks to a cluster uses', () => {
  it('is the flag, else $KUBECONFIG (its first file that exists), else admin.conf', async () => {
    const host = new LocalHost('/');
    expect(await resolveKubeconfig(host, { flag: '/x.conf', env: '/y.conf', home: '/nohome' })).toBe('/x.conf');
    expect(await resolveKubeconfig(host, { env: '/missing:/etc/hostname', home: '/nohome' })).toBe('/etc/hostname');
    expect(await resolveKubeconfig(host, { home: '/nohome' })).toBe('/etc/kubernetes/admin.conf');
  });

  it('looks in order: flag, $KUBECONFIG, /etc/kubernetes/admin.conf, ~/.kube/config', async () => {
    const host = new LocalHost(root);
    const search = { flag: '/flag.conf', env: '/missing.conf:/env-a.conf:/env-b.conf', home: '/home/me' };
    const user = '/home/me/.kube/config';
    for (const file of [user, '/etc/kubernetes/admin.conf', '/env-b.conf', '/env-a.conf']) await host.writeFileAtomic(file, 'kind: Config\n', 0o600);

    expect(await resolveKubeconfig(host, search)).toBe('/flag.conf');
    expect(await resolveKubeconfig(host, { ...search, flag: undefined })).toBe('/env-a.conf');
    await host.remove('/env-a.conf');
    expect(await resolveKubeconfig(host, { ...search, flag: undefined })).toBe('/env-b.conf');
    expect(await resolveKubeconfig(host, { home: '/home/me' })).toBe('/etc/kubernetes/admin.conf');
    await host.remove('/etc/kubernetes/admin.conf');
    expect(await resolveKubeconfig(host, { env: '/missing.conf', home: '/home/me' })).toBe(user);
  });

  it('takes a relative flag or $KUBECONFIG entry from the working directory', async () => {
    const host = new LocalHost('/');
    expect(await resolveKubeconfig(host, { flag: 'admin.conf', home: '/nohome' })).toBe(path.resolve('admin.conf'));
    expect(await resolveKubeconfig(host, { env: 'package.json', home: '/nohome' })).toBe(path.resolve('package.json'));
  });
});
