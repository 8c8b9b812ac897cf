import { execFile } from 'node:child_process';
import { randomBytes, webcrypto, KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/errors.js';
import { KubeCluster } from '../cluster/kube.js';
import { staticTransport } from '../cluster/transport.js';
import { KUBECONFIG_FILES, KUBELET_CLIENT_CERT, KUBELET_FLAGS_FILE, KUBERNETES_DIR, SECRET_MODE } from '../kube/paths.js';
import { LocalHost } from '../host/local.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { x509 } from '../pki/x509.js';
import { emitYaml } from '../util/yaml.js';
import { kubeletLayout } from './kubelet-layout.js';
import { KubeletMachines } from './kubelet-machines.js';
import { KubeletService } from './kubelet-service.js';
import { registeredNode } from './mirror.js';
import { RuntimeUnits } from './node-units.js';
import { workerAddress } from './network.js';
import { BOSUN_BIN, sandboxPaths } from './paths.js';
import { isRunning, startDetached } from './processes.js';
import { readState, writeState, type SandboxState } from './state.js';
import { SystemctlServer, type SystemctlAnswer } from './systemctl.js';
import { isWindowsMachine, windowsNodeFacts } from './windows/facts.js';
import { namespaceTcpTable, powershellExe } from './windows/powershell-exe.js';
import { WindowsServices } from './windows/services.js';

/**
 * The sandbox's node agent plays the kubelet's part for what a node reports: its kubelet service, which the
 * node's systemctl reaches (see KubeletService and SystemctlServer), and, here, the TLS bootstrap for every node of
 * a sandbox: when `bosun join` has written a node's bootstrap-kubelet.conf, the agent posts the node's client CSR
 * with those credentials, waits for the real controller-manager to approve and sign it, and writes the certificate
 * and kubelet.conf as the kubelet does. A node without a runner (a simulated worker) then gets its Node registered
 * under that identity, for kwok to keep Ready; a node with a runner registers itself.
 */
const BOOTSTRAP_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.bootstrapKubelet}`;
const KUBELET_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`;
const SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** How often node directories are looked at: a join waits for this agent, so it should notice quickly. */
const SCAN_MS = 100;
const SIGNING_TIMEOUT_MS = 5 * 60_000;
const RETRY_MS = 2_000;
/** systemctl requests come with file events; a rescan finds new nodes' directories and any missed event. */
const REQUEST_RESCAN_MS = 1_000;

interface CertificateSigningRequest extends KubeObject {
  status?: { certificate?: string; conditions?: Array<{ type: string; message?: string }> };
}

/** The node name the kubelet will use: kubeadm-flags.env's --hostname-override, else the node's directory name. */
async function kubeletNodeName(host: LocalHost, fallback: string): Promise<string> {
  const flags = (await host.readFile(KUBELET_FLAGS_FILE))?.toString('utf8') ?? '';
  return /--hostname-override=([^\s"]+)/.exec(flags)?.[1] ?? fallback;
}

/** An ECDSA P-256 key (what the kubelet makes) and a CSR for `system:node:<name>` in `system:nodes`. */
async function nodeClientRequest(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [`system:node:${nodeName}`] }],
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'sec1', format: 'pem' }).toString();
  return { csrPem: csr.toString('pem'), keyPem };
}

/** kubelet.conf as the kubelet writes it after its bootstrap: the bootstrap's cluster, the rotated certificate file. */
function kubeletKubeconfig(server: string, caCertPem: string): string {
  return emitYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caCertPem).toString('base64'), server }, name: 'default-cluster' }],
    contexts: [{ context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' }, name: 'default-context' }],
    'current-context': 'default-context',
    kind: 'Config',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': KUBELET_CLIENT_CERT, 'client-key': KUBELET_CLIENT_CERT } }],
  });
}

