/**
 * init's API phases against a real control plane (test/support/control-plane.ts: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler as processes from the binaries cache, on loopback ports of their own).
 * The test plays the kubelet's part: it registers the Node and does a TLS bootstrap with the bootstrap token.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { InitContext } from '../../src/commands/init/context.js';
import { initPhases } from '../../src/commands/init/phases.js';
import { secretValues } from '../../src/kube/objects.js';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { CERTS_SECRET_NAME, decodeCertificateKey, decryptCertsSecretData } from '../../src/tokens/certs-secret.js';
import { verifyDetachedJWS } from '../../src/tokens/jws.js';
import { splitToken } from '../../src/tokens/token.js';
import { parseYaml } from '../../src/util/yaml.js';
import { runWorkflow } from '../../src/workflow/run.js';
import { binary, startControlPlane, tlsBootstrap, type ControlPlane } from '../support/control-plane.js';
import { recorder } from '../support/workflow.js';

const run = promisify(execFile);
const VERSION = 'v1.37.1';
const NODE = 'cp1';
const kubeadm = () => binary('kubeadm', kubernetesArtifact(VERSION));
const API_PHASES = [
  'wait-control-plane',
  'upload-config',
  'upload-certs',
  'mark-control-plane',
  'bootstrap-token',
  'kubelet-finalize',
  'addon',
  'show-join-command',
];

/** Runs each named phase (`bosun init phase <name>`) through the engine, collecting the lines it logs. */
async function runPhases(ctx: InitContext, names: string[]): Promise<string[]> {
  const progress = recorder();
  for (const name of names) await runWorkflow(initPhases, ctx, { only: name, sink: progress });
  return progress.lines();
}

/** bosun's own managedFields entry of an object: it changes only when an apply of bosun changed something. */
async function bosunFields(cluster: Cluster, ref: ObjectRef): Promise<string> {
  const obj = await cluster.get<KubeObject & { metadata: { managedFields?: Array<{ manager: string }> } }>(ref);
  return JSON.stringify(obj?.metadata.managedFields?.filter((f) => f.manager === 'bosun'));
}

