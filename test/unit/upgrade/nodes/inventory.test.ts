import { lstatSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../../src/cluster/cluster.js';
import { binaryInstaller } from '../../../../src/commands/upgrade/nodes/kubelet-binary.js';
import { upgradeNodeWork } from '../../../../src/commands/upgrade/nodes/node-work.js';
import { LocalHost } from '../../../../src/host/local.js';
import { RecordingHost } from '../../../../src/host/recording.js';
import { parseInventory, readInventory } from '../../../../src/roll/inventory.js';
import { nodeReacher, runNodeSideStep, withExecutorFlags, type NodeStepContext } from '../../../../src/roll/nodes.js';
import { node } from '../../drain/fixtures.js';

const HEADER = 'apiVersion: bosun.dev/v1alpha1\nkind: Inventory\n';
const temp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

describe('inventory', () => {
  it('reads how each node is reached and how its kubelet is replaced, with the defaults of upgrade node', async () => {
    const dir = temp('bosun-inventory-');
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(
      file,
      `${HEADER}nodes:
  - {name: cp-1, local: {}}
  - {name: w-1, local: {root: /srv/w-1}}
  - {name: w-2, local: {root: /srv/w-2}, kubelet: {install: binary, from: '/cache/{version}/kubelet', link: true}}
  - {name: w-3, local: {}, kubelet: {install: none}}
`,
    );
    const inventory = await readInventory(new LocalHost('/'), file);
    expect([...inventory.values()]).toEqual([
      { name: 'cp-1', local: { root: '/' }, kubelet: { install: 'package' } },
      { name: 'w-1', local: { root: '/srv/w-1' }, kubelet: { install: 'none' } },
      { name: 'w-2', local: { root: '/srv/w-2' }, kubelet: { install: 'binary', from: '/cache/{version}/kubelet', link: true } },
      { name: 'w-3', local: { root: '/' }, kubelet: { install: 'none' } },
    ]);
    expect([...withExecutorFlags(inventory, ['w-4=local']).values()].at(-1)).toEqual({ name: 'w-4', local: { root: '/' }, kubelet: { install: 'package' } });
    expect(() => withExecutorFlags(inventory, ['w-1'])).toThrow('--executor: expected NODE=local, got "w-1"');
    await expect(readInventory(new LocalHost('/'), path.join(dir, 'missing.yaml'))).rejects.toThrow(`--inventory ${dir}/missing.yaml: file not found`);
  });

  it('names the file and the field of every mistake', async () => {
    const dir = temp('bosun-inventory-');
    const file = path.join(dir, 'bad.yaml');
    const problem = async (text: string) => {
      writeFileSync(file, text);
      return readInventory(new LocalHost('/'), file).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    };
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1, ssh: {address: 10.0.0.1}}\n`)).toBe(
      `--inventory ${file}: nodes[0]: unknown field "ssh" (known: name, local, kubelet)`,
    );
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1}\n`)).toBe(
      `--inventory ${file}: nodes[0].local: expected how bosun reaches the node: local: {} (this machine) or local: {root: DIR}`,
    );
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1, local: {root: rel}}\n`)).toBe(
      `--inventory ${file}: nodes[0].local.root: expected an absolute directory`,
    );
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1, local: {}, kubelet: {install: rpm}}\n`)).toBe(
      `--inventory ${file}: nodes[0].kubelet.install: expected "package", "none" or "binary", got "rpm"`,
    );
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1, local: {}, kubelet: {install: binary}}\n`)).toBe(
      `--inventory ${file}: nodes[0].kubelet.from: expected the absolute path of a kubelet binary on this machine ({version} stands for the version)`,
    );
    expect(await problem(`${HEADER}nodes:\n  - {name: w-1, local: {}}\n  - {name: w-1, local: {}}\n`)).toBe(
      `--inventory ${file}: nodes[1].name: "w-1" is listed twice`,
    );
    expect(await problem('kind: Inventory\nnodes: []\n')).toBe(`--inventory ${file}: apiVersion: expected "bosun.dev/v1alpha1", got undefined`);
    expect(() => parseInventory(`${HEADER}nodes:\n  - {name: Worker_1, local: {}}\n`)).toThrow('nodes[0].name: expected a node name');
  });

  it('reaches the nodes the inventory names and the node bosun runs on, no other', () => {
    const { kindOf, reach, knows } = nodeReacher(parseInventory(`${HEADER}nodes:\n  - {name: w-1, local: {root: /srv/w-1}}\n`), 'here');
    expect(kindOf(node('w-1'))).toBe('local');
    expect(kindOf(node('here'))).toBe('local');
    expect(kindOf(node('elsewhere'))).toEqual({ missing: 'bosun runs on here, not on this node, and no --inventory names it (remote nodes come with SSH)' });
    expect(reach('w-1')).toMatchObject({ name: 'w-1', via: 'local', host: { root: '/srv/w-1', offline: true }, kubelet: { install: 'none' } });
    expect(reach('w-1')).toBe(reach('w-1'));
    expect(reach('here')).toMatchObject({ host: { root: '/', offline: false }, kubelet: { install: 'package' } });
    expect(() => reach('elsewhere')).toThrow('node elsewhere: the inventory does not name it');
    expect([knows('w-1'), knows('here'), knows('elsewhere')]).toEqual([true, true, false]);
  });
});

describe('node-side steps', () => {
  const context = (host: NodeStepContext['node']['host']): NodeStepContext => ({
    node: { name: 'n', via: 'local', host, kubelet: { install: 'none' } },
    target: 'v1.37.1',
    cluster: {} as Cluster,
    path: 'node/n/kubelet-restart',
    events: () => undefined,
    signal: new AbortController().signal,
  });

  it("restarts the kubelet through the node's service manager; a step bosun lacks stops the node", async () => {
    const host = new RecordingHost(new LocalHost(temp('bosun-local-')));
    const work = upgradeNodeWork({ timeoutMs: 1000, machine: new LocalHost('/'), proxyEnv: [] });
    await runNodeSideStep(work, 'kubelet-restart', context(host));
    expect(host.actions).toEqual([expect.objectContaining({ kind: 'service', target: expect.stringContaining('kubelet') })]);
    await expect(runNodeSideStep(work, 'kubelet-stop', context(host))).rejects.toThrow('node n: bosun has no "kubelet-stop" step yet');
  });

  it('installs a kubelet binary of this machine on the node: a link in one step where it can, else a copy', async () => {
    const machine = temp('bosun-machine-');
    writeFileSync(path.join(machine, 'kubelet-v1.37.1'), 'new kubelet');
    const from = path.join(machine, 'kubelet-{version}');
    const node = new LocalHost(temp('bosun-node-'));
    const lines: string[] = [];
    await binaryInstaller(from, true, new LocalHost('/')).install(node, 'v1.37.1', (l) => lines.push(l));
    expect(readlinkSync(node.resolve('/usr/bin/kubelet'))).toBe(path.join(machine, 'kubelet-v1.37.1'));
    await binaryInstaller(from, false, new LocalHost('/')).install(node, 'v1.37.1', (l) => lines.push(l));
    expect(lstatSync(node.resolve('/usr/bin/kubelet')).isSymbolicLink()).toBe(false);
    expect(readFileSync(node.resolve('/usr/bin/kubelet'), 'utf8')).toBe('new kubelet');
    expect((await node.stat('/usr/bin/kubelet'))?.mode).toBe(0o755);
    expect(lines).toEqual([
      `[upgrade/kubelet] /usr/bin/kubelet now links to ${machine}/kubelet-v1.37.1`,
      `[upgrade/kubelet] Copied ${machine}/kubelet-v1.37.1 to /usr/bin/kubelet`,
    ]);
    await expect(binaryInstaller(from, true, new LocalHost('/')).install(node, 'v1.36.3', () => undefined)).rejects.toThrow(
      `kubelet v1.36.3: ${machine}/kubelet-v1.36.3 is not a file on this machine (the inventory's kubelet.from)`,
    );
  });
});
