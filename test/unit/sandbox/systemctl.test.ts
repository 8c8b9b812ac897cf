import { runInChroot } from './chroot-run.js';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../../../src/kube/workloads.js';
import { nodeWrite } from '../../../src/sandbox/kubelet-node.js';
import { equipMachine } from '../../../src/sandbox/machine.js';
import { systemctl, SystemctlServer, type NodeServices, type UnitState } from '../../../src/sandbox/systemctl.js';

/** A kubelet service that only records what it was asked. */
function fakeServices() {
  const calls: string[] = [];
  let state: UnitState = 'active';
  const services: NodeServices = {
    start: async (node) => void calls.push(`start ${node}`),
    stop: async (node) => void calls.push(`stop ${node}`),
    restart: async (node) => void calls.push(`restart ${node}`),
    state: () => ({ state, detail: state === 'active' ? 'running v1.37.1' : 'dead' }),
  };
  return { calls, services, set: (s: UnitState) => (state = s) };
}

describe('systemctl on a sandbox node', () => {
  it('answers as systemd does: is-active, start/stop/restart of the kubelet, unknown units and verbs', async () => {
    const { calls, services, set } = fakeServices();
    expect(await systemctl('w1', ['is-active', 'kubelet'], services)).toEqual({ code: 0, stream: 'out', text: 'active\n' });
    expect(await systemctl('w1', ['restart', 'kubelet.service'], services)).toEqual({ code: 0, stream: 'out', text: '' });
    expect(await systemctl('w1', ['stop', 'kubelet'], services)).toMatchObject({ code: 0 });
    set('inactive');
    expect(await systemctl('w1', ['is-active', '--quiet', 'kubelet'], services)).toEqual({ code: 3, stream: 'out', text: '' });
    expect(await systemctl('w1', ['is-active', 'systemd-resolved'], services)).toEqual({ code: 3, stream: 'out', text: 'inactive\n' });
    expect(await systemctl('w1', ['try-restart', 'kubelet'], services)).toMatchObject({ code: 0 });
    expect(await systemctl('w1', ['start', 'containerd'], services)).toEqual({
      code: 5,
      stream: 'err',
      text: 'Failed to start containerd.service: Unit containerd.service not found.\n',
    });
    expect(await systemctl('w1', ['frobnicate', 'kubelet'], services)).toMatchObject({ code: 1, stream: 'err' });
    expect(await systemctl('w1', ['daemon-reload'], services)).toMatchObject({ code: 0 });
    expect(calls).toEqual(['restart w1', 'stop w1']);
  });

  // chroot and a root-owned rootfs need root, as the sandbox does.
  describe.skipIf(process.getuid?.() !== 0)('the script in a chroot, with busybox, talking to the agent through files', () => {
    const nodes = mkdtempSync(path.join(os.tmpdir(), 'bosun-nodes-'));
    const fake = fakeServices();
    const server = new SystemctlServer(nodes, fake.services, () => undefined);
    let timer: NodeJS.Timeout;
    beforeAll(async () => {
      await equipMachine(path.join(nodes, 'worker-1'));
      timer = setInterval(() => void server.scan(), 200);
    });
    afterAll(() => {
      clearInterval(timer);
      server.stop();
    });
    /** The node's systemctl, run as a session on the node runs it: chrooted into its rootfs. */
    const exec = (...args: string[]) => runInChroot(path.join(nodes, 'worker-1'), '/usr/bin/systemctl', args);

    it('prints the answer and exits with its code', async () => {
      expect(await exec('is-active', 'kubelet')).toEqual({ code: 0, stdout: 'active\n', stderr: '' });
      expect(await exec('restart', 'kubelet')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await exec('restart', 'containerd')).toEqual({
        code: 5,
        stdout: '',
        stderr: 'Failed to restart containerd.service: Unit containerd.service not found.\n',
      });
      expect(fake.calls).toEqual(['restart worker-1']);
    });
  });
});

describe("what a Node says about its node's kubelet", () => {
  const node = (kubeletVersion: string, annotation: string, ready: string): Node =>
    ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'w1', annotations: { 'kwok.x-k8s.io/node': annotation } },
      status: {
        nodeInfo: { kubeletVersion, containerRuntimeVersion: 'containerd://2.1.4' },
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: ready },
        ],
      },
    }) as Node;
  const started = { version: 'v1.37.1', binary: '/x:1:2', endpoint: 'unix:///run/containerd/containerd.sock', runtime: 'containerd://2.1.4' };

  it('reports the started kubelet: its version, then kwok keeps it Ready', () => {
    expect(nodeWrite(node('v1.37.1', 'fake', 'True'), started, false)).toBeUndefined();
    expect(nodeWrite(node('v1.36.3', 'fake', 'True'), started, false)).toMatchObject({ status: { status: { nodeInfo: { kubeletVersion: 'v1.37.1' } } } });
    const again = nodeWrite(node('v1.37.1', 'kubelet-stopped', 'Unknown'), started, false);
    expect(again).toMatchObject({ annotation: 'fake', status: undefined });
    expect(again?.annotateFirst).toBeFalsy();
  });

  it("makes a stopped kubelet's Node NotReady once kwok has let go of it", () => {
    const write = nodeWrite(node('v1.37.1', 'fake', 'True'), undefined, true)!;
    expect(write).toMatchObject({ annotation: 'kubelet-stopped', annotateFirst: true });
    const conditions = (write.status as { status: { conditions: Array<{ type: string; status: string }> } }).status.conditions;
    expect(conditions.map((c) => [c.type, c.status])).toEqual([
      ['MemoryPressure', 'False'],
      ['Ready', 'Unknown'],
    ]);
    expect(nodeWrite(node('v1.37.1', 'kubelet-stopped', 'Unknown'), undefined, true)).toBeUndefined();
    expect(nodeWrite(node('v1.37.1', 'kubelet-stopped', 'True'), undefined, true)).toMatchObject({ annotation: undefined });
  });

  it('makes the Node of a kubelet whose runtime is down NotReady with the reason, as the kubelet reports it', () => {
    const write = nodeWrite(node('v1.37.1', 'fake', 'True'), undefined, true, 'dial unix /run/containerd/containerd.sock: no such file')!;
    expect(write).toMatchObject({ annotation: 'kubelet-stopped', annotateFirst: true, what: 'container runtime is down: NotReady' });
    const ready = (write.status as { status: { conditions: Array<{ type: string }> } }).status.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: expect.stringMatching(/^container runtime is down: dial unix/) });
  });

  it('leaves alone a Node no sandbox kubelet reports (no kwok annotation)', () => {
    const plain = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' } } as Node;
    expect(nodeWrite(plain, undefined, true)).toBeUndefined();
  });
});