describe('init API phases on a real control plane', () => {
  let cp: ControlPlane;
  let firstRun: string[];

  beforeAll(async () => {
    cp = await startControlPlane(VERSION, NODE);
    try {
      const waitApi = await runPhases(cp.ctx, ['wait-control-plane']);
      // The Node the kubelet would register (the sandbox's runner does it there).
      await cp.admin.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } } });
      firstRun = [...waitApi, ...(await runPhases(cp.ctx, API_PHASES.slice(1)))];
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await cp.logTails()}`, { cause: err });
    }
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('waits for the API server, controller-manager and scheduler', () => {
    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(firstRun.some((l) => l.startsWith(`[control-plane-check] ${component} is healthy after`))).toBe(true);
    }
  });

  it('uploads a ClusterConfiguration and kubelet config that kubeadm reads', async () => {
    const cm = await cp.admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-system',
      name: 'kubeadm-config',
    });
    const kubelet = await cp.admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-system',
      name: 'kubelet-config',
    });
    expect(kubelet!.metadata.annotations?.['kubeadm.kubernetes.io/component-config.hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const file = path.join(cp.root, 'uploaded.yaml');
    await writeFile(file, `${cm!.data.ClusterConfiguration}---\n${kubelet!.data.kubelet}`);
    const { stdout } = await run(await kubeadm(), ['config', 'validate', '--config', file]);
    expect(stdout.trim()).toBe('ok');
  });

  it('publishes cluster-info, signed for the token by the real bootstrapsigner', async () => {
    const { id, secret } = splitToken(cp.cfg.init.bootstrapTokens![0].token);
    const cm = await cp.admin.watchUntil<KubeObject & { data?: Record<string, string> }>(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-public', name: 'cluster-info' },
      (obj) => obj?.data?.[`jws-kubeconfig-${id}`] !== undefined,
      60_000,
    );
    expect(verifyDetachedJWS(cm!.data!.kubeconfig, cm!.data![`jws-kubeconfig-${id}`], id, secret)).toBe(true);
    // Anonymous may read it: what a joining node does before it trusts anything.
    const { server } = readKubeconfigTarget((await cp.host.readFile('/etc/kubernetes/admin.conf'))!.toString());
    const anonymous = await clusterFromKubeconfig(
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]\nusers: [{name: a, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: a}}]\ncurrent-context: x\n`,
    );
    expect((await anonymous.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-public', name: 'cluster-info' }))?.metadata.name).toBe('cluster-info');
  });

  it('lets a bootstrap token get a node client certificate approved and signed by the real controller-manager', async () => {
    const pem = await tlsBootstrap(cp, 'worker1');
    const certFile = path.join(cp.root, 'worker1.crt');
    await writeFile(certFile, pem);
    const ca = path.join(cp.root, 'etc/kubernetes/pki/ca.crt');
    const { stdout } = await run('openssl', ['verify', '-CAfile', ca, '-purpose', 'sslclient', certFile]);
    expect(stdout.trim()).toBe(`${certFile}: OK`);
    const subject = (await run('openssl', ['x509', '-noout', '-subject', '-in', certFile])).stdout;
    expect(subject).toMatch(/O\s*=\s*system:nodes, CN\s*=\s*system:node:worker1/);
  });

  it("shows bosun's token in `kubeadm token list`", async () => {
    const { stdout } = await run(await kubeadm(), ['token', 'list', '--kubeconfig', path.join(cp.root, 'etc/kubernetes/admin.conf')]);
    const { id } = splitToken(cp.cfg.init.bootstrapTokens![0].token);
    const line = stdout.split('\n').find((l) => l.startsWith(`${id}.`));
    expect(line).toMatch(/authentication,signing\s+<none>\s+system:bootstrappers:kubeadm:default-node-token/);
  });

  it('uploads the certificates so that the printed key decrypts them', async () => {
    const secret = await cp.admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'kube-system',
      name: CERTS_SECRET_NAME,
    });
    const files = decryptCertsSecretData(secretValues(secret!), decodeCertificateKey(cp.cfg.init.certificateKey!));
    expect(files.get('ca.key')).toEqual(await cp.host.readFile('/etc/kubernetes/pki/ca.key'));
    expect(files.get('etcd-ca.crt')).toEqual(await cp.host.readFile('/etc/kubernetes/pki/etcd/ca.crt'));
    const owner = secret!.metadata.ownerReferences?.[0] as { name: string; controller: boolean };
    expect(owner.controller).toBe(true);
    const token = await cp.admin.get<KubeObject & { data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'kube-system',
      name: owner.name,
    });
    expect(Object.keys(token!.data).sort()).toEqual(['description', 'expiration', 'token-id', 'token-secret']);
    expect(firstRun).toContain(`[upload-certs] Using certificate key:\n${cp.cfg.init.certificateKey}`);
  });

  it('marks the node, points kubelet.conf at the rotated certificate and installs the addons', async () => {
    const node = await cp.admin.get<KubeObject & { spec: { taints?: unknown[] } }>({ apiVersion: 'v1', kind: 'Node', name: NODE });
    expect(node!.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
    expect(node!.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    const kubelet = parseYaml((await cp.host.readFile('/etc/kubernetes/kubelet.conf'))!.toString()) as { users: Array<{ user: Record<string, string> }> };
    expect(kubelet.users[0].user).toEqual({
      'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    });
    const dns = await cp.admin.get<KubeObject & { spec: { clusterIP: string } }>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'kube-system',
      name: 'kube-dns',
    });
    expect(dns!.spec.clusterIP).toBe('10.96.0.10');
    for (const ref of [
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kube-system', name: 'coredns' },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-proxy' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'kubeadm:node-proxier' },
    ]) {
      expect(await cp.admin.get(ref), `${ref.kind} ${ref.name}`).toBeDefined();
    }
    expect(firstRun).toContain('[addons] Applied essential addon: CoreDNS');
    expect(firstRun).toContain('[addons] Applied essential addon: kube-proxy');
  });

  it('prints the join commands with the CA pin openssl computes', async () => {
    const ca = path.join(cp.root, 'etc/kubernetes/pki/ca.crt');
    const der = await new Promise<Buffer>((resolve, reject) => {
      execFile('sh', ['-c', `openssl x509 -pubkey -noout -in '${ca}' | openssl pkey -pubin -outform der`], { encoding: 'buffer' }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    const pin = `sha256:${(await import('node:crypto')).createHash('sha256').update(der).digest('hex')}`;
    const token = cp.cfg.init.bootstrapTokens![0].token;
    const endpoint = `127.0.0.1:${cp.cfg.init.localAPIEndpoint.bindPort}`;
    expect(firstRun).toContain(`bosun join ${endpoint} --token ${token} \\`);
    expect(firstRun).toContain(`\t--discovery-token-ca-cert-hash ${pin} \\`);
    expect(firstRun).toContain(`\t--control-plane --certificate-key ${cp.cfg.init.certificateKey}`);
  });

  it('changes nothing when run again', async () => {
    const refs = [...cp.applied.values()].filter(
      (ref) => !(ref.kind === 'Secret' && (ref.name === CERTS_SECRET_NAME || ref.name.startsWith('bootstrap-token-'))),
    );
    refs.push({ apiVersion: 'v1', kind: 'Secret', namespace: 'kube-system', name: `bootstrap-token-${splitToken(cp.cfg.init.bootstrapTokens![0].token).id}` });
    const before = await Promise.all(refs.map((ref) => bosunFields(cp.admin, ref)));
    // upload-certs is left out: it re-encrypts with fresh nonces under a new owner token each time, as kubeadm does.
    await runPhases(
      cp.ctx,
      API_PHASES.filter((p) => p !== 'upload-certs'),
    );
    const after = await Promise.all(refs.map((ref) => bosunFields(cp.admin, ref)));
    const changed = refs.filter((_, i) => before[i] !== after[i]).map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name}`);
    expect(changed).toEqual([]);
    expect(refs.length).toBeGreaterThan(25);
  });
});
