/**
 * DNS answers survive bosun's CoreDNS changes, asked of real servers through the CLI (bin/bosun.js) on a sandbox
 * control plane (real kube-apiserver, controller-manager and scheduler; a kwok worker runs the pods, so a
 * Deployment rolls out) with the real CoreDNS run as the coredns pod (src/sandbox/coredns.ts):
 * - kube-dns → CoreDNS: a cluster as kubeadm v1.20 left one on kube-dns, with a stub domain, an upstream and a
 *   federation, answers a stub-domain name, an outside name and a Service name the same after
 *   `bosun addon install coredns` as before it, at the same Service IP; and again after `remove` and `install`;
 * - a CoreDNS upgrade (v1.11.3 → v1.14.2) with a customised Corefile: the same answers from both releases, the
 *   operator's Corefile and replicas kept.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Deployment, Service } from '../../src/addons/workloads.js';
import type { ConfigMap } from '../../src/kube/objects.js';
import { answersA, startCoreDNS, startDnsServer, stopAll, type Answer, type DnsPod } from '../support/dns.js';
import { installKubeDNS } from '../support/kube-dns.js';
import { bosun, runCommand, startSandbox, type Sandbox } from '../support/sandbox.js';

const LONG = 600_000;
/** The stub domain's server. */
const STUB = { 'www.acme.local': '192.0.2.20' };
/** The upstream nameserver: www.acme.local too, so a stub-domain answer cannot come from here. */
const UPSTREAM = { 'www.example.com': '192.0.2.10', 'www.acme.local': '192.0.2.99' };
/** The pod's resolv.conf's server: where the default Corefile forwards; with kube-dns's settings, only a wrong answer comes from here. */
const NODE_RESOLVER = { 'www.example.com': '192.0.2.66', 'www.acme.local': '192.0.2.67' };
const SERVICE_NAME = 'web.default.svc.cluster.local';
const NAMES = ['www.acme.local', 'www.example.com', SERVICE_NAME];

let sandbox: Sandbox;
let cluster: Cluster;
let stub: DnsPod | undefined;
let upstream: DnsPod | undefined;
let nodeResolver: DnsPod | undefined;
let webIP: string;

const addon = (...args: string[]) => bosun('addon', ...args, '--kubeconfig', sandbox.kubeconfig);
const ref = (kind: string, name: string, apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, namespace: 'kube-system', name });
const COREDNS_DEPLOYMENT = ref('Deployment', 'coredns', 'apps/v1');
const KUBE_DNS_DEPLOYMENT = ref('Deployment', 'kube-dns', 'apps/v1');
const serviceIP = async () => (await cluster.get<Service>(ref('Service', 'kube-dns')))?.spec.clusterIP;
const corefileData = async () => (await cluster.get<ConfigMap>(ref('ConfigMap', 'coredns')))?.data;

/** Runs the real CoreDNS as the coredns pod (the release its Deployment's image names) and asks `names` at its Service IP. */
async function coreDNSAnswers(names: string[] = NAMES): Promise<{ version: string; ip: string; answers: Record<string, Answer> }> {
  const coredns = await startCoreDNS({ dir: sandbox.dir, resolvConf: `nameserver ${nodeResolver!.podIP}\n` });
  try {
    return { version: coredns.version, ip: coredns.ip, answers: await answersA(coredns.ip, names) };
  } finally {
    await coredns.stop();
  }
}

/** Deployment coredns rolled out with its pods available (kwok's worker runs them). */
async function rolledOut(): Promise<Deployment> {
  type Live = Deployment & { status?: { availableReplicas?: number; updatedReplicas?: number }; metadata: { generation?: number } };
  const done = (d: Live | undefined) =>
    d !== undefined && (d.status?.availableReplicas ?? 0) === d.spec.replicas && (d.status?.updatedReplicas ?? 0) === d.spec.replicas;
  return (await cluster.watchUntil<Live>(COREDNS_DEPLOYMENT, done, 300_000))!;
}

