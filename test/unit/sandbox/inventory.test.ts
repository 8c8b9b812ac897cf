import { mkdtempSync, readlinkSync, symlinkSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { readInventory } from '../../../src/inventory/inventory.js';
import { cachedKubelet, ensureNodeKubelet, writeInventory } from '../../../src/sandbox/inventory.js';
import type { SandboxState } from '../../../src/sandbox/state.js';

describe("the sandbox's inventory", () => {
  it('names every node as this machine under its rootfs, its kubelet linked from the cache by version', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-'));
    const state = {
      kubernetesVersion: 'v1.37.1',
      nodes: [
        { name: 'control-plane', role: 'control-plane', simulated: false },
        { name: 'worker-1', role: 'worker', simulated: true },
      ],
    } as SandboxState;
    const file = await writeInventory(dir, state);
    const inventory = await readInventory(new LocalHost('/'), file);
    expect([...inventory.values()]).toEqual(
      [
        ['control-plane', 'control-plane'],
        ['worker-1', 'worker'],
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

  it('gives a new node a kubelet on its disk and leaves the one a node has', async () => {
    const rootfs = mkdtempSync(path.join(os.tmpdir(), 'bosun-node-'));
    await ensureNodeKubelet(rootfs, '/cache/v1.37.1/kubelet');
    expect(readlinkSync(path.join(rootfs, 'usr/bin/kubelet'))).toBe('/cache/v1.37.1/kubelet');
    const upgraded = mkdtempSync(path.join(os.tmpdir(), 'bosun-node-'));
    mkdirSync(path.join(upgraded, 'usr/bin'), { recursive: true });
    symlinkSync('/cache/v1.38.0/kubelet', path.join(upgraded, 'usr/bin/kubelet'));
    await ensureNodeKubelet(upgraded, '/cache/v1.37.1/kubelet');
    expect(readlinkSync(path.join(upgraded, 'usr/bin/kubelet'))).toBe('/cache/v1.38.0/kubelet');
  });
});
