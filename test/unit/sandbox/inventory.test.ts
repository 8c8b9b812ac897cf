import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { readInventory } from '../../../src/inventory/inventory.js';
import { cachedKubelet, writeInventories } from '../../../src/sandbox/inventory.js';
import { ensureNodeKubelet } from '../../../src/sandbox/machine.js';
import { networkPlan, nodeNetwork, workerNetwork } from '../../../src/sandbox/network.js';
import type { SandboxState } from '../../../src/sandbox/state.js';
import { parseYaml } from '../../../src/util/yaml.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe("the sandbox's inventory", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-'));
  const plan = networkPlan(7);
  const state = {
    kubernetesVersion: 'v1.37.1',
    network: plan,
    nodes: [
      { name: 'control-plane', role: 'control-plane', simulated: false, network: nodeNetwork(plan, 'control-plane', 0) },
      { name: 'worker-1', role: 'worker', simulated: true, network: workerNetwork(plan, 'worker-1', 0) },
      { name: 'worker-2', role: 'worker', simulated: true },
    ],
    processes: [],
  } as SandboxState;

  it('names every node as this machine under its rootfs, its kubelet linked from the cache by version', async () => {
    const file = await writeInventories(dir, state);
    const inventory = await readInventory(new LocalHost('/'), file);
    expect([...inventory.values()]).toEqual(
      [
        ['control-plane', 'control-plane'],
        ['worker-1', 'worker'],
        ['worker-2', 'worker'],
      ].map(([name, role]) => ({
        name,
        role,
        os: 'linux',
        reach: { via: 'local', root: path.join(dir, 'nodes', name) },
        kubelet: { install: 'binary', from: cachedKubelet(), link: true },
      })),
    );
    expect(cachedKubelet()).toMatch(/\/bin\/kubernetes\/\{version\}\/kubelet$/);
  });

  it('names every machine as an SSH host: its address, port 22, root and the sandbox key', async () => {
    await writeInventories(dir, state);
    const text = readFileSync(path.join(dir, 'cluster.yaml'), 'utf8');
    expect(text).toContain('not listed: worker-2');
    expect((await readInventory(new LocalHost('/'), path.join(dir, 'cluster.yaml'))).size).toBe(2);
    expect(parseYaml(text)).toEqual({
      apiVersion: 'bosun.dev/v1alpha1',
      kind: 'Cluster',
      spec: {
        hosts: [
          { name: 'control-plane', role: 'control-plane', address: '10.251.7.10' },
          { name: 'worker-1', role: 'worker', address: '10.251.7.100' },
        ].map(({ name, role, address }) => ({
          name,
          role,
          ssh: { address, port: 22, user: 'root', keyPath: path.join(dir, 'ssh', 'id_ed25519') },
          kubelet: { install: 'binary', from: cachedKubelet(), link: false },
        })),
      },
    });
  });

  it('gives a new node a copy of the kubelet binary on its disk and leaves the one a node has', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'bosun-cache-'));
    writeFileSync(path.join(cache, 'kubelet'), 'a kubelet binary');
    const rootfs = mkdtempSync(path.join(os.tmpdir(), 'bosun-node-'));
    await ensureNodeKubelet(rootfs, path.join(cache, 'kubelet'));
    const installed = path.join(rootfs, 'usr/bin/kubelet');
    expect(lstatSync(installed).isFile()).toBe(true);
    expect(lstatSync(installed).mode & 0o777).toBe(0o755);
    expect(sha256(installed)).toBe(sha256(path.join(cache, 'kubelet')));
    const upgraded = mkdtempSync(path.join(os.tmpdir(), 'bosun-node-'));
    mkdirSync(path.join(upgraded, 'usr/bin'), { recursive: true });
    symlinkSync('/cache/v1.38.0/kubelet', path.join(upgraded, 'usr/bin/kubelet'));
    await ensureNodeKubelet(upgraded, path.join(cache, 'kubelet'));
    expect(readlinkSync(path.join(upgraded, 'usr/bin/kubelet'))).toBe('/cache/v1.38.0/kubelet');
  });
});
