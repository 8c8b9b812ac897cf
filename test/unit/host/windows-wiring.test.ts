import { describe, expect, it } from 'vitest';
import { SshPool } from '../../../src/host/ssh/pool.js';
import { SshHost } from '../../../src/host/ssh/ssh-host.js';
import { WindowsSshHost } from '../../../src/host/windows/windows-host.js';
import { parseInventory } from '../../../src/inventory/inventory.js';
import { NodeHosts } from '../../../src/roll/hosts.js';
import type { NodeAccess } from '../../../src/roll/nodes.js';

/** Opening a door dials nothing: the connection waits for the first operation. */
describe('a host with os: windows', () => {
  const pool = new SshPool({ knownHostsFile: '/nonexistent/known_hosts', env: {} });

  it('is reached through the Windows door, as Administrator unless the file names a login', () => {
    const win = pool.host({ name: 'win-1', os: 'windows', address: '10.0.0.9' });
    expect(win).toBeInstanceOf(WindowsSshHost);
    expect(win.target.user).toBe('Administrator');
    expect(pool.host({ name: 'win-2', os: 'windows', address: '10.0.0.10', user: 'ops' }).target.user).toBe('ops');
    const linux = pool.host({ name: 'lin-1', address: '10.0.0.11' });
    expect(linux).toBeInstanceOf(SshHost);
    expect(linux.target.user).toBe('root');
  });

  it('logs in as Administrator unless the cluster file names a user; a Linux host as root', () => {
    const file = [
      'apiVersion: bosun.dev/v1alpha1',
      'kind: Cluster',
      'spec:',
      '  hosts:',
      '    - {name: win-1, role: worker, os: windows, ssh: {address: 10.0.0.9}}',
      '    - {name: win-2, role: worker, os: windows, ssh: {address: 10.0.0.10, user: ops}}',
      '    - {name: lin-1, role: worker, ssh: {address: 10.0.0.11}}',
      '',
    ].join('\n');
    const logins = [...parseInventory(file, '/srv/cluster.yaml').values()].map((h) => h.reach.via === 'ssh' && h.reach.ssh.user);
    expect(logins).toEqual(['Administrator', 'ops', 'root']);
  });

  it('is opened from the cluster file through the same pool as Linux hosts', () => {
    const hosts = new NodeHosts({ parallel: 2 }, { home: '/root', bosunVersion: 'v0.0.0', variables: {} });
    const access = (name: string, os: 'linux' | 'windows'): NodeAccess => ({
      name,
      os,
      reach: { via: 'ssh', ssh: { address: '10.0.0.20', port: 22 } },
      kubelet: { install: 'none' },
    });
    expect(hosts.open(access('win-1', 'windows'))).toBeInstanceOf(WindowsSshHost);
    expect(hosts.open(access('lin-1', 'linux'))).toBeInstanceOf(SshHost);
  });
});
