/**
 * init's API phases against a real control plane: etcd, kube-apiserver, kube-controller-manager and kube-scheduler
 * started here as processes from the binaries cache (`bosun sandbox binaries`), on loopback ports of their own.
 * The test plays the kubelet's part: it registers the Node and does a TLS bootstrap with the bootstrap token.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/etcd.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig, connectCluster } from '../../src/cluster/connect.js';
import { secretValues } from '../../src/kube/objects.js';
import { defaultInitConfig } from '../../src/config/defaults.js';
import type { InitConfig } from '../../src/config/types.js';
import { LocalHost } from '../../src/host/local.js';
import type { InitContext } from '../../src/commands/init/context.js';
import { initPhases } from '../../src/commands/init/phases.js';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { KeyPool } from '../../src/pki/key-pool.js';
import { x509 } from '../../src/pki/x509.js';
import { ETCD, kubernetesArtifact, locateBinary } from '../../src/sandbox/binaries.js';
import { CERTS_SECRET_NAME, decodeCertificateKey, decryptCertsSecretData } from '../../src/tokens/certs-secret.js';
import { verifyDetachedJWS } from '../../src/tokens/jws.js';
import { generateToken, splitToken } from '../../src/tokens/token.js';
import { parseYaml } from '../../src/util/yaml.js';
import { runWorkflow } from '../../src/workflow/run.js';
import { recorder } from '../support/workflow.js';

const run = promisify(execFile);
const VERSION = 'v1.37.1';
const NODE = 'cp1';
const API_PHASES = ['wait-control-plane', 'upload-config', 'upload-certs', 'mark-control-plane', 'bootstrap-token', 'kubelet-finalize', 'addon', 'show-join-command'];

async function binary(name: string, artifact = kubernetesArtifact(VERSION)): Promise<string> {
  const found = await locateBinary(artifact, name);
  if (!found) throw new Error(`${name} ${artifact.version} is not in the binaries cache: run \`bosun sandbox binaries\` first`);
  return found;
}

/** Runs each named phase (`bosun init phase <name>`) through the engine, collecting the lines it logs. */
async function runPhases(ctx: InitContext, names: string[]): Promise<string[]> {
  const progress = recorder();
  for (const name of names) await runWorkflow(initPhases, ctx, { only: name, sink: progress });
  return progress.lines();
}

/** Remembers what bosun applied, to check later that a second run changed none of it. */
function recordApplies(cluster: Cluster, applied: Map<string, ObjectRef>): Cluster {
  return new Proxy(cluster, {
    get(target, prop, receiver) {
      if (prop !== 'apply') return Reflect.get(target, prop, receiver);
      return async (obj: KubeObject, opts?: { force?: boolean }) => {
        const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
        applied.set(`${ref.kind} ${ref.namespace ?? ''}/${ref.name}`, ref);
        return target.apply(obj, opts);
      };
    },
  });
}

interface ControlPlane {
  root: string;
  host: LocalHost;
  cfg: InitConfig;
  ctx: InitContext;
  admin: Cluster;
  applied: Map<string, ObjectRef>;
  /** The last lines each component logged: attached to failures of the setup. */
  logTails: () => Promise<string>;
  stop: () => Promise<void>;
}

