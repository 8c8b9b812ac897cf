/**
 * `bosun addon` end to end on a sandbox control plane (real kube-apiserver, controller-manager and scheduler; the
 * node simulated by kwok, so a DaemonSet's Pods become ready): the sandbox's `bosun init` recorded CoreDNS and
 * kube-proxy; a dry run changes nothing; a second install changes nothing; remove and install round-trip
 * through the record; unknown names and bad flags are refused before anything changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../src/addons/record.js';
import { ADDON_RECORD, readAddonRecords } from '../../src/addons/record.js';
import type { Cluster, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { AddonList } from '../../src/commands/addon/list.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { emitYaml, parseYaml, parseYamlDocuments } from '../../src/util/yaml.js';
import { bosun, startSandbox, type Sandbox } from '../support/sandbox.js';

const LONG = 600_000;

let sandbox: Sandbox;
let cluster: Cluster;

const addon = (...args: string[]) => bosun('addon', ...args, '--kubeconfig', sandbox.kubeconfig);

async function record(name: string): Promise<AddonRecord | undefined> {
  return (await readAddonRecords(cluster)).get(name);
}

/**
 * What a write would change, per object: a workload's generation (its controller keeps rewriting its status, which
 * moves the resourceVersion without anybody applying anything), else the resourceVersion.
 */
async function versions(refs: ObjectRef[]): Promise<Record<string, string>> {
  const all = [...refs, ADDON_RECORD];
  const objects = await Promise.all(all.map((ref) => cluster.get(ref)));
  const version = (obj: (typeof objects)[number]) => String(obj?.metadata.generation ?? obj?.metadata.resourceVersion ?? '-');
  return Object.fromEntries(all.map((ref, i) => [`${ref.kind} ${ref.namespace ?? ''}/${ref.name}`, version(objects[i])]));
}