export class NodeAgent {
  private readonly busy = new Set<string>();
  /** When a node whose bootstrap failed may be tried again. */
  private readonly retryAt = new Map<string, number>();
  /** The last byte of the address of each node the state does not list (joined by hand). */
  private readonly extra = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private scanning = false;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), SCAN_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async scan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const nodesDir = path.join(sandboxPaths(this.dir).root, 'nodes');
      const names = await fs.readdir(nodesDir).catch(() => [] as string[]);
      let state: SandboxState | undefined;
      for (const name of names) {
        if (this.busy.has(name) || (this.retryAt.get(name) ?? 0) > Date.now()) continue;
        const rootfs = path.join(nodesDir, name);
        // A Windows machine's kubelet files are kubeadm's Linux paths under its system drive.
        const host = new LocalHost((await kubeletLayout(rootfs)).root(rootfs));
        const [bootstrap, kubelet] = await Promise.all([host.stat(BOOTSTRAP_CONF), host.stat(KUBELET_CONF)]);
        if (!bootstrap || kubelet) continue;
        state ??= await readState(this.dir);
        if (!state) return;
        this.busy.add(name);
        void this.bootstrap(host, rootfs, name, state)
          .then(() => this.retryAt.delete(name))
          .catch((err) => {
            this.retryAt.set(name, Date.now() + RETRY_MS);
            this.log(`node ${name}: TLS bootstrap failed: ${(err as Error).message} (trying again in ${RETRY_MS / 1000}s)`);
          })
          .finally(() => this.busy.delete(name));
      }
    } finally {
      this.scanning = false;
    }
  }

  private async bootstrap(host: LocalHost, rootfs: string, dirName: string, state: SandboxState): Promise<void> {
    const text = (await host.readFile(BOOTSTRAP_CONF))?.toString('utf8');
    if (!text) return;
    const target = readKubeconfigTarget(text);
    const token = target.token;
    if (!target.caCertPem) throw new Error(`${BOOTSTRAP_CONF} has no certificate-authority-data`);
    const ca = target.caCertPem;
    const creds = token ? { ca, token } : { ca, cert: target.clientCertPem, key: target.clientKeyPem };
    const nodeName = await kubeletNodeName(host, dirName);
    const { csrPem, keyPem } = await nodeClientRequest(nodeName);
    const bootstrap = new KubeCluster(staticTransport(target.server, creds));
    const name = `node-csr-${nodeName}-${randomBytes(4).toString('hex')}`;
    const ref = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name };
    await bootstrap.create<CertificateSigningRequest>({
      ...ref,
      metadata: { name },
      spec: { request: Buffer.from(csrPem).toString('base64'), signerName: SIGNER, usages: ['digital signature', 'client auth'] },
    });
    const signed = await bootstrap.watchUntil<CertificateSigningRequest>(
      ref,
      (csr) => Boolean(csr?.status?.certificate) || Boolean(csr?.status?.conditions?.some((c) => c.type === 'Denied' || c.type === 'Failed')),
      SIGNING_TIMEOUT_MS,
    );
    const refused = signed?.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (!signed?.status?.certificate) throw new Error(`CSR ${name} was ${refused?.type ?? 'not signed'}: ${refused?.message ?? ''}`);
    const certPem = Buffer.from(signed.status.certificate, 'base64').toString('utf8');

    // The kubelet's files: a dated PEM (certificate, then key), the -current link to it, then kubelet.conf.
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const pemFile = path.posix.join(path.posix.dirname(KUBELET_CLIENT_CERT), `kubelet-client-${stamp}.pem`);
    await host.writeFileAtomic(pemFile, `${certPem.trimEnd()}\n${keyPem}`, SECRET_MODE);
    const link = host.resolve(KUBELET_CLIENT_CERT);
    await fs.rm(link, { force: true });
    await fs.symlink(path.basename(pemFile), link);
    await host.writeFileAtomic(KUBELET_CONF, kubeletKubeconfig(target.server, ca), SECRET_MODE);
    this.log(`node ${nodeName}: TLS bootstrap done with CSR ${name}`);

    const node = state.nodes.find((n) => n.name === dirName);
    if (node && !node.simulated) return;
    // Simulated nodes have their machine's address (.100 up); nodes joined by hand .254 down.
    if (!node && !this.extra.has(dirName)) this.extra.set(dirName, 254 - this.extra.size);
    const address = node ? workerAddress(state, node) : `10.251.${state.network.slot}.${this.extra.get(dirName)!}`;
    const asNode = new KubeCluster(staticTransport(target.server, { ca, cert: certPem, key: keyPem }));
    try {
      const windows = (await isWindowsMachine(rootfs)) ? await windowsNodeFacts(rootfs) : undefined;
      await asNode.create(registeredNode({ name: nodeName, address, kubeletVersion: state.kubernetesVersion, windows }));
      this.log(`node ${nodeName}: registered its Node (${address}) for kwok`);
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 409)) throw err;
    }
  }
}

