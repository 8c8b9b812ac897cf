import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { inventoryDocument, parseInventory, readInventory, RELEASE_KUBELET_URL } from '../../../src/inventory/inventory.js';
import { emitYaml } from '../../../src/util/yaml.js';

const HEADER = 'apiVersion: bosun.dev/v1alpha1\nkind: Cluster\nspec:\n  hosts:\n';
const FILE = '/srv/cluster.yaml';
const hosts = (...lines: string[]) => HEADER + lines.map((l) => `    - ${l}\n`).join('');
const problem = (text: string) => {
  try {
    parseInventory(text, FILE);
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('the cluster file', () => {
  it('reads each host: its role, how it is reached and how its kubelet is installed, with the defaults', () => {
    const inventory = parseInventory(
      hosts(
        '{name: cp-1, role: control-plane, local: {}}',
        '{name: w-1, role: worker, local: {root: /srv/w-1}}',
        '{name: w-2, role: worker, ssh: {address: 10.0.0.2, keyPath: ~/.ssh/id_ed25519, bastion: {address: jump.example, port: 2222}}}',
        '{name: w-3, role: worker, ssh: {address: "fd00::3", port: 2200, user: ops}, kubelet: {install: binary}}',
        "{name: w-4, role: worker, ssh: {address: w-4.example}, kubelet: {install: binary, url: 'http://mirror/{version}/{arch}/kubelet', fetch: node}}",
        "{name: w-5, role: worker, local: {root: /srv/w-5}, kubelet: {install: binary, from: '/cache/{version}/kubelet', link: true}}",
      ),
      FILE,
    );
    expect([...inventory.values()]).toEqual([
      { name: 'cp-1', role: 'control-plane', os: 'linux', reach: { via: 'local', root: '/' }, kubelet: { install: 'package' } },
      { name: 'w-1', role: 'worker', os: 'linux', reach: { via: 'local', root: '/srv/w-1' }, kubelet: { install: 'none' } },
      {
        name: 'w-2',
        role: 'worker',
        os: 'linux',
        reach: {
          via: 'ssh',
          ssh: { address: '10.0.0.2', port: 22, user: 'root', keyPath: '~/.ssh/id_ed25519', bastion: { address: 'jump.example', port: 2222, user: 'root' } },
        },
        kubelet: { install: 'package' },
      },
      {
        name: 'w-3',
        role: 'worker',
        os: 'linux',
        reach: { via: 'ssh', ssh: { address: 'fd00::3', port: 2200, user: 'ops' } },
        kubelet: { install: 'binary', url: RELEASE_KUBELET_URL, fetch: 'bosun' },
      },
      {
        name: 'w-4',
        role: 'worker',
        os: 'linux',
        reach: { via: 'ssh', ssh: { address: 'w-4.example', port: 22, user: 'root' } },
        kubelet: { install: 'binary', url: 'http://mirror/{version}/{arch}/kubelet', fetch: 'node' },
      },
      {
        name: 'w-5',
        role: 'worker',
        os: 'linux',
        reach: { via: 'local', root: '/srv/w-5' },
        kubelet: { install: 'binary', from: '/cache/{version}/kubelet', link: true },
      },
    ]);
  });

  it('writes what it reads', () => {
    const text = hosts('{name: w-1, role: worker, ssh: {address: 10.0.0.2}, kubelet: {install: binary}}', '{name: w-2, role: worker, local: {root: /srv/w-2}}');
    const inventory = parseInventory(text, FILE);
    expect(parseInventory(emitYaml(inventoryDocument([...inventory.values()])), FILE)).toEqual(inventory);
  });

  it('names the file, the field and the host of every mistake', () => {
    const at = (field: string, what: string) => `${FILE}: Cluster: ${field}: ${what}`;
    expect(problem(hosts('{name: w-1, role: worker}'))).toBe(
      at('spec.hosts[0].ssh', 'required: how bosun reaches the host, ssh: {address: ...} (or local: {} for this machine) (host w-1)'),
    );
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: 10.0.0.1}, local: {}}'))).toBe(
      at('spec.hosts[0].ssh', 'give one of ssh and local, not both (host w-1)'),
    );
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: 10.0.0.1, port: "22"}}'))).toMatch(
      /^\/srv\/cluster.yaml: Cluster: spec.hosts\[0\].ssh.port: .*\(host "w-1"\)$/,
    );
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: 10.0.0.1, port: 70000}}'))).toContain('spec.hosts[0].ssh.port');
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: "-oProxyCommand=x"}}'))).toContain('spec.hosts[0].ssh.address');
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: "10.0.0.1 "}}'))).toContain('spec.hosts[0].ssh.address');
    expect(problem(hosts('{name: w-1, role: worker, ssh: {adress: 10.0.0.1}}'))).toContain('unknown field "adress"');
    expect(problem(hosts('{name: w-1, role: boss, ssh: {address: 10.0.0.1}}'))).toContain('spec.hosts[0].role');
    expect(problem(hosts('{name: Worker_1, role: worker, ssh: {address: 10.0.0.1}}'))).toContain('spec.hosts[0].name');
    expect(problem(hosts('{name: w-1, role: worker, local: {root: rel}}'))).toContain('spec.hosts[0].local.root');
    expect(problem(hosts('{name: w-1, role: worker, local: {}, kubelet: {install: rpm}}'))).toContain('spec.hosts[0].kubelet.install');
    expect(problem(hosts("{name: w-1, role: worker, ssh: {address: a}, kubelet: {install: binary, from: '/k', url: 'http://m/k'}}"))).toBe(
      at('spec.hosts[0].kubelet.from', 'give one of url and from, not both (host w-1)'),
    );
    expect(problem(hosts("{name: w-1, role: worker, ssh: {address: a}, kubelet: {install: binary, from: '/k', link: true}}"))).toContain(
      'only a node whose files are on this machine (local) can link',
    );
    expect(problem(hosts("{name: w-1, role: worker, ssh: {address: a}, kubelet: {install: binary, url: 'ftp://m/k'}}"))).toContain('kubelet.url');
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: a}}', '{name: w-1, role: worker, ssh: {address: b}}'))).toBe(
      at('spec.hosts[1]', '"w-1" is listed twice'),
    );
    expect(problem(hosts('{name: w-1, role: worker, ssh: {address: a}}', '{name: w-2, role: worker, ssh: {address: a}}'))).toBe(
      at('spec.hosts[1]', 'host w-2 has the same ssh address and port as w-1'),
    );
    expect(problem('apiVersion: bosun.dev/v1alpha1\nkind: Inventory\nnodes: []\n')).toContain('kind');
    expect(problem(HEADER)).toContain('spec.hosts');
    expect(problem('spec: [')).toMatch(/^\/srv\/cluster.yaml: /);
  });

  it('says which file is missing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-inventory-'));
    writeFileSync(path.join(dir, 'ok.yaml'), hosts('{name: w-1, role: worker, local: {}}'));
    expect((await readInventory(new LocalHost('/'), path.join(dir, 'ok.yaml'))).size).toBe(1);
    await expect(readInventory(new LocalHost('/'), path.join(dir, 'missing.yaml'))).rejects.toThrow(`--inventory ${dir}/missing.yaml: file not found`);
  });

  it("a Windows host's kubelet is the release's kubelet.exe pushed by bosun unless the file says otherwise (Windows has no packages)", () => {
    const inventory = parseInventory(hosts('{name: win-1, role: worker, os: windows, ssh: {address: 10.0.0.9}}'), FILE);
    expect(inventory.get('win-1')!.kubelet).toEqual({ install: 'binary', url: RELEASE_KUBELET_URL, fetch: 'bosun' });
  });
});
