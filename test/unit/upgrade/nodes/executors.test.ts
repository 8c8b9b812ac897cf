import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../../src/cluster/cluster.js';
import { LocalHost } from '../../../../src/host/local.js';
import { RecordingHost } from '../../../../src/host/recording.js';
import { executorChooser, LocalExecutor, readInventory, sandboxDirOf } from '../../../../src/roll/executors.js';
import { node } from '../../drain/fixtures.js';

describe('executors', () => {
  it('reads an inventory file and --executor flags, naming the faulty field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-inventory-'));
    const file = path.join(dir, 'inventory.yaml');
    writeFileSync(file, 'nodes:\n  - {name: cp-1, executor: local, kubeletInstall: none}\n  - {name: w-1, executor: sandbox}\n');
    const inv = readInventory(file, ['w-2=local']);
    expect([...inv.values()]).toEqual([
      { name: 'cp-1', executor: 'local', rootfs: undefined, kubeletInstall: 'none' },
      { name: 'w-1', executor: 'sandbox', rootfs: undefined, kubeletInstall: undefined },
      { name: 'w-2', executor: 'local' },
    ]);
    writeFileSync(file, 'nodes:\n  - {name: cp-1, executor: ssh}\n');
    expect(() => readInventory(file, [])).toThrow(`--inventory ${file}: nodes[0].executor: expected "local" or "sandbox", got "ssh"`);
    expect(() => readInventory(undefined, ['w-1'])).toThrow('--executor: expected NODE=local or NODE=sandbox, got "w-1"');
  });

  it('recognises sandbox nodes and the node bosun runs on', () => {
    const { kindOf } = executorChooser(new Map(), undefined);
    expect(kindOf(node('w', { annotations: { 'kwok.x-k8s.io/node': 'fake' } }))).toBe('sandbox');
    expect(kindOf(node(os.hostname()))).toBe('local');
    expect(kindOf(node('elsewhere'))).toEqual({ missing: expect.stringMatching(/^no executor: bosun runs on /) });
  });

  it('finds the sandbox a kubeconfig belongs to', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-dir-'));
    writeFileSync(path.join(dir, 'state.json'), '{}');
    const kubeconfig = path.join(dir, 'nodes/control-plane/etc/kubernetes/admin.conf');
    expect(sandboxDirOf(path.join(os.tmpdir(), 'x/admin.conf'))).toBeUndefined();
    expect(sandboxDirOf(kubeconfig)).toBeUndefined();
    writeFileSync(path.join(dir, 'nodes'), '');
    expect(sandboxDirOf(kubeconfig)).toBe(dir);
  });

  it('restarts the kubelet through the node\'s service manager (local executor)', async () => {
    const host = new RecordingHost(new LocalHost(mkdtempSync(path.join(os.tmpdir(), 'bosun-local-'))));
    await new LocalExecutor(host).run('kubelet-restart', { node: 'n', target: 'v1.37.1', cluster: {} as Cluster, log: () => undefined });
    expect(host.actions).toEqual([expect.objectContaining({ kind: 'service', target: expect.stringContaining('kubelet') })]);
    await expect(new LocalExecutor(host).run('kubelet-stop', { node: 'n', target: 'v1.37.1', cluster: {} as Cluster, log: () => undefined }))
      .rejects.toThrow('the local executor has no "kubelet-stop" step');
  });
});
