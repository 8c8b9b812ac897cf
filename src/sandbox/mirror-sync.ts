import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KUBECONFIG_FILES, KUBELET_CLIENT_CERT, KUBERNETES_DIR, SECRET_MODE } from '../kube/paths.js';
import type { KubeObject } from '../cluster/cluster.js';
import { LocalHost } from '../host/local.js';
import { MIRROR_ANNOTATION } from '../kube/labels.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { mirrorPod, mirrorPodStatus, registeredNode, type NodeFacts, type PodReport } from './mirror.js';
import { nodeApi, NodeApiError, type NodeApi } from './node-api.js';

const KUBELET_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`;

/**
 * The kubelet's side of the API for one node: once kubelet.conf exists and the API answers, it registers
 * the Node and keeps one mirror Pod per static pod (created, replaced when the manifest changes, deleted
 * when it goes) with the status the runner sees.
 */
export class MirrorSync {
  private api?: NodeApi;
  private kubeconfigHash?: string;
  private nodeUid?: string;
  /** Last status written per mirror Pod, so an unchanged status is not written again. */
  private written = new Map<string, string>();
  /** Per mirror Pod and condition: its status and since when. */
  private transitions = new Map<string, { status: string; time: string }>();
  private lastError?: string;

  constructor(
    private readonly rootfs: string,
    private readonly node: NodeFacts,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * One pass; failures (API still starting, kubelet.conf rewritten) are logged once and retried on the next.
   * Returns whether the API is in sync.
   */
  async sync(reports: PodReport[]): Promise<boolean> {
    try {
      const api = await this.connect();
      if (!api) return true;
      this.nodeUid ??= await this.registerNode(api);
      await this.syncPods(api, reports);
      if (this.lastError) this.log(`mirror pods: in sync again with ${api.server}`);
      this.lastError = undefined;
      return true;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.log(`mirror pods: ${message} (retrying)`);
      this.lastError = message;
      // The Node may have been deleted: look it up again next time.
      if (err instanceof NodeApiError) this.nodeUid = undefined;
      return false;
    }
  }

  /** A client with the kubelet's identity, rebuilt whenever kubelet.conf changes. */
  private async connect(): Promise<NodeApi | undefined> {
    const host = new LocalHost(this.rootfs);
    const conf = await host.readFile(KUBELET_CONF);
    if (!conf) return undefined;
    const hash = createHash('sha256').update(conf).digest('hex');
    if (hash !== this.kubeconfigHash) {
      await this.storeClientCertificate(host, conf.toString('utf8'));
      this.api = await nodeApi(this.rootfs, KUBELET_CONF);
      this.kubeconfigHash = hash;
      this.nodeUid = undefined;
      this.written.clear();
      this.log(`mirror pods: using ${KUBELET_CONF} (${this.api.server})`);
    }
    return this.api;
  }

  /**
   * A kubelet whose kubeconfig embeds its client certificate stores it as kubelet-client-current.pem
   * (certificate rotation starts from it); kubeadm's kubelet-finalize phase then points kubelet.conf at it.
   */
  private async storeClientCertificate(host: LocalHost, kubeconfig: string): Promise<void> {
    const { clientCertPem: cert, clientKeyPem: key } = readKubeconfigTarget(kubeconfig);
    if (!cert || !key || (await host.stat(KUBELET_CLIENT_CERT))) return;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const file = path.posix.join(path.posix.dirname(KUBELET_CLIENT_CERT), `kubelet-client-${stamp}.pem`);
    const pem = Buffer.concat([Buffer.from(cert), Buffer.from(key)]);
    await host.writeFileAtomic(file, pem, SECRET_MODE);
    await fs.symlink(path.basename(file), host.resolve(KUBELET_CLIENT_CERT));
  }

  private async registerNode(api: NodeApi): Promise<string> {
    const existing = await api.get(`/api/v1/nodes/${this.node.name}`);
    if (existing?.metadata.uid) return existing.metadata.uid;
    const created = await api.create('/api/v1/nodes', registeredNode(this.node));
    this.log(`registered Node ${this.node.name}`);
    return created.metadata.uid!;
  }

  private async syncPods(api: NodeApi, reports: PodReport[]): Promise<void> {
    const onNode = await api.list(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.node.name}`)}`);
    const mirrors = onNode.filter((p) => p.metadata.annotations?.[MIRROR_ANNOTATION]);
    const wanted = new Set<string>();
    for (const report of reports) {
      if (!report.pod) continue;
      const desired = mirrorPod(report, { name: this.node.name, uid: this.nodeUid! });
      const { name, namespace } = desired.metadata;
      const key = `${namespace}/${name}`;
      wanted.add(key);
      const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;
      let current: KubeObject | undefined = mirrors.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
      if (current && (current.metadata.annotations?.[MIRROR_ANNOTATION] !== report.hash || current.metadata.deletionTimestamp)) {
        await api.delete(podPath);
        current = undefined;
      }
      if (!current) {
        await api.create(`/api/v1/namespaces/${namespace}/pods`, desired);
        this.written.delete(key);
        this.log(`created mirror Pod ${key}`);
      }
      const status = mirrorPodStatus(report, this.node.address, (type, value) => this.since(key, type, value));
      const text = JSON.stringify(status);
      if (this.written.get(key) !== text) {
        await api.mergePatch(`${podPath}/status`, { status });
        this.written.set(key, text);
      }
    }
    for (const pod of mirrors) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (wanted.has(key)) continue;
      await api.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
      this.written.delete(key);
      this.log(`deleted mirror Pod ${key}`);
    }
  }

  private since(pod: string, type: string, status: string): string {
    const key = `${pod}/${type}`;
    const seen = this.transitions.get(key);
    if (seen?.status === status) return seen.time;
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.transitions.set(key, { status, time });
    return time;
  }
}
