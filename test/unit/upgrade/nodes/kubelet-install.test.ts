import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../../src/cluster/cluster.js';
import { fileInstaller, KubeletDownloads, prepareKubelet, releaseInstaller } from '../../../../src/commands/upgrade/nodes/kubelet-binary.js';
import { download } from '../../../../src/host/download.js';
import { upgradeNodeWork } from '../../../../src/commands/upgrade/nodes/node-work.js';
import { LocalHost } from '../../../../src/host/local.js';
import { RecordingHost } from '../../../../src/host/recording.js';
import { parseInventory } from '../../../../src/inventory/inventory.js';
import { nodeReacher, runNodeSideStep, withExecutorFlags, type NodeStepContext } from '../../../../src/roll/nodes.js';
import { node } from '../../drain/fixtures.js';

const temp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));
const downloads = () => new KubeletDownloads(download);

describe('reaching nodes', () => {
  it('reaches the nodes the cluster file names and the node bosun runs on, no other', () => {
    const inventory = parseInventory(
      `apiVersion: bosun.dev/v1alpha1\nkind: Cluster\nspec:\n  hosts:\n    - {name: w-1, role: worker, local: {root: /srv/w-1}}\n`,
      'c.yaml',
    );
    const { kindOf, reach, knows } = nodeReacher(inventory, 'here', (h) => new LocalHost(h.reach.via === 'local' ? h.reach.root : '/nowhere'));
    expect(kindOf(node('w-1'))).toBe('local');
    expect(kindOf(node('here'))).toBe('local');
    expect(kindOf(node('elsewhere'))).toEqual({ missing: 'bosun runs on here, not on this node, and no --inventory names it' });
    expect(reach('w-1')).toMatchObject({ name: 'w-1', via: 'local', host: { root: '/srv/w-1', offline: true }, kubelet: { install: 'none' } });
    expect(reach('w-1')).toBe(reach('w-1'));
    expect(reach('here')).toMatchObject({ host: { root: '/', offline: false }, kubelet: { install: 'package' } });
    expect(() => reach('elsewhere')).toThrow('node elsewhere: the inventory does not name it');
    expect([knows('w-1'), knows('here'), knows('elsewhere')]).toEqual([true, true, false]);
    expect([...withExecutorFlags(inventory, ['w-4=local']).values()].at(-1)).toEqual({
      name: 'w-4',
      reach: { via: 'local', root: '/' },
      kubelet: { install: 'package' },
    });
    expect(() => withExecutorFlags(inventory, ['w-1'])).toThrow('--executor: expected NODE=local, got "w-1"');
  });
});

describe('node-side steps', () => {
  const context = (host: NodeStepContext['node']['host']): NodeStepContext => ({
    node: { name: 'n', via: 'local', host, kubelet: { install: 'none' } },
    target: 'v1.37.1',
    from: 'v1.36.3',
    cluster: {} as Cluster,
    path: 'node/n/kubelet-restart',
    events: () => undefined,
    signal: new AbortController().signal,
  });

  it("restarts the kubelet through the node's service manager; a step bosun lacks stops the node", async () => {
    const host = new RecordingHost(new LocalHost(temp('bosun-local-')));
    const work = upgradeNodeWork({ timeoutMs: 1000, machine: new LocalHost('/'), downloads: downloads(), proxyEnv: [], rollId: 'r1' });
    await runNodeSideStep(work, 'kubelet-restart', context(host));
    expect(host.actions).toEqual([expect.objectContaining({ kind: 'service', target: expect.stringContaining('kubelet') })]);
    await expect(runNodeSideStep(work, 'docker-stop', context(host))).rejects.toThrow('node n: this roll has no "docker-stop" step');
  });

  it('installs a kubelet binary of this machine on the node: a link in one step where it can, else a copy', async () => {
    const machine = temp('bosun-machine-');
    writeFileSync(path.join(machine, 'kubelet-v1.37.1'), 'new kubelet');
    const from = path.join(machine, 'kubelet-{version}');
    const node = new LocalHost(temp('bosun-node-'));
    const lines: string[] = [];
    await fileInstaller(from, true, new LocalHost('/')).install(node, 'v1.37.1', (l: string) => lines.push(l));
    expect(readlinkSync(node.resolve('/usr/bin/kubelet'))).toBe(path.join(machine, 'kubelet-v1.37.1'));
    await fileInstaller(from, false, new LocalHost('/')).install(node, 'v1.37.1', (l: string) => lines.push(l));
    expect(lstatSync(node.resolve('/usr/bin/kubelet')).isSymbolicLink()).toBe(false);
    expect(readFileSync(node.resolve('/usr/bin/kubelet'), 'utf8')).toBe('new kubelet');
    expect((await node.stat('/usr/bin/kubelet'))?.mode).toBe(0o755);
    expect(lines).toEqual([
      `[upgrade/kubelet] /usr/bin/kubelet now links to ${machine}/kubelet-v1.37.1`,
      `[upgrade/kubelet] Copied ${machine}/kubelet-v1.37.1 to /usr/bin/kubelet`,
    ]);
    await expect(fileInstaller(from, true, new LocalHost('/')).install(node, 'v1.36.3', () => undefined)).rejects.toThrow(
      `kubelet v1.36.3: ${machine}/kubelet-v1.36.3 is not a file on this machine (the cluster file's kubelet.from)`,
    );
  });
});

