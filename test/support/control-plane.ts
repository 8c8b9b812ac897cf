/**
 * A real control plane for tests of init's API phases: etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler started as processes from the binaries cache (`bosun sandbox binaries`), on loopback ports of
 * their own, with the PKI and kubeconfigs of bosun's own phases. Tests play the kubelet's part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Cluster, KubeObject, ObjectRef } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig, connectCluster } from '../../src/cluster/connect.js';
import type { InitContext } from '../../src/commands/init/context.js';
import { initPhases } from '../../src/commands/init/phases.js';
import { defaultInitConfig } from '../../src/config/defaults.js';
import type { InitConfig } from '../../src/config/types.js';
import { LocalHost } from '../../src/host/local.js';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { KeyPool } from '../../src/pki/key-pool.js';
import { x509 } from '../../src/pki/x509.js';
import { ETCD, kubernetesArtifact, locateBinary, type Artifact } from '../../src/sandbox/binaries.js';
import { generateToken } from '../../src/tokens/token.js';
import { runWorkflow } from '../../src/workflow/run.js';
import { freePort } from './etcd.js';

/** A binary of the cache, or an error saying how to build it. */
export async function binary(name: string, artifact: Artifact): Promise<string> {
  const found = await locateBinary(artifact, name);
  if (!found) throw new Error(`${name} ${artifact.version} is not in the binaries cache: run \`bosun sandbox binaries\` first`);
  return found;
}

/** Remembers what bosun applied, to check later that a second run changed none of it. */
function recordApplies(cluster: Cluster, applied: Map<string, ObjectRef>): Cluster {
  return new Proxy(cluster, {
    get(target, prop, receiver) {
      if (prop !== 'apply') return Reflect.get(target, prop, receiver);
      return async (obj: KubeObject, opts?: { force?: boolean }) => {
        const ref = {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.metadata.namespace,
          name: obj.metadata.name,
        };
        applied.set(`${ref.kind} ${ref.namespace ?? ''}/${ref.name}`, ref);
        return target.apply(obj, opts);
      };
    },
  });
}

