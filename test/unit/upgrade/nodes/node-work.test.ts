import { mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../../../src/cluster/cluster.js';
import { KubeletDownloads } from '../../../../src/commands/upgrade/nodes/kubelet-binary.js';
import { download } from '../../../../src/host/download.js';
import { upgradeNodeWork } from '../../../../src/commands/upgrade/nodes/node-work.js';
import { LocalHost } from '../../../../src/host/local.js';
import { goEncodedKubeletConfiguration } from '../../../../src/kubelet/encoding.js';
import { KUBELET_CONFIG_FILE } from '../../../../src/kube/paths.js';
import { runNodeSideStep } from '../../../../src/roll/nodes.js';
import { emitYaml, parseYaml } from '../../../../src/util/yaml.js';
import type { ProgressEvent } from '../../../../src/workflow/events.js';
import { initConfig } from '../support.js';

/** A cluster at v1.37.1 made by bosun init: its version, its kubeadm-config and kubelet-config, nothing else. */
function clusterAt(version: string): { cluster: Cluster; kubeletText: string } {
  const cfg = initConfig(version);
  // Uploaded as bosun init (and kubeadm) upload it: in Go's encoding.
  const kubeletText = emitYaml(goEncodedKubeletConfiguration(cfg.kubelet));
  const data: Record<string, Record<string, string>> = {
    'kubeadm-config': { ClusterConfiguration: emitYaml(cfg.cluster) },
    'kubelet-config': { kubelet: kubeletText },
  };
  const cluster = {
    raw: async () => ({ status: 200, body: JSON.stringify({ gitVersion: version }) }),
    get: async (ref: ObjectRef) => (ref.kind === 'ConfigMap' && data[ref.name] ? { metadata: { name: ref.name }, data: data[ref.name] } : undefined),
    list: async (): Promise<KubeObject[]> => [],
  };
  return { cluster: cluster as unknown as Cluster, kubeletText };
}

describe("the roll's upgrade-node step", () => {
  it("runs the upgrade node phases through the node's Host: kubelet configuration, kubelet binary; the restart is a step of its own", async () => {
    const machine = mkdtempSync(path.join(os.tmpdir(), 'bosun-machine-'));
    writeFileSync(path.join(machine, 'kubelet-v1.37.1'), 'kubelet');
    const host = new LocalHost(mkdtempSync(path.join(os.tmpdir(), 'bosun-node-')));
    const { cluster, kubeletText } = clusterAt('v1.37.1');
    const events: ProgressEvent[] = [];
    const work = upgradeNodeWork({ timeoutMs: 1000, machine: new LocalHost('/'), downloads: new KubeletDownloads(download), proxyEnv: [], rollId: 'r1' });
    await runNodeSideStep(work, 'upgrade-node', {
      node: { name: 'w-1', via: 'local', host, kubelet: { install: 'binary', from: path.join(machine, 'kubelet-{version}'), link: true } },
      target: 'v1.37.1',
      from: 'v1.36.3',
      cluster,
      path: 'node/w-1/upgrade-node',
      events: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    const written = parseYaml((await host.readFile(KUBELET_CONFIG_FILE))!.toString('utf8')) as Record<string, unknown>;
    expect(written).toEqual({ ...(parseYaml(kubeletText) as object), containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock' });
    expect(readlinkSync(host.resolve('/usr/bin/kubelet'))).toBe(path.join(machine, 'kubelet-v1.37.1'));
    const started = events.filter((e) => e.type === 'started').map((e) => e.path);
    expect(started).toEqual(
      expect.arrayContaining(['node/w-1/upgrade-node/preflight', 'node/w-1/upgrade-node/kubelet-config', 'node/w-1/upgrade-node/kubelet/install']),
    );
    expect(started).not.toContain('node/w-1/upgrade-node/kubelet/restart');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'log', path: 'node/w-1/upgrade-node/kubelet/install', line: expect.stringContaining('/usr/bin/kubelet now links to') }),
    );
    expect(events.filter((e) => e.type === 'failed')).toEqual([]);
  });
});
