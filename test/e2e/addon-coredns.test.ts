/**
 * The CoreDNS addon's plan carried out against a real sandbox control plane (kube-apiserver, controller-manager,
 * scheduler; kwok runs the pods):
 * - a cluster as kubeadm v1.20 left one on kube-dns (the upstream kube-dns objects, template filled, with stub
 *   domains, upstreams and a federation in ConfigMap kube-dns) is swapped to CoreDNS: Service kube-dns keeps its
 *   ClusterIP, Deployment kube-dns goes, ConfigMap kube-dns stays, the Corefile is the translation; a second run
 *   changes nothing;
 * - CoreDNS at an older version with a customised Corefile, scaled and given resources by the operator, is
 *   upgraded: the Corefile is migrated, the old text kept as Corefile-backup, replicas and resources kept.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { AddonPlan } from '../../src/addons/addon.js';
import { coreDNSAddonDefinition } from '../../src/addons/coredns-addon/index.js';
import { rolloutState, runPlan } from '../../src/addons/run-plan.js';
import { DirManifestSource } from '../../src/host/manifest-source.js';
import type { Deployment, Service } from '../../src/addons/workloads.js';
import { readClusterState } from '../../src/commands/upgrade/cluster-state.js';
import { storedClusterConfiguration } from '../../src/config/stored.js';
import { defaultInitConfig } from '../../src/config/defaults.js';
import type { InitConfig } from '../../src/config/types.js';
import type { ConfigMap } from '../../src/kube/objects.js';
import { installKubeDNS } from '../support/kube-dns.js';
import { CUSTOM_1_6, SWAPPED_COREFILE } from '../support/corefiles.js';
import { startSandbox, type Sandbox } from '../support/sandbox.js';

const LONG = 600_000;
const KUBE_DNS_DATA = {
  stubDomains: '{"acme.local": ["10.150.0.1"], "corp.example": ["10.150.0.2:5353"]}',
  upstreamNameservers: '["8.8.8.8", "8.8.4.4"]',
  federations: '{"myfed": "fed.example.com"}',
};

let sandbox: Sandbox;
let cluster: Cluster;
let config: InitConfig;
const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
const ref = (kind: string, name: string, apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, namespace: 'kube-system', name });
const DEPLOYMENT = ref('Deployment', 'coredns', 'apps/v1');

const manifests = new DirManifestSource();
const planCoreDNS = () => coreDNSAddonDefinition.plan({ config, cluster, settings: {}, windowsNodes: false, manifests });

/** Plans CoreDNS for the sandbox as it is now and carries the plan out. */
async function runCoreDNSPlan(): Promise<AddonPlan> {
  const plan = await planCoreDNS();
  await runPlan(plan, { cluster, io: { log: () => undefined }, now: new Date() });
  return plan;
}

/**
 * What bosun's applies change in the objects a plan applies: each one's generation (its spec) and bosun's
 * managedFields entry (a no-op server-side apply leaves both; the controllers' status updates touch neither).
 */
async function applied(plan: AddonPlan): Promise<unknown[]> {
  const objects = plan.actions.flatMap((a) => (a.action === 'apply' ? [a.object] : []));
  return Promise.all(
    objects.map(async (o) => {
      const live = await cluster.get({ ...o, name: o.metadata.name, namespace: o.metadata.namespace });
      const managed = (live?.metadata.managedFields as Array<{ manager: string }> | undefined)?.filter((m) => m.manager === 'bosun');
      return { object: `${o.kind} ${o.metadata.name}`, generation: live?.metadata.generation, managed };
    }),
  );
}

/** Plans and runs CoreDNS again, once the last roll is done: bosun changes none of the objects it applies. */
async function secondRunChangesNothing(): Promise<AddonPlan> {
  await cluster.watchUntil<Deployment>(DEPLOYMENT, (d) => rolloutState(d) === true, 300_000);
  const again = await planCoreDNS();
  const before = await applied(again);
  // Not vacuous: bosun owns fields of its ConfigMap, Deployment and Service (an SSA of a bare ServiceAccount owns none).
  const owning = (before as Array<{ object: string; managed?: unknown[] }>).filter((o) => o.managed?.length).map((o) => o.object);
  expect(owning).toEqual(expect.arrayContaining(['ConfigMap coredns', 'Deployment coredns', 'Service kube-dns']));
  await runPlan(again, { cluster, io: { log: () => undefined }, now: new Date() });
  expect(await applied(again)).toEqual(before);
  return again;
}

