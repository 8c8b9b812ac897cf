import { runInChroot } from '../sandbox/chroot-run.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshNodes } from '../../../src/sandbox/hosts.js';
import { clusterText } from '../../../src/sandbox/inventory.js';
import { networkPlan } from '../../../src/sandbox/network.js';
import { equipMachine } from '../../../src/sandbox/machine.js';
import { SystemctlServer } from '../../../src/sandbox/systemctl.js';
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

// chroot and a root-owned rootfs need root, as the sandbox does.
describe.skipIf(process.getuid?.() !== 0)("a sandbox machine's curl, answered by the node agent", () => {
  const nodes = mkdtempSync(path.join(os.tmpdir(), 'bosun-nodes-'));
  const asked: string[] = [];
  const services = {
    start: async () => undefined,
    stop: async () => undefined,
    restart: async () => undefined,
    state: () => ({ state: 'active' as const, detail: '' }),
  };
  const server = new SystemctlServer(
    nodes,
    services,
    () => undefined,
    async (node, args) => {
      asked.push(`${node} ${args.join(' ')}`);
      return args.includes('https://127.0.0.1:10257/healthz')
        ? { code: 0, stream: 'out', text: '200' }
        : { code: 7, stream: 'err', text: 'curl: (7) refused\n' };
    },
  );
  let timer: NodeJS.Timeout;
  beforeAll(async () => {
    await equipMachine(path.join(nodes, 'cp-2'));
    timer = setInterval(() => void server.scan(), 200);
  });
  afterAll(() => {
    clearInterval(timer);
    server.stop();
  });
  const exec = (...args: string[]) => runInChroot(path.join(nodes, 'cp-2'), '/usr/bin/curl', args);

  it("passes the arguments to the agent's curl for that node and prints its answer with its exit code", async () => {
    expect(await exec('-sk', '-w', '%{http_code}', 'https://127.0.0.1:10257/healthz')).toEqual({ code: 0, stdout: '200', stderr: '' });
    expect(await exec('-sk', 'https://127.0.0.1:10259/livez')).toEqual({ code: 7, stdout: '', stderr: 'curl: (7) refused\n' });
    expect(asked).toEqual(['cp-2 -sk -w %{http_code} https://127.0.0.1:10257/healthz', 'cp-2 -sk https://127.0.0.1:10259/livez']);
  });
});