describe('bosun addon', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 0 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
  }, LONG);

  afterAll(async () => {
    if (sandbox) await sandbox.down();
  });

  it(
    'lists every addon with what the cluster runs, and the essential ones as bosun init recorded them',
    async () => {
      const r = await addon('list', '-o', 'json');
      expect(r.code, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout) as AddonList;
      const byName = Object.fromEntries(list.items.map((i) => [i.name, i]));
      expect(Object.keys(byName)).toEqual(['coredns', 'kube-proxy', 'flannel', 'calico', 'kube-proxy-windows', 'nodelocaldns']);
      expect(byName['kube-proxy']).toMatchObject({ installedVersion: list.kubernetesVersion, managed: true, defaultVersion: list.kubernetesVersion });
      expect(byName.coredns).toMatchObject({ managed: true, installedVersion: expect.stringMatching(/^v1\.\d+\.\d+$/) });
      expect(byName.flannel).toMatchObject({ managed: false });
      expect(byName.flannel.installedVersion).toBeUndefined();
      const text = await addon('list');
      expect(text.stdout).toMatch(/^NAME +INSTALLED +MANAGED BY BOSUN +DEFAULT/);
    },
    LONG,
  );

  it(
    'install --dry-run prints the plan and changes nothing; a second install changes nothing',
    async () => {
      const refs = (await record('kube-proxy'))!.objects;
      expect(refs.map((r) => `${r.kind} ${r.name}`)).toContain('DaemonSet kube-proxy');
      const before = await versions(refs);
      const dry = await addon('install', 'kube-proxy', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/^Addon kube-proxy v1\.\d+\.\d+: 7 action\(s\)$/m);
      expect(dry.stdout).toContain('  2. apply DaemonSet kube-system/kube-proxy');
      expect(dry.stdout).toContain('  7. wait-rollout DaemonSet kube-system/kube-proxy (up to 300s)');
      expect(await versions(refs)).toEqual(before);

      const first = await addon('install', 'kube-proxy');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('[addons] kube-proxy: DaemonSet kube-system/kube-proxy rolled out');
      const settled = await versions(refs);
      const second = await addon('install', 'kube-proxy');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('[addons] kube-proxy: done (record unchanged)');
      expect(await versions(refs)).toEqual(settled);
    },
    LONG,
  );

  it(
    'install --dry-run -o yaml prints only the objects the plan applies, the ones the record lists; a run ends with its API requests',
    async () => {
      const refs = (await record('kube-proxy'))!.objects;
      const dry = await addon('install', 'kube-proxy', '--dry-run', '-o', 'yaml');
      expect(dry.code, dry.stderr).toBe(0);
      const objects = parseYamlDocuments(dry.stdout) as Array<{ apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }>;
      const refsOf = objects.map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        ...(o.metadata.namespace && { namespace: o.metadata.namespace }),
        name: o.metadata.name,
      }));
      expect(refsOf).toEqual(refs);
      const refused = await addon('install', 'kube-proxy', '-o', 'yaml');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('-o/--output yaml: only with --dry-run');
      const again = await addon('install', 'kube-proxy');
      expect(again.stdout).toMatch(/^\[addons\] \d+ API request\(s\) by this process$/m);
    },
    LONG,
  );

  it(
    'remove deletes what the record lists and drops its key; upgrade is then refused; install brings it back',
    async () => {
      const refs = (await record('kube-proxy'))!.objects;
      const dry = await addon('remove', 'kube-proxy', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('delete DaemonSet kube-system/kube-proxy (bosun addon remove kube-proxy)');
      expect(await cluster.get(refs[0])).toBeDefined();

      const removed = await addon('remove', 'kube-proxy', '--yes');
      expect(removed.code, removed.stderr).toBe(0);
      for (const ref of refs) expect(await cluster.get(ref), `${ref.kind} ${ref.name}`).toBeUndefined();
      expect(await record('kube-proxy')).toBeUndefined();
      expect(await record('coredns')).toBeDefined();

      const again = await addon('remove', 'kube-proxy', '--yes');
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('addon kube-proxy was not installed by bosun');
      const upgrade = await addon('upgrade', 'kube-proxy');
      expect(upgrade.code).toBe(3);
      expect(upgrade.stderr).toContain('addon kube-proxy is not installed');

      const installed = await addon('install', 'kube-proxy');
      expect(installed.code, installed.stderr).toBe(0);
      for (const ref of refs) expect(await cluster.get(ref), `${ref.kind} ${ref.name}`).toBeDefined();
      expect((await record('kube-proxy'))?.objects).toEqual(refs);
    },
    LONG,
  );

  it(
    'refuses unknown addons and bad flags, naming them, before anything changes',
    async () => {
      const refs = (await record('kube-proxy'))!.objects;
      const before = await versions(refs);
      const unknown = await addon('install', 'weave');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('unknown addon "weave"; expected one of coredns, kube-proxy, flannel, calico, kube-proxy-windows, nodelocaldns');
      const flag = await addon('install', 'kube-proxy', '--mode', 'ipvs');
      expect(flag.code).toBe(1);
      expect(flag.stderr).toContain('--mode "ipvs": addon kube-proxy takes no such setting (only calico does)');
      const version = await addon('install', 'kube-proxy', '--version', 'v1.2.3');
      expect(version.code).toBe(1);
      expect(version.stderr).toContain('--version "v1.2.3": "v1.2.3" is not a version bosun has for kube-proxy');
      expect(await versions(refs)).toEqual(before);
    },
    LONG,
  );

  it(
    'bosun apply installs the cluster file’s addons once the nodes match it: an addon already there changes nothing',
    async () => {
      const refs = (await record('kube-proxy'))!.objects;
      const before = await versions(refs);
      const paths = sandboxPaths(sandbox.dir);
      const doc = parseYaml(readFileSync(paths.cluster, 'utf8')) as { spec: Record<string, unknown> };
      doc.spec.addons = [{ name: 'kube-proxy' }];
      const file = path.join(sandbox.dir, 'cluster-with-addons.yaml');
      writeFileSync(file, emitYaml(doc));
      const apply = (...args: string[]) => bosun('apply', '-f', file, '--known-hosts', paths.knownHosts, ...args);

      const dry = await apply('--dry-run');
      expect(dry.code, `${dry.stdout}\n${dry.stderr}`).toBe(0);
      expect(dry.stdout).toContain('[dryrun] The addons, run on a door that records: nothing is changed');
      const applied = await apply('--yes');
      expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
      expect(applied.stdout).toContain('nothing to do');
      expect(applied.stdout).toContain('[apply] Installing the addons of the cluster file: kube-proxy');
      expect(applied.stdout).toContain('[addons] kube-proxy: done (record unchanged)');
      expect(await versions(refs)).toEqual(before);
    },
    LONG,
  );
});