describe('kubelet binaries from a release', () => {
  /** A release directory laid out as dl.k8s.io's, for file:// URLs: the binary and its `.sha256`. */
  function release(content: string, published = createHash('sha256').update(content).digest('hex')) {
    const dir = temp('bosun-release-');
    mkdirSync(path.join(dir, 'v1.37.1/amd64'), { recursive: true });
    writeFileSync(path.join(dir, 'v1.37.1/amd64/kubelet'), content);
    writeFileSync(path.join(dir, 'v1.37.1/amd64/kubelet.sha256'), `${published}  kubelet\n`);
    return `file://${dir}/{version}/{arch}/kubelet`;
  }
  const nodeWithKubelet = () => {
    const node = new LocalHost(temp('bosun-node-'));
    mkdirSync(node.resolve('/usr/bin'), { recursive: true });
    writeFileSync(node.resolve('/usr/bin/kubelet'), 'old kubelet');
    return node;
  };

  it('downloads once, checks the published SHA-256, pushes to every node and keeps the old binary', async () => {
    const url = release('kubelet v1.37.1');
    let fetched = 0;
    const counted = new KubeletDownloads((u, limits) => ((fetched += u.endsWith('.sha256') ? 0 : 1), download(u, limits)));
    const nodes = [nodeWithKubelet(), nodeWithKubelet()];
    const lines: string[] = [];
    for (const n of nodes) await releaseInstaller(url, 'bosun', counted).install(n, 'v1.37.1', (l) => lines.push(l));
    expect(fetched).toBe(1);
    for (const n of nodes) {
      expect(readFileSync(n.resolve('/usr/bin/kubelet'), 'utf8')).toBe('kubelet v1.37.1');
      expect(readFileSync(n.resolve('/usr/bin/kubelet.previous'), 'utf8')).toBe('old kubelet');
      expect((await n.stat('/usr/bin/kubelet'))?.mode).toBe(0o755);
    }
    expect(lines[0]).toMatch(/^\[upgrade\/kubelet\] Pushed file:\/\/.*\/v1.37.1\/amd64\/kubelet to \/usr\/bin\/kubelet \(SHA-256 checked/);
  });

  it('refuses a binary whose SHA-256 is not the published one and leaves the node as it was', async () => {
    const url = release('tampered kubelet', 'a'.repeat(64));
    const node = nodeWithKubelet();
    await expect(releaseInstaller(url, 'bosun', downloads()).install(node, 'v1.37.1', () => undefined)).rejects.toThrow(
      /kubelet: its SHA-256 is [0-9a-f]{64}, the published one .* is a{64}: not installed$/,
    );
    expect(readFileSync(node.resolve('/usr/bin/kubelet'), 'utf8')).toBe('old kubelet');
    expect(readdirSync(node.resolve('/usr/bin'))).toEqual(['kubelet']);
  });

  it('lets the node fetch it, checked against the digest bosun read', async () => {
    const node = nodeWithKubelet();
    await releaseInstaller(release('kubelet v1.37.1'), 'node', downloads()).install(node, 'v1.37.1', () => undefined);
    expect(readFileSync(node.resolve('/usr/bin/kubelet'), 'utf8')).toBe('kubelet v1.37.1');
    expect(readFileSync(node.resolve('/usr/bin/kubelet.previous'), 'utf8')).toBe('old kubelet');
    const tampered = nodeWithKubelet();
    await expect(releaseInstaller(release('tampered', 'b'.repeat(64)), 'node', downloads()).install(tampered, 'v1.37.1', () => undefined)).rejects.toThrow(
      'does not match its published digest',
    );
    expect(readdirSync(tampered.resolve('/usr/bin'))).toEqual(['kubelet']);
  });

  it('fetches and checks before the roll changes anything: a wrong digest or a missing file refused, the download kept for the install', async () => {
    const machine = new LocalHost('/');
    let fetched = 0;
    const counted = new KubeletDownloads((u, limits) => ((fetched += u.endsWith('.sha256') ? 0 : 1), download(u, limits)));
    const node = nodeWithKubelet();
    const url = release('kubelet v1.37.1');
    await prepareKubelet({ install: 'binary', url, fetch: 'bosun' }, node, 'v1.37.1', machine, counted);
    await releaseInstaller(url, 'bosun', counted).install(node, 'v1.37.1', () => undefined);
    expect(fetched).toBe(1);
    await expect(
      prepareKubelet({ install: 'binary', url: release('tampered', 'c'.repeat(64)), fetch: 'node' }, node, 'v1.37.1', machine, downloads()),
    ).resolves.toBeUndefined();
    await expect(
      prepareKubelet({ install: 'binary', url: release('tampered', 'c'.repeat(64)), fetch: 'bosun' }, node, 'v1.37.1', machine, downloads()),
    ).rejects.toThrow(/kubelet: its SHA-256 is [0-9a-f]{64}, the published one .* is c{64}: not installed$/);
    await expect(
      prepareKubelet({ install: 'binary', url: `file://${temp('bosun-empty-')}/{version}/kubelet`, fetch: 'node' }, node, 'v1.37.1', machine, downloads()),
    ).rejects.toThrow(/kubelet\.sha256/);
    await expect(prepareKubelet({ install: 'binary', from: '/nowhere/kubelet-{version}', link: false }, node, 'v1.37.1', machine, downloads())).rejects.toThrow(
      "kubelet v1.37.1: /nowhere/kubelet-v1.37.1 is not a file on this machine (the cluster file's kubelet.from)",
    );
    await expect(prepareKubelet({ install: 'package' }, node, 'v1.37.1', machine, downloads())).resolves.toBeUndefined();
    expect(readFileSync(node.resolve('/usr/bin/kubelet'), 'utf8')).toBe('kubelet v1.37.1');
  });
});