/** A node's `curl`: the machine's curl run in the node's network namespace (its 127.0.0.1 is the node's). */
async function curlInNode(dir: string, node: string, args: string[]): Promise<SystemctlAnswer> {
  const netns = (await readState(dir))?.nodes.find((n) => n.name === node)?.network?.netns;
  if (!netns) return { code: 127, stream: 'err', text: 'curl: not found (the node has no network namespace)\n' };
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', netns, 'curl', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve(code === 0 ? { code, stream: 'out', text: stdout } : { code, stream: 'err', text: stderr || stdout });
    });
  });
}

/** The hidden `sandbox agent` command: runs until SIGTERM. */
export async function runAgent(dir: string): Promise<void> {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const agent = new NodeAgent(dir, log);
  const kubelets = new KubeletService(dir, log, Boolean((await readState(dir))?.freshMachines));
  const units = new RuntimeUnits(
    (node) => sandboxPaths(dir).nodeRoot(node),
    log,
    (node) => void kubelets.runtimeChanged(node),
  );
  const machines = new KubeletMachines((node) => sandboxPaths(dir).nodeRoot(node), units);
  kubelets.useMachines(machines);
  const windows = new WindowsServices(
    (node) => sandboxPaths(dir).nodeRoot(node),
    kubelets,
    log,
    (node) => void kubelets.runtimeChanged(node),
  );
  machines.useWindows(windows);
  const nodesDir = path.join(sandboxPaths(dir).root, 'nodes');
  const powershell = async (node: string, args: string[]) => {
    const sshd = (await readState(dir))?.processes.find((p) => p.name === `sshd/${node}`);
    const machine = { rootfs: sandboxPaths(dir).nodeRoot(node), services: windows.driver(node), tcpTable: () => namespaceTcpTable(sshd?.pid) };
    return powershellExe(machine, args);
  };
  const requests = new SystemctlServer(nodesDir, kubelets, log, (node, args) => curlInNode(dir, node, args), units, powershell);
  agent.start();
  const timers = [kubelets.startTimer(), setInterval(() => void requests.scan(), REQUEST_RESCAN_MS)];
  void requests.scan();
  log(`node agent for ${sandboxPaths(dir).root} started (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  agent.stop();
  for (const timer of timers) clearInterval(timer);
  requests.stop();
  kubelets.shutdown();
  log('node agent stopped');
}

export const AGENT_PROCESS = 'agent';

/** Starts the sandbox's node agent unless one runs; records it in the state so `down` stops it. */
export async function ensureAgent(dir: string, state: SandboxState): Promise<void> {
  if (state.processes.some((p) => p.name === AGENT_PROCESS && isRunning(p))) return;
  const paths = sandboxPaths(dir);
  const argv = [process.execPath, BOSUN_BIN, 'sandbox', 'agent', '--dir', paths.root];
  state.processes = [
    ...state.processes.filter((p) => p.name !== AGENT_PROCESS),
    startDetached(AGENT_PROCESS, argv, path.join(paths.logs(AGENT_PROCESS), 'agent.log')),
  ];
  await writeState(dir, state);
}
