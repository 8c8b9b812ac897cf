/** Shared by the upgrade unit tests: a cluster's state from an init config, a node on disk, a fake kubelet. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeProxyConfigMap } from '../../../src/addons/kube-proxy.js';
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError, TIMEOUT } from '../../../src/cluster/errors.js';
import { defaultInitConfig } from '../../../src/config/defaults.js';
import type { InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION as ADVERTISE_ADDRESS_ANNOTATION } from '../../../src/kube/labels.js';
import { emitYaml } from '../../../src/util/yaml.js';
import type { ClusterState } from '../../../src/commands/upgrade/cluster-state.js';
import type { UpgradeOptions } from '../../../src/commands/upgrade/context.js';

export const NODE = 'cp-1';
export const ADVERTISE = '192.0.2.10';

export function initConfig(version = 'v1.36.3', edit?: (cfg: InitConfig) => void): InitConfig {
  const cfg = defaultInitConfig();
  cfg.init.nodeRegistration.name = NODE;
  cfg.init.localAPIEndpoint.advertiseAddress = ADVERTISE;
  cfg.cluster.kubernetesVersion = version;
  cfg.cluster.encryptionAlgorithm = 'ECDSA-P256';
  edit?.(cfg);
  return cfg;
}

/** What the API would hold after `bosun init` with `cfg`: one control-plane node and `workers` workers. */
export function stateOf(cfg: InitConfig, opts: { workers?: string[]; kubelet?: string; apiServer?: string } = {}): ClusterState {
  const version = cfg.cluster.kubernetesVersion;
  const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
  return {
    apiServerVersion: opts.apiServer ?? version,
    configTexts: {
      cluster: emitYaml(cfg.cluster),
      kubelet: emitYaml(cfg.kubelet),
      kubeProxy: kubeProxyConfigMap(cfg.kubeProxy, `https://${ADVERTISE}:6443`).data['config.conf'],
    },
    staticPods: components.map((component) => ({
      component,
      node: NODE,
      image: `registry.k8s.io/${component}:${component === 'etcd' ? '3.6.8-0' : version}`,
      version: component === 'etcd' ? '3.6.8-0' : version,
      ready: true,
    })),
    nodes: [NODE, ...(opts.workers ?? [])].map((name, i) => ({
      name,
      controlPlane: i === 0,
      kubeletVersion: opts.kubelet ?? version,
      ready: true,
      unschedulable: false,
    })),
    coreDNS: { image: 'registry.k8s.io/coredns/coredns:v1.14.2', version: 'v1.14.2' },
    kubeProxy: { image: `registry.k8s.io/kube-proxy:${version}`, version },
  };
}

const roots: string[] = [];

/** A node in a temporary directory; `removeTempHosts` (afterAll) deletes them. */
export async function tempHost(): Promise<LocalHost> {
  const root = await mkdtemp(path.join(tmpdir(), 'bosun-upgrade-'));
  roots.push(root);
  return new LocalHost(root);
}

export async function removeTempHosts(): Promise<void> {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

export function options(edit: Partial<UpgradeOptions> = {}): UpgradeOptions {
  return {
    overrides: new Set(),
    ignorePreflightErrors: new Set(),
    certificateRenewal: false,
    etcdUpgrade: true,
    timeoutMs: 1_000,
    kubeconfigPath: '/etc/kubernetes/admin.conf',
    ...edit,
  };
}

/** The kube-apiserver manifest's annotation naming this node's endpoint, as init writes it. */
export const endpointAnnotation = { [ADVERTISE_ADDRESS_ANNOTATION]: `${ADVERTISE}:6443` };

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * A kubelet stand-in behind a Cluster: each component's mirror Pod carries the hash of the manifest on the node
 * now, and is Ready unless `healthy(component, manifest)` says otherwise. Waits look once: a condition not met
 * is a timeout at once. Writes are recorded.
 */
export class FakeKubelet implements Partial<Cluster> {
  readonly applied: KubeObject[] = [];

  constructor(
    private readonly host: Host,
    private readonly healthy: (component: string, manifest: string) => boolean = () => true,
  ) {}

  private async mirrorPod(name: string): Promise<KubeObject | undefined> {
    const component = name.slice(0, -(NODE.length + 1));
    const text = (await this.host.readFile(`/etc/kubernetes/manifests/${component}.yaml`))?.toString('utf8');
    if (text === undefined) return undefined;
    const ready = this.healthy(component, text);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'kube-system', annotations: { 'kubernetes.io/config.hash': hashOf(text) } },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    };
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return (ref.kind === 'Pod' ? await this.mirrorPod(ref.name) : undefined) as T | undefined;
  }

  async watchUntil<T extends KubeObject>(ref: ObjectRef, predicate: (obj: T | undefined) => boolean): Promise<T | undefined> {
    const obj = await this.get<T>(ref);
    if (predicate(obj)) return obj;
    throw new ClusterError('wait for', `${ref.kind} ${ref.namespace}/${ref.name}`, TIMEOUT, 'condition not met');
  }

  async raw(): Promise<{ status: number; body: string }> {
    return { status: 200, body: 'ok' };
  }

  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this.applied.push(obj);
    return obj;
  }

  asCluster(): Cluster {
    return this as unknown as Cluster;
  }
}
