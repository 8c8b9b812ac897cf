/**
 * `bosun certs approve-kubelet-serving` against a real API server and controller-manager: a node's CSR for its own
 * addresses is approved and then signed by the controller-manager; CSRs that break a rule stay pending, each with an
 * Event naming the rule, whoever asked (a node, another node's name, a bootstrap token).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, KubeObject } from '../../src/cluster/cluster.js';
import { initPhases } from '../../src/commands/init/phases.js';
import { createLeafCertificate, encodeCertificate, parseCertificate } from '../../src/pki/certificate.js';
import { encodePrivateKey, generateKey, parsePrivateKey } from '../../src/pki/keys.js';
import { x509 } from '../../src/pki/x509.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/versions/pinned.js';
import { runWorkflow } from '../../src/workflow/run.js';
import { clientOf, kubeconfigFor, postCsr, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { BOSUN, bosun } from '../support/sandbox.js';

type San = { type: 'dns' | 'ip' | 'email'; value: string };
interface Csr extends KubeObject {
  status?: { conditions?: Array<{ type: string }>; certificate?: string };
}

const SERVING_USAGES = ['digital signature', 'server auth'];
const NODES = {
  'worker-a': [
    { type: 'Hostname', address: 'worker-a' },
    { type: 'InternalIP', address: '10.251.0.21' },
  ],
  'worker-b': [
    { type: 'Hostname', address: 'worker-b' },
    { type: 'InternalIP', address: '10.251.0.22' },
  ],
};
const TRUE_SANS_A: San[] = [
  { type: 'dns', value: 'worker-a' },
  { type: 'ip', value: '10.251.0.21' },
];
const TRUE_SANS_B: San[] = [
  { type: 'dns', value: 'worker-b' },
  { type: 'ip', value: '10.251.0.22' },
];

describe('the kubelet serving-certificate approver on a real control plane', () => {
  let cp: ControlPlane;
  let kubeconfig: string;
  let asNode: Record<string, Cluster>;
  let asBootstrapToken: Cluster;

  /** A kubeconfig user with a client certificate of the cluster CA (CN = user name, O = groups). */
  async function certificateUser(commonName: string, organization: string[] = []): Promise<string> {
    const pki = (file: string) => cp.host.readFile(`/etc/kubernetes/pki/${file}`).then((b) => b!);
    const signer = { cert: parseCertificate(await pki('ca.crt'))!, key: parsePrivateKey(await pki('ca.key'))! };
    const key = await generateKey('ECDSA-P256');
    const cert = await createLeafCertificate({ subject: { commonName, organization }, usages: ['client'] }, key, signer, {
      now: new Date(),
      lifetimeMs: 3_600_000,
    });
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    return `{client-certificate-data: ${b64(encodeCertificate(cert))}, client-key-data: ${b64(encodePrivateKey(key.privateKey))}}`;
  }

  /** The node's identity, as its kubelet has it after the TLS bootstrap. */
  const nodeClient = async (name: string) => clientOf(cp, await certificateUser(`system:node:${name}`, ['system:nodes']));

  /** Posts a kubelet-serving CSR as `client` does (by default worker-a's, for its true names). */
  const requestServing = (client: Cluster, name: string, opts: { subject?: string; sans?: San[]; usages?: string[] } = {}) =>
    postCsr(client, name, {
      subject: opts.subject ?? 'O=system:nodes, CN=system:node:worker-a',
      sans: opts.sans ?? TRUE_SANS_A,
      signerName: 'kubernetes.io/kubelet-serving',
      usages: opts.usages ?? SERVING_USAGES,
    });

  const csr = (name: string) => cp.admin.get<Csr>({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name });
  const conditions = async (name: string) => ((await csr(name))?.status?.conditions ?? []).map((c) => c.type);
  const eventReasons = async (name: string) =>
    (await cp.admin.list<KubeObject & { reason: string }>('v1', 'Event', { namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).map(
      (e) => e.reason,
    );
  const approve = async (...args: string[]) => {
    const result = await bosun('certs', 'approve-kubelet-serving', '--kubeconfig', kubeconfig, ...args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    cp = await startControlPlane(DEFAULT_KUBERNETES_VERSION, 'cp1');
    try {
      // The API server up, and the bootstrap token with its RBAC (a token may post CSRs).
      for (const only of ['wait-control-plane', 'bootstrap-token']) await runWorkflow(initPhases, cp.ctx, { only });
      for (const [name, addresses] of Object.entries(NODES)) {
        await cp.admin.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses } });
      }
      kubeconfig = path.join(cp.root, 'etc/kubernetes/admin.conf');
      asNode = { 'worker-a': await nodeClient('worker-a'), 'worker-b': await nodeClient('worker-b') };
      asBootstrapToken = await clientOf(cp, `{token: ${cp.cfg.init.bootstrapTokens![0].token}}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await cp.logTails()}`, { cause: err });
    }
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it("approves a node's CSR for its true addresses, which the controller-manager then signs (a dry run first changes nothing)", async () => {
    await requestServing(asNode['worker-a'], 'serving-a');
    const dry = await approve('--dry-run');
    expect(dry).toMatch(/would update CertificateSigningRequest serving-a\/approval/);
    expect(await conditions('serving-a')).toEqual([]);

    expect(await approve()).toContain('approved certificatesigningrequest/serving-a of node worker-a');
    const signed = await cp.admin.watchUntil<Csr>(
      { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: 'serving-a' },
      (obj) => Boolean(obj?.status?.certificate),
      60_000,
    );
    const cert = parseCertificate(Buffer.from(signed!.status!.certificate!, 'base64'))!;
    expect(cert.subject).toBe('O=system:nodes, CN=system:node:worker-a');
    const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON();
    expect(sans).toEqual(
      expect.arrayContaining([
        { type: 'dns', value: 'worker-a' },
        { type: 'ip', value: '10.251.0.21' },
      ]),
    );
    expect(await approve(), 'a decided CSR is not looked at again').toMatch(/^approved: 0\nleft pending: 0\n/);
  });

  it('leaves pending, with an Event naming the rule, what is not the requesting node asking for its own addresses', async () => {
    const watcher = spawn(process.execPath, [BOSUN, 'certs', 'approve-kubelet-serving', '--watch', '--kubeconfig', kubeconfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    watcher.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    watcher.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.once('exit', (code) => resolve(code)));
    try {
      const a = asNode['worker-a'];
      const refused: Array<[string, string, Promise<void>]> = [
        ['foreign-san', 'NameNotOnNode', requestServing(a, 'foreign-san', { sans: [...TRUE_SANS_A, { type: 'dns', value: 'api.example.com' }] })],
        // A node may not post another node's name (the API server's NodeRestriction refuses it, below); someone
        // else may, and a node may ask for another node's names under its own.
        ['other-node', 'RequesterNotNode', requestServing(cp.admin, 'other-node', { subject: 'O=system:nodes, CN=system:node:worker-b', sans: TRUE_SANS_B })],
        ['names-of-other-node', 'NameNotOnNode', requestServing(a, 'names-of-other-node', { sans: TRUE_SANS_B })],
        ['client-usage', 'UsagesNotServing', requestServing(a, 'client-usage', { usages: [...SERVING_USAGES, 'client auth'] })],
        ['wildcard', 'WildcardName', requestServing(a, 'wildcard', { sans: [{ type: 'dns', value: '*.worker-a' }] })],
        ['unreported-ip', 'AddressNotOnNode', requestServing(a, 'unreported-ip', { sans: [{ type: 'ip', value: '10.251.0.99' }] })],
        ['by-bootstrap-token', 'RequesterNotNode', requestServing(asBootstrapToken, 'by-bootstrap-token')],
      ];
      await Promise.all(refused.map(([, , posted]) => posted));
      await expect(requestServing(a, 'as-other-node', { subject: 'O=system:nodes, CN=system:node:worker-b', sans: TRUE_SANS_B })).rejects.toThrow(
        /Forbidden \(403\): .*can only create a node CSR with CN=system:node:worker-a/,
      );
      // Created while watching: the watch approves it; the kubelet of worker-b asks for its own names.
      await requestServing(asNode['worker-b'], 'serving-b', { subject: 'O=system:nodes, CN=system:node:worker-b', sans: TRUE_SANS_B });
      await cp.admin.watchUntil<Csr>(
        { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: 'serving-b' },
        (obj) => Boolean(obj?.status?.certificate),
        60_000,
      );
      for (const [name, rule] of refused) {
        await expect.poll(() => eventReasons(name), { timeout: 30_000, message: `${name}: ${stdout}${stderr}` }).toEqual([rule]);
        expect(await conditions(name), `${name} stays pending`).toEqual([]);
        expect(stdout).toContain(`left pending certificatesigningrequest/${name}: ${rule}: `);
      }
    } finally {
      watcher.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(stdout).toContain('approved certificatesigningrequest/serving-b of node worker-b');
    expect(stdout).toMatch(/approved: 1\nleft pending: 7\n/);
    // Seen again by a pass, the pending ones are told about again; none is approved.
    expect(await approve('--allowed-cidrs', '10.251.0.0/24')).toMatch(/^(left pending .*\n){7}approved: 0\nleft pending: 7\n/);
  });

  it('approves only addresses inside --allowed-cidrs', async () => {
    await requestServing(asNode['worker-a'], 'outside-cidrs');
    expect(await approve('--allowed-cidrs', '192.168.0.0/16,fd00::/64')).toContain(
      'left pending certificatesigningrequest/outside-cidrs: AddressOutsideAllowedCidrs: IP address 10.251.0.21 is outside the allowed CIDRs',
    );
    expect(await eventReasons('outside-cidrs')).toEqual(['AddressOutsideAllowedCidrs']);
    expect(await approve('--allowed-cidrs', '10.251.0.0/24')).toContain('approved certificatesigningrequest/outside-cidrs of node worker-a');
  });

  it('installs least-privilege RBAC and a Deployment; with exactly those rights the approver approves and records Events', async () => {
    const installed = await approve('--install', '--image', 'registry.example/bosun:test', '--allowed-cidrs', '10.251.0.0/16');
    expect(installed).toContain('deployment/bosun-kubelet-serving-approver applied');
    const deployment = await cp.admin.get<KubeObject & { spec: { template: { spec: { containers: Array<{ image: string; args: string[] }> } } } }>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'bosun-kubelet-serving-approver',
    });
    expect(deployment!.spec.template.spec.containers[0]).toMatchObject({
      image: 'registry.example/bosun:test',
      args: ['certs', 'approve-kubelet-serving', '--watch', '--kubeconfig', '/etc/bosun-approver/kubeconfig.conf', '--allowed-cidrs', '10.251.0.0/16'],
    });
    expect(await approve('--install', '--image', 'registry.example/bosun:test', '--allowed-cidrs', '10.251.0.0/16', '--dry-run')).toMatch(
      /would apply Deployment kube-system\/bosun-kubelet-serving-approver/,
    );

    // The ServiceAccount's user name on a client certificate: RBAC grants it what the installed binding grants.
    const approverConf = path.join(cp.root, 'approver.conf');
    await writeFile(approverConf, await kubeconfigFor(cp, await certificateUser('system:serviceaccount:kube-system:bosun-kubelet-serving-approver')), {
      mode: 0o600,
    });
    await requestServing(asNode['worker-b'], 'serving-b-by-approver', { subject: 'O=system:nodes, CN=system:node:worker-b', sans: TRUE_SANS_B });
    await requestServing(asNode['worker-b'], 'wildcard-by-approver', {
      subject: 'O=system:nodes, CN=system:node:worker-b',
      sans: [{ type: 'dns', value: '*.b' }],
    });
    const result = await bosun('certs', 'approve-kubelet-serving', '--kubeconfig', approverConf);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('approved certificatesigningrequest/serving-b-by-approver of node worker-b');
    expect(result.stdout).not.toContain('could not record an Event');
    expect(await eventReasons('wildcard-by-approver')).toEqual(['WildcardName']);
    await cp.admin.watchUntil<Csr>(
      { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: 'serving-b-by-approver' },
      (obj) => Boolean(obj?.status?.certificate),
      60_000,
    );
  });
});
