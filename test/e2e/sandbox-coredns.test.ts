/**
 * The sandbox's real CoreDNS (built from its Go module) as Deployment kube-system/coredns's pod, on a real sandbox
 * control plane: its kubernetes plugin lists and watches the real API server with the pod's ServiceAccount token,
 * a query to the kube-dns Service's ClusterIP reaches it, and Node's resolver is the client. With kubeadm's default
 * Corefile (as `bosun init` applied it) a Service resolves by name and other names go to the resolv.conf's
 * server; with the Corefile the kube-dns translation writes, a stub domain goes to its server and everything else
 * to the translated upstream. Both pinned CoreDNS releases, and the older one built for upgrade tests, answer the same.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { COREDNS, corefile, COREDNS_VERSIONS } from '../../src/addons/coredns.js';
import { OLDER_COREDNS_VERSION } from '../../src/sandbox/coredns-binaries.js';
import { translateKubeDNS } from '../../src/addons/kube-dns.js';
import { configMap, type ConfigMap } from '../../src/kube/objects.js';
import { BOSUN, runCommand, startSandbox, type Sandbox } from '../support/sandbox.js';
import { answerA, answersA, startCoreDNS, startDnsServer, stopAll, waitForAnswer, type DnsPod } from '../support/dns.js';

const LONG = 600_000;
/** What the upstream nameserver answers: www.acme.local too, so a stub-domain answer cannot come from here. */
const UPSTREAM = { 'www.example.com': '192.0.2.10', 'www.acme.local': '192.0.2.99' };
const STUB = { 'www.acme.local': '192.0.2.20' };
/** The pod's resolv.conf's server when the Corefile names its own upstream: only a wrong answer comes from here. */
const NODE_RESOLVER = { 'www.example.com': '192.0.2.66' };

let sandbox: Sandbox;
let cluster: Cluster;
let upstream: DnsPod | undefined;
let stub: DnsPod | undefined;
let nodeResolver: DnsPod | undefined;
let serviceIP: string;
/** The pinned releases, and the older one `sandbox binaries --version all` builds for upgrades across CoreDNS minors. */
const VERSIONS = [OLDER_COREDNS_VERSION, ...Object.values(COREDNS_VERSIONS)];

const corefileConfigMap = () => cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: COREDNS.namespace, name: COREDNS.name });
const setCorefile = (data: Record<string, string>) => cluster.apply(configMap(COREDNS.namespace, COREDNS.name, data), { force: true });
const resolvConf = (server: DnsPod) => `nameserver ${server.podIP}\n`;
const netnses = async () => (await runCommand(['ip', 'netns', 'list'])).stdout;

/** Runs CoreDNS `version` as the sandbox's coredns pod for the length of `body`. */
async function withCoreDNS(version: string, resolv: DnsPod, body: (ip: string) => Promise<void>): Promise<void> {
  const coredns = await startCoreDNS({ dir: sandbox.dir, resolvConf: resolvConf(resolv), version });
  try {
    expect(coredns.version).toBe(version);
    await body(coredns.ip);
  } finally {
    await coredns.stop();
  }
}