async function startControlPlane(): Promise<ControlPlane> {
  const [etcdBin, apiserverBin, kcmBin, schedulerBin] = await Promise.all([
    binary('etcd', ETCD),
    binary('kube-apiserver'),
    binary('kube-controller-manager'),
    binary('kube-scheduler'),
  ]);
  const root = await mkdtemp(path.join(tmpdir(), 'bosun-api-phases-'));
  const host = new LocalHost(root);
  const [etcdPort, peerPort, apiPort, kcmPort, schedulerPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];

  const cfg = defaultInitConfig();
  cfg.init.nodeRegistration.name = NODE;
  cfg.init.localAPIEndpoint = { advertiseAddress: '127.0.0.1', bindPort: apiPort };
  cfg.init.bootstrapTokens![0].token = generateToken();
  cfg.init.timeouts!.controlPlaneComponentHealthCheck = '2m0s';
  cfg.cluster.kubernetesVersion = VERSION;
  cfg.cluster.encryptionAlgorithm = 'ECDSA-P256';
  cfg.cluster.networking.podSubnet = '10.244.0.0/16';
  cfg.cluster.controlPlaneEndpoint = `127.0.0.1:${apiPort}`;
  cfg.kubeProxy.clusterCIDR = '10.244.0.0/16';

  const applied = new Map<string, ObjectRef>();
  const ctx: InitContext = {
    cfg,
    host,
    options: {
      ignorePreflightErrors: new Set(),
      uploadCerts: true,
      skipTokenPrint: false,
      skipCertificateKeyPrint: false,
      kubeconfigPath: '/etc/kubernetes/admin.conf',
    },
    keys: new KeyPool(),
    cluster: async () => recordApplies(await connectCluster(host, '/etc/kubernetes/admin.conf'), applied),
  };
  // PKI and kubeconfigs by bosun's own phases.
  await runWorkflow(initPhases, ctx, { only: 'certs' });
  await runWorkflow(initPhases, ctx, { only: 'kubeconfig' });

  const pki = (file: string) => path.join(root, 'etc/kubernetes/pki', file);
  const conf = (file: string) => path.join(root, 'etc/kubernetes', file);
  const logDir = path.join(root, 'logs');
  await mkdir(logDir);
  const processes: ChildProcess[] = [];
  const start = (name: string, bin: string, args: string[]) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(path.join(logDir, `${name}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    processes.push(child);
  };
  start('etcd', etcdBin, [
    '--name=default', `--data-dir=${path.join(root, 'etcd')}`, '--unsafe-no-fsync',
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
  ]);
  start('kube-apiserver', apiserverBin, [
    '--advertise-address=127.0.0.1', '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
    `--etcd-servers=http://127.0.0.1:${etcdPort}`, `--cert-dir=${path.join(root, 'apiserver-certs')}`,
    `--tls-cert-file=${pki('apiserver.crt')}`, `--tls-private-key-file=${pki('apiserver.key')}`, `--client-ca-file=${pki('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki('sa.pub')}`, `--service-account-signing-key-file=${pki('sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/12', '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true', '--allow-privileged=true',
    // A loopback advertise address cannot back the kubernetes Service's endpoints.
    '--endpoint-reconciler-type=none',
  ]);
  const kubeconfigFlags = (file: string) => [`--kubeconfig=${conf(file)}`, `--authentication-kubeconfig=${conf(file)}`, `--authorization-kubeconfig=${conf(file)}`];
  start('kube-controller-manager', kcmBin, [
    ...kubeconfigFlags('controller-manager.conf'), '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, '--leader-elect=true',
    `--client-ca-file=${pki('ca.crt')}`, `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`, `--root-ca-file=${pki('ca.crt')}`,
    `--service-account-private-key-file=${pki('sa.key')}`, '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${pki('ca.crt')}`, `--cluster-signing-key-file=${pki('ca.key')}`,
    '--controllers=*,bootstrapsigner,tokencleaner', '--cluster-name=kubernetes',
  ]);
  start('kube-scheduler', schedulerBin, [...kubeconfigFlags('scheduler.conf'), '--bind-address=127.0.0.1', `--secure-port=${schedulerPort}`, '--leader-elect=true']);

  // The kubelet's part: it rotates its client certificate, which kubelet-finalize then points kubelet.conf at.
  await mkdir(path.join(root, 'var/lib/kubelet/pki'), { recursive: true });
  await writeFile(path.join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'), 'rotated by the kubelet\n');

  const admin = await connectCluster(host, '/etc/kubernetes/admin.conf');
  return {
    root, host, cfg, ctx, admin, applied,
    logTails: async () => {
      const tails = await Promise.all(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map(async (name) => {
        const text = await readFile(path.join(logDir, `${name}.log`), 'utf8').catch(() => '');
        return `--- ${name}\n${text.split('\n').slice(-15).join('\n')}`;
      }));
      return tails.join('\n');
    },
    stop: async () => {
      // Clients first, etcd last; what does not stop within 5 s is killed (a test cluster has nothing to save).
      for (const p of [...processes].reverse()) {
        if (p.exitCode !== null || p.signalCode !== null) continue;
        const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
        p.kill('SIGTERM');
        const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A TLS bootstrap as the kubelet does it: with the bootstrap token, a node-client CSR, wait for the signed certificate. */
async function tlsBootstrap(cp: ControlPlane, nodeName: string): Promise<string> {
  const { server, caCertPem } = readKubeconfigTarget((await cp.host.readFile('/etc/kubernetes/admin.conf'))!.toString());
  const bootstrap = await clusterFromKubeconfig(
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${server}", certificate-authority-data: ${Buffer.from(caCertPem!).toString('base64')}}}]`,
      `users: [{name: u, user: {token: ${cp.cfg.init.bootstrapTokens![0].token}}}]`,
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `O=system:nodes, CN=system:node:${nodeName}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const name = `node-csr-${nodeName}`;
  await bootstrap.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(csr.toString('pem')).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
    },
  });
  const signed = await bootstrap.watchUntil<KubeObject & { status?: { certificate?: string } }>(
    { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name },
    (obj) => Boolean(obj?.status?.certificate),
    60_000,
  );
  return Buffer.from(signed!.status!.certificate!, 'base64').toString();
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
    cp = await startControlPlane();
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
    const cm = await cp.admin.get<KubeObject & { data: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' });
    const kubelet = await cp.admin.get<KubeObject & { data: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubelet-config' });
    expect(kubelet!.metadata.annotations?.['kubeadm.kubernetes.io/component-config.hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const file = path.join(cp.root, 'uploaded.yaml');
    await writeFile(file, `${cm!.data.ClusterConfiguration}---\n${kubelet!.data.kubelet}`);
    const { stdout } = await run(await binary('kubeadm'), ['config', 'validate', '--config', file]);
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
    const { stdout } = await run(await binary('kubeadm'), ['token', 'list', '--kubeconfig', path.join(cp.root, 'etc/kubernetes/admin.conf')]);
    const { id } = splitToken(cp.cfg.init.bootstrapTokens![0].token);
    const line = stdout.split('\n').find((l) => l.startsWith(`${id}.`));
    expect(line).toMatch(/authentication,signing\s+<none>\s+system:bootstrappers:kubeadm:default-node-token/);
  });

  it('uploads the certificates so that the printed key decrypts them', async () => {
    const secret = await cp.admin.get<KubeObject & { data: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: 'kube-system', name: CERTS_SECRET_NAME });
    const files = decryptCertsSecretData(secretValues(secret!), decodeCertificateKey(cp.cfg.init.certificateKey!));
    expect(files.get('ca.key')).toEqual(await cp.host.readFile('/etc/kubernetes/pki/ca.key'));
    expect(files.get('etcd-ca.crt')).toEqual(await cp.host.readFile('/etc/kubernetes/pki/etcd/ca.crt'));
    const owner = secret!.metadata.ownerReferences?.[0] as { name: string; controller: boolean };
    expect(owner.controller).toBe(true);
    const token = await cp.admin.get<KubeObject & { data: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: 'kube-system', name: owner.name });
    expect(Object.keys(token!.data).sort()).toEqual(['description', 'expiration', 'token-id', 'token-secret']);
    expect(firstRun).toContain(`[upload-certs] Using certificate key:\n${cp.cfg.init.certificateKey}`);
  });

  it('marks the node, points kubelet.conf at the rotated certificate and installs the addons', async () => {
    const node = await cp.admin.get<KubeObject & { spec: { taints?: unknown[] } }>({ apiVersion: 'v1', kind: 'Node', name: NODE });
    expect(node!.metadata.labels).toMatchObject({ 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' });
    expect(node!.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    const kubelet = parseYaml((await cp.host.readFile('/etc/kubernetes/kubelet.conf'))!.toString()) as { users: Array<{ user: Record<string, string> }> };
    expect(kubelet.users[0].user).toEqual({ 'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem', 'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem' });
    const dns = await cp.admin.get<KubeObject & { spec: { clusterIP: string } }>({ apiVersion: 'v1', kind: 'Service', namespace: 'kube-system', name: 'kube-dns' });
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
      execFile('sh', ['-c', `openssl x509 -pubkey -noout -in '${ca}' | openssl pkey -pubin -outform der`], { encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    const pin = `sha256:${(await import('node:crypto')).createHash('sha256').update(der).digest('hex')}`;
    const token = cp.cfg.init.bootstrapTokens![0].token;
    const endpoint = `127.0.0.1:${cp.cfg.init.localAPIEndpoint.bindPort}`;
    expect(firstRun).toContain(`bosun join ${endpoint} --token ${token} \\`);
    expect(firstRun).toContain(`\t--discovery-token-ca-cert-hash ${pin} \\`);
    expect(firstRun).toContain(`\t--control-plane --certificate-key ${cp.cfg.init.certificateKey}`);
  });

  it('changes nothing when run again', async () => {
    const refs = [...cp.applied.values()].filter((ref) => !(ref.kind === 'Secret' && (ref.name === CERTS_SECRET_NAME || ref.name.startsWith('bootstrap-token-'))));
    refs.push({ apiVersion: 'v1', kind: 'Secret', namespace: 'kube-system', name: `bootstrap-token-${splitToken(cp.cfg.init.bootstrapTokens![0].token).id}` });
    const before = await Promise.all(refs.map((ref) => bosunFields(cp.admin, ref)));
    // upload-certs is left out: it re-encrypts with fresh nonces under a new owner token each time, as kubeadm does.
    await runPhases(cp.ctx, API_PHASES.filter((p) => p !== 'upload-certs'));
    const after = await Promise.all(refs.map((ref) => bosunFields(cp.admin, ref)));
    const changed = refs.filter((_, i) => before[i] !== after[i]).map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name}`);
    expect(changed).toEqual([]);
    expect(refs.length).toBeGreaterThan(25);
  });
});