describe('DNS answers across bosun addon install, remove and upgrade of CoreDNS', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 1 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    [stub, upstream, nodeResolver] = await Promise.all([STUB, UPSTREAM, NODE_RESOLVER].map((records) => startDnsServer({ dir: sandbox.dir, records })));
    await sandbox.kubectlOk('create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--namespace', 'default');
    webIP = (await sandbox.kubectlOk('get', 'service', 'web', '--namespace', 'default', '-o', 'jsonpath={.spec.clusterIP}')).trim();
  }, LONG);

  afterAll(async () => {
    await stopAll([stub, upstream, nodeResolver]);
    if (sandbox) await sandbox.down();
  }, LONG);

  it(
    'swaps kube-dns for CoreDNS with the same answers at the same Service IP, and round-trips through remove and install',
    async () => {
      const kubeDNSData = {
        stubDomains: JSON.stringify({ 'acme.local': [stub!.podIP] }),
        upstreamNameservers: JSON.stringify([upstream!.podIP]),
        federations: '{"myfed": "fed.example.com"}',
      };
      const dnsIP = await installKubeDNS(sandbox, cluster, kubeDNSData);

      // The answers before the swap. kube-dns itself cannot run here (k8s.io/dns, its source, is not on the Go module
      // proxy), so "before" is what its configuration prescribes, asked of the real servers it names: kube-dns's
      // dnsmasq sends a stub domain's names to the stub domain's servers and every other outside name to
      // upstreamNameservers, and kube-dns answers a Service's name with the ClusterIP the API server gives it.
      const before: Record<string, Answer> = {
        ...(await answersA(stub!.podIP, ['www.acme.local'])),
        ...(await answersA(upstream!.podIP, ['www.example.com'])),
        [SERVICE_NAME]: [webIP],
      };
      expect(before).toEqual({ 'www.acme.local': [STUB['www.acme.local']], 'www.example.com': [UPSTREAM['www.example.com']], [SERVICE_NAME]: [webIP] });

      const dry = await addon('install', 'coredns', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`acme.local:53 {\n`);
      expect(dry.stdout).toContain(`forward . ${stub!.podIP} {`);
      expect(dry.stdout).toContain(`forward . ${upstream!.podIP} {`);
      expect(await corefileData()).toBeUndefined();
      expect(await cluster.get(KUBE_DNS_DEPLOYMENT)).toBeDefined();

      const swap = await addon('install', 'coredns');
      expect(swap.code, `${swap.stdout}\n${swap.stderr}`).toBe(0);
      expect(swap.stdout).toMatch(
        /^ {2}warning: the Corefile translated from kube-dns loses a plugin CoreDNS v1\.14\.\d+ does not have: Plugin "federation" is removed in 1\.7\.0\.$/m,
      );
      const coreDNS = await rolledOut();
      expect(coreDNS.spec.replicas).toBeGreaterThan(0);
      expect(await serviceIP()).toBe(dnsIP);
      expect(await cluster.get(KUBE_DNS_DEPLOYMENT)).toBeUndefined();
      expect((await cluster.get<ConfigMap>(ref('ConfigMap', 'kube-dns')))?.data).toEqual(kubeDNSData);
      expect((await corefileData())?.Corefile).not.toContain('federation');

      const swapped = await coreDNSAnswers();
      expect(swapped.ip).toBe(dnsIP);
      expect(swapped.answers).toEqual(before);

      const removed = await addon('remove', 'coredns', '--yes');
      expect(removed.code, `${removed.stdout}\n${removed.stderr}`).toBe(0);
      expect(await cluster.get(COREDNS_DEPLOYMENT)).toBeUndefined();
      expect((await cluster.get<ConfigMap>(ref('ConfigMap', 'kube-dns')))?.data).toEqual(kubeDNSData);
      const installed = await addon('install', 'coredns');
      expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);
      await rolledOut();
      // The remove deleted Service kube-dns (bosun applied it in the swap): it comes back at the address the cluster's
      // configuration gives it (the 10th of the service subnet, the kubelets' clusterDNS), not kube-dns's old one.
      const again = await coreDNSAnswers();
      expect(again.ip).toBe(dnsIP.replace(/\.\d+$/, '.10'));
      expect(again.answers).toEqual(before);
    },
    LONG,
  );

  it(
    'upgrades CoreDNS v1.11.3 with a customised Corefile to v1.14.2: same answers from both releases, Corefile and replicas kept',
    async () => {
      // An operator's Corefile: a hosts block, a stub zone, their upstream.
      const custom = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    hosts {
        10.0.0.1 registry.internal
        fallthrough
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    forward . ${upstream!.podIP} {
        max_concurrent 1000
    }
    cache 30
    loop
    reload
}

acme.local:53 {
    errors
    cache 30
    forward . ${stub!.podIP}
}
`;
      await sandbox.kubectlOk('-n', 'kube-system', 'set', 'image', 'deployment/coredns', 'coredns=registry.k8s.io/coredns/coredns:v1.11.3');
      await sandbox.kubectlOk('-n', 'kube-system', 'scale', 'deployment/coredns', '--replicas=3');
      await cluster.patch(ref('ConfigMap', 'coredns'), { data: { Corefile: custom } });
      await rolledOut();
      const names = [...NAMES, 'registry.internal'];
      const old = await coreDNSAnswers(names);
      expect(old.version).toBe('v1.11.3');
      expect(old.answers).toEqual({
        'www.acme.local': [STUB['www.acme.local']],
        'www.example.com': [UPSTREAM['www.example.com']],
        [SERVICE_NAME]: [webIP],
        'registry.internal': ['10.0.0.1'],
      });

      const upgrade = await addon('upgrade', 'coredns', '--version', 'v1.14.2');
      expect(upgrade.code, `${upgrade.stdout}\n${upgrade.stderr}`).toBe(0);
      // No plugin or option of this Corefile changed between 1.11 and 1.14: the migration keeps the text as it is
      // (no Corefile-backup, no roll onto it).
      expect(upgrade.stdout).toContain('Corefile of ConfigMap kube-system/coredns (CoreDNS v1.11.3 → v1.14.2): kept (nothing to migrate)');
      expect(await corefileData()).toEqual({ Corefile: custom });
      const deployment = await rolledOut();
      expect(deployment.spec.replicas).toBe(3);
      expect(deployment.spec.template.spec.containers[0].image).toBe('registry.k8s.io/coredns/coredns:v1.14.2');
      const next = await coreDNSAnswers(names);
      expect([next.version, next.ip, next.answers]).toEqual(['v1.14.2', old.ip, old.answers]);
    },
    LONG,
  );

  it(
    'leaves no DNS pod namespace behind once its pods stopped',
    async () => {
      await stopAll([stub, upstream, nodeResolver]);
      [stub, upstream, nodeResolver] = [undefined, undefined, undefined];
      expect((await runCommand(['ip', 'netns', 'list'])).stdout).not.toMatch(/-dns\d+/);
    },
    LONG,
  );
});
