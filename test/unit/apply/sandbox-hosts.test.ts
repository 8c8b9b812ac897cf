import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshNodes } from '../../../src/sandbox/hosts.js';
import { clusterText } from '../../../src/sandbox/inventory.js';
import { networkPlan } from '../../../src/sandbox/network.js';
import { readClusterFile } from '../../../src/inventory/cluster.js';
import { LocalHost } from '../../../src/host/local.js';

describe('sandbox hosts', () => {
  const plan = networkPlan(7);

  it('names the first control-plane host as the sandbox control-plane node, then control-plane-2…, worker-1…', () => {
    const nodes = freshNodes(plan, 5, 2);
    expect(nodes.map((n) => [n.name, n.role, n.network?.address])).toEqual([
      ['control-plane', 'control-plane', '10.251.7.10'],
      ['control-plane-2', 'control-plane', '10.251.7.11'],
      ['worker-1', 'worker', '10.251.7.100'],
      ['worker-2', 'worker', '10.251.7.101'],
      ['worker-3', 'worker', '10.251.7.102'],
    ]);
  });

  it('refuses counts that make no cluster', () => {
    expect(() => freshNodes(plan, 0, 1)).toThrow(/1 or more/);
    expect(() => freshNodes(plan, 2, 0)).toThrow(/--control-planes 0: expected 1 to 2/);
    expect(() => freshNodes(plan, 2, 3)).toThrow(/--control-planes 3: expected 1 to 2/);
  });

  it('prints a cluster file bosun apply reads: SSH hosts, their kubelet to install, the kubeadm configuration', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-hosts-'));
    const state = { kubernetesVersion: 'v1.36.3', network: plan, nodes: freshNodes(plan, 3, 1), processes: [], freshMachines: true };
    const file = path.join(dir, 'cluster.yaml');
    writeFileSync(file, clusterText(dir, state));
    expect(readFileSync(file, 'utf8')).toMatch(/^# Fresh machines: no cluster yet\. bosun apply -f /m);
    const def = await readClusterFile(new LocalHost('/'), file);
    expect(def.hosts.map((h) => h.name)).toEqual(['control-plane', 'worker-1', 'worker-2']);
    expect(def.hosts[1].reach).toEqual({ via: 'ssh', ssh: { address: '10.251.7.100', port: 22, user: 'root', keyPath: path.join(dir, 'ssh', 'id_ed25519') } });
    expect(def.hosts[1].kubelet).toMatchObject({ install: 'binary', link: false });
    expect(def.kubeadm.cluster).toEqual({ kubernetesVersion: 'v1.36.3', controlPlaneEndpoint: '10.251.7.10:6443', networking: { podSubnet: '10.244.0.0/16' } });
  });
});