describe('the sandbox CoreDNS', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 0 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    [upstream, stub, nodeResolver] = await Promise.all([UPSTREAM, STUB, NODE_RESOLVER].map((records) => startDnsServer({ dir: sandbox.dir, records })));
    await sandbox.kubectlOk('create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--namespace', 'default');
    serviceIP = (await sandbox.kubectlOk('get', 'service', 'web', '--namespace', 'default', '-o', 'jsonpath={.spec.clusterIP}')).trim();
  }, LONG);

  afterAll(async () => {
    await stopAll([upstream, stub, nodeResolver]);
    if (sandbox) await sandbox.down();
  }, LONG);

  it('runs with the Corefile and ClusterIP bosun init applied: a Service resolves by name, other names go to resolv.conf', { timeout: LONG }, async () => {
    // kubeadm's default Corefile, as src/addons/coredns.ts renders it.
    expect((await corefileConfigMap())?.data.Corefile).toBe(corefile('cluster.local'));
    const dnsIP = (await sandbox.kubectlOk('get', 'service', COREDNS.service, '-n', COREDNS.namespace, '-o', 'jsonpath={.spec.clusterIP}')).trim();
    const answers: Record<string, unknown> = {};
    for (const version of VERSIONS) {
      await withCoreDNS(version, upstream!, async (ip) => {
        expect(ip).toBe(dnsIP);
        answers[version] = await answersA(ip, [
          'web.default.svc.cluster.local',
          'kube-dns.kube-system.svc.cluster.local',
          'www.example.com',
          'none.default.svc.cluster.local',
        ]);
        // A Service created while CoreDNS runs: its kubernetes plugin sees it through its watch.
        const late = `late-${version.replace(/\./g, '-')}`;
        await sandbox.kubectlOk('create', 'service', 'clusterip', late, '--tcp=80', '--namespace', 'default');
        const lateIP = (await sandbox.kubectlOk('get', 'service', late, '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}')).trim();
        await waitForAnswer(ip, `${late}.default.svc.cluster.local`, [lateIP]);
      });
    }
    expect(answers[VERSIONS[0]]).toEqual({
      'web.default.svc.cluster.local': [serviceIP],
      'kube-dns.kube-system.svc.cluster.local': [dnsIP],
      'www.example.com': [UPSTREAM['www.example.com']],
      'none.default.svc.cluster.local': 'ENOTFOUND',
    });
    for (const version of VERSIONS) expect(answers[version], version).toEqual(answers[VERSIONS[0]]);
  });

  it("runs the kube-dns translation's Corefile: the stub domain goes to its server, the rest to the translated upstream", { timeout: LONG }, async () => {
    const translated = translateKubeDNS(
      { stubDomains: JSON.stringify({ 'acme.local': [stub!.podIP] }), upstreamNameservers: JSON.stringify([upstream!.podIP]) },
      { dnsDomain: 'cluster.local' },
    );
    await setCorefile({ Corefile: translated.corefile });
    const names = ['www.acme.local', 'www.example.com', 'web.default.svc.cluster.local'];
    const expected = {
      'www.acme.local': [STUB['www.acme.local']],
      'www.example.com': [UPSTREAM['www.example.com']],
      'web.default.svc.cluster.local': [serviceIP],
    };
    for (const version of VERSIONS) {
      await withCoreDNS(version, nodeResolver!, async (ip) => expect(await answersA(ip, names)).toEqual(expected));
    }
  });

  it('reads the ConfigMap key its config volume maps to the Corefile (Corefile-backup during a roll)', { timeout: LONG }, async () => {
    await setCorefile({ Corefile: 'not read\n', 'Corefile-backup': corefile('cluster.local') });
    const key = '[{"op":"replace","path":"/spec/template/spec/volumes/0/configMap/items/0/key","value":"Corefile-backup"}]';
    await sandbox.kubectlOk('patch', 'deployment', COREDNS.name, '-n', COREDNS.namespace, '--type=json', '-p', key);
    // No version asked: the release the Deployment's image names.
    const coredns = await startCoreDNS({ dir: sandbox.dir, resolvConf: resolvConf(upstream!) });
    try {
      expect([coredns.version, coredns.corefileKey]).toEqual([COREDNS_VERSIONS[37], 'Corefile-backup']);
      expect(await answerA(coredns.ip, 'www.acme.local')).toEqual([UPSTREAM['www.acme.local']]);
    } finally {
      await coredns.stop();
    }
  });

  it('runs as "bosun sandbox dns" until stopped', { timeout: LONG }, async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-dns-'));
    writeFileSync(path.join(scratch, 'resolv.conf'), resolvConf(upstream!));
    const child = spawn(process.execPath, [BOSUN, 'sandbox', 'dns', '--dir', sandbox.dir, '--resolv-conf', path.join(scratch, 'resolv.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let output = '';
    child.stderr.on('data', (c) => (output += c));
    const started = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        output += c;
        if (output.includes('Ctrl-C stops it')) resolve(output);
      });
      void exited.then(() => reject(new Error(`bosun sandbox dns exited: ${output}`)));
    });
    try {
      const ip = /answers on (\S+) /.exec(started)![1];
      expect(await answerA(ip, 'www.example.com')).toEqual([UPSTREAM['www.example.com']]);
    } finally {
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('leaves no DNS pod namespace behind once its pods stopped', { timeout: LONG }, async () => {
    await stopAll([upstream, stub, nodeResolver]);
    [upstream, stub, nodeResolver] = [undefined, undefined, undefined];
    expect(await netnses()).not.toMatch(/-dns\d+/);
  });
});