describe('CoreDNS addon on a real control plane', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 1 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    config = { ...defaultInitConfig(), cluster: storedClusterConfiguration((await readClusterState(cluster)).configTexts) };
  }, LONG);

  afterAll(async () => {
    if (sandbox) await sandbox.down();
  });

  it(
    'swaps kube-dns for CoreDNS: Service IP kept, Deployment kube-dns gone, its ConfigMap kept; a second run changes nothing',
    async () => {
      const dnsIP = await installKubeDNS(sandbox, cluster, KUBE_DNS_DATA);

      const plan = await runCoreDNSPlan();
      expect(plan.actions.map((a) => a.action)).toEqual(['apply', 'apply', 'apply', 'apply', 'apply', 'apply', 'wait-rollout', 'delete']);
      expect(plan.warnings).toContain(
        `the Corefile translated from kube-dns loses a plugin CoreDNS ${plan.version} does not have: Plugin "federation" is removed in 1.7.0.`,
      );

      expect((await cluster.get<Service>(ref('Service', 'kube-dns')))?.spec.clusterIP).toBe(dnsIP);
      await cluster.watchUntil(ref('Deployment', 'kube-dns', 'apps/v1'), (d) => d === undefined, 120_000);
      expect((await cluster.get<ConfigMap>(ref('ConfigMap', 'kube-dns')))?.data).toEqual(KUBE_DNS_DATA);
      expect((await cluster.get<ConfigMap>(ref('ConfigMap', 'coredns')))?.data).toEqual({ Corefile: SWAPPED_COREFILE });
      const coreDNS = await cluster.get<Deployment & { status?: { availableReplicas?: number } }>(DEPLOYMENT);
      expect(coreDNS?.status?.availableReplicas).toBeGreaterThan(0);

      const again = await secondRunChangesNothing();
      expect(again.actions.map((a) => a.action)).not.toContain('delete');
    },
    LONG,
  );

  it(
    'upgrades CoreDNS from an older version keeping a customised Corefile (migrated, the old text in Corefile-backup), replicas and resources',
    async () => {
      const older = 'registry.k8s.io/coredns/coredns:v1.6.9';
      await kubectl('-n', 'kube-system', 'set', 'image', 'deployment/coredns', `coredns=${older}`);
      await kubectl('-n', 'kube-system', 'scale', 'deployment/coredns', '--replicas=3');
      await kubectl('-n', 'kube-system', 'set', 'resources', 'deployment/coredns', '-c', 'coredns', '--limits=memory=300Mi', '--requests=cpu=150m,memory=90Mi');
      await cluster.patch(ref('ConfigMap', 'coredns'), { data: { Corefile: CUSTOM_1_6 } });

      const plan = await runCoreDNSPlan();
      expect(plan.notes[0]).toMatch(/^Corefile of ConfigMap kube-system\/coredns \(CoreDNS v1\.6\.9 → v1\.14\.\d+\): migrated$/);
      const data = (await cluster.get<ConfigMap>(ref('ConfigMap', 'coredns')))?.data;
      expect(data?.['Corefile-backup']).toBe(CUSTOM_1_6);
      expect(data?.Corefile).toContain('    hosts {\n        10.0.0.1 registry.internal\n        fallthrough\n    }\n');
      expect(data?.Corefile).toContain('    forward . 10.0.0.53 {\n        max_concurrent 1000\n    }\n');

      const deployment = (await cluster.get<Deployment>(DEPLOYMENT))!;
      const [container] = deployment.spec.template.spec.containers;
      expect(container.image).toBe(`registry.k8s.io/coredns/coredns:${plan.version}`);
      expect(container.resources).toEqual({ limits: { memory: '300Mi' }, requests: { cpu: '150m', memory: '90Mi' } });
      expect(deployment.spec.replicas).toBe(3);
      expect(deployment.spec.template.spec.volumes?.[0]).toMatchObject({ configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } });

      expect((await secondRunChangesNothing()).notes[0]).toMatch(/: kept$/);
    },
    LONG,
  );
});