/** A control plane of real processes on loopback, bosun's PKI and kubeconfigs on a rootfs of its own. */
export interface ControlPlane {
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

/**
 * Writes the PKI and kubeconfigs of Kubernetes `version` for the control-plane node `node` with bosun's phases,
 * then starts the components on them (not waiting for them: init's wait-control-plane phase does).
 */
export async function startControlPlane(version: string, node: string): Promise<ControlPlane> {
  const kubernetes = kubernetesArtifact(version);
  const [etcdBin, apiserverBin, kcmBin, schedulerBin] = await Promise.all([
    binary('etcd', ETCD),
    binary('kube-apiserver', kubernetes),
    binary('kube-controller-manager', kubernetes),
    binary('kube-scheduler', kubernetes),
  ]);
  const root = await mkdtemp(path.join(tmpdir(), 'bosun-api-phases-'));
  const host = new LocalHost(root);
  const [etcdPort, peerPort, apiPort, kcmPort, schedulerPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];

  const cfg = defaultInitConfig();
  cfg.init.nodeRegistration.name = node;
  cfg.init.localAPIEndpoint = { advertiseAddress: '127.0.0.1', bindPort: apiPort };
  cfg.init.bootstrapTokens![0].token = generateToken();
  cfg.init.timeouts!.controlPlaneComponentHealthCheck = '2m0s';
  cfg.cluster.kubernetesVersion = version;
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
    '--name=default',
    `--data-dir=${path.join(root, 'etcd')}`,
    '--unsafe-no-fsync',
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
  ]);
  start('kube-apiserver', apiserverBin, [
    '--advertise-address=127.0.0.1',
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${path.join(root, 'apiserver-certs')}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/12',
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    '--allow-privileged=true',
    // A loopback advertise address cannot back the kubernetes Service's endpoints.
    '--endpoint-reconciler-type=none',
  ]);
  const kubeconfigFlags = (file: string) => [
    `--kubeconfig=${conf(file)}`,
    `--authentication-kubeconfig=${conf(file)}`,
    `--authorization-kubeconfig=${conf(file)}`,
  ];
  start('kube-controller-manager', kcmBin, [
    ...kubeconfigFlags('controller-manager.conf'),
    '--bind-address=127.0.0.1',
    `--secure-port=${kcmPort}`,
    '--leader-elect=true',
    `--client-ca-file=${pki('ca.crt')}`,
    `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
    `--root-ca-file=${pki('ca.crt')}`,
    `--service-account-private-key-file=${pki('sa.key')}`,
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${pki('ca.crt')}`,
    `--cluster-signing-key-file=${pki('ca.key')}`,
    '--controllers=*,bootstrapsigner,tokencleaner',
    '--cluster-name=kubernetes',
  ]);
  start('kube-scheduler', schedulerBin, [
    ...kubeconfigFlags('scheduler.conf'),
    '--bind-address=127.0.0.1',
    `--secure-port=${schedulerPort}`,
    '--leader-elect=true',
  ]);

  // The kubelet's part: it rotates its client certificate, which kubelet-finalize then points kubelet.conf at.
  await mkdir(path.join(root, 'var/lib/kubelet/pki'), { recursive: true });
  await writeFile(path.join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'), 'rotated by the kubelet\n');

  const admin = await connectCluster(host, '/etc/kubernetes/admin.conf');
  return {
    root,
    host,
    cfg,
    ctx,
    admin,
    applied,
    logTails: async () => {
      const tails = await Promise.all(
        ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map(async (name) => {
          const text = await readFile(path.join(logDir, `${name}.log`), 'utf8').catch(() => '');
          return `--- ${name}\n${text.split('\n').slice(-15).join('\n')}`;
        }),
      );
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

/** A kubeconfig of the control plane's API server for the kubeconfig user `user` (`{token: …}`, client certificate data). */
export async function kubeconfigFor(cp: ControlPlane, user: string): Promise<string> {
  const { server, caCertPem } = readKubeconfigTarget((await cp.host.readFile('/etc/kubernetes/admin.conf'))!.toString());
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: c, cluster: {server: "${server}", certificate-authority-data: ${Buffer.from(caCertPem!).toString('base64')}}}]`,
    `users: [{name: u, user: ${user}}]`,
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');
}

/** A client of the control plane's API server as the kubeconfig user `user`. */
export async function clientOf(cp: ControlPlane, user: string): Promise<Cluster> {
  return clusterFromKubeconfig(await kubeconfigFor(cp, user));
}

/** What a CSR asks for: its request's subject and names (made for a fresh ECDSA P-256 key), signer and usages. */
export interface CsrAsk {
  subject: string;
  sans?: Array<{ type: 'dns' | 'ip' | 'email'; value: string }>;
  signerName: string;
  usages: string[];
}

/** Posts a CertificateSigningRequest as `client`. */
export async function postCsr(client: Cluster, name: string, ask: CsrAsk): Promise<void> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: ask.subject,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: ask.sans ? [new x509.SubjectAlternativeNameExtension(ask.sans)] : [],
  });
  await client.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(csr.toString('pem')).toString('base64'), signerName: ask.signerName, usages: ask.usages },
  });
}

/** A TLS bootstrap as the kubelet does it: with the bootstrap token, a node-client CSR, wait for the signed certificate. */
export async function tlsBootstrap(cp: ControlPlane, nodeName: string): Promise<string> {
  const bootstrap = await clientOf(cp, `{token: ${cp.cfg.init.bootstrapTokens![0].token}}`);
  const name = `node-csr-${nodeName}`;
  await postCsr(bootstrap, name, {
    subject: `O=system:nodes, CN=system:node:${nodeName}`,
    signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
    usages: ['digital signature', 'client auth'],
  });
  const signed = await bootstrap.watchUntil<KubeObject & { status?: { certificate?: string } }>(
    { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name },
    (obj) => Boolean(obj?.status?.certificate),
    60_000,
  );
  return Buffer.from(signed!.status!.certificate!, 'base64').toString();
}
