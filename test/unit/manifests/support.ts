/** Shared by the manifest, preflight and kubeadm-comparison tests: configs, contexts and phase runs without the CLI. */
import { readFileSync } from 'node:fs';
import { defaultInitConfig } from '../../../src/config/defaults.js';
import type { InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import type { InitContext } from '../../../src/commands/init/context.js';
import { KeyPool } from '../../../src/pki/key-pool.js';
import { parseYamlDocuments } from '../../../src/util/yaml.js';
import type { EventSink } from '../../../src/workflow/events.js';
import type { Phase } from '../../../src/workflow/phase.js';
import { runWorkflow } from '../../../src/workflow/run.js';
export { collectingIO } from '../../support/workflow.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/**
 * A config as the resolver would produce it for a test's v1beta4 documents: the defaults with the documents
 * merged over them (objects field by field, lists replaced); an external etcd replaces the local one.
 * The KubeletConfiguration is the user's document alone: kubeadm's kubelet defaults depend on the cluster
 * (certificatesDir, dnsDomain, serviceSubnet) and are applied by `clusterKubeletConfiguration`.
 */
export function configFrom(yamlText: string): InitConfig {
  const cfg = defaultInitConfig();
  cfg.kubelet = { apiVersion: cfg.kubelet.apiVersion, kind: cfg.kubelet.kind };
  for (const doc of parseYamlDocuments(yamlText) as Obj[]) {
    const { apiVersion: _a, kind, ...fields } = doc;
    if (kind === 'InitConfiguration') cfg.init = merge(cfg.init, fields) as InitConfig['init'];
    if (kind === 'ClusterConfiguration') {
      cfg.cluster = merge(cfg.cluster, fields) as InitConfig['cluster'];
      if (cfg.cluster.etcd.external) delete cfg.cluster.etcd.local;
    }
    if (kind === 'KubeletConfiguration') cfg.kubelet = merge(cfg.kubelet, fields) as InitConfig['kubelet'];
  }
  return cfg;
}

export function configFromFile(file: string): InitConfig {
  return configFrom(readFileSync(file, 'utf8'));
}

/** A basic resolved config: advertise 192.0.2.10, node cp-1, the given Kubernetes version. */
export function testConfig(kubernetesVersion = 'v1.37.1'): InitConfig {
  const cfg = defaultInitConfig();
  cfg.init.localAPIEndpoint.advertiseAddress = '192.0.2.10';
  cfg.init.nodeRegistration.name = 'cp-1';
  cfg.cluster.kubernetesVersion = kubernetesVersion;
  return cfg;
}

export function testContext(cfg: InitConfig, host: Host, ignorePreflightErrors: string[] = []): InitContext {
  return {
    cfg,
    host,
    options: {
      ignorePreflightErrors: new Set(ignorePreflightErrors.map((s) => s.toLowerCase())),
      uploadCerts: false,
      skipTokenPrint: false,
      skipCertificateKeyPrint: false,
      kubeconfigPath: '/etc/kubernetes/admin.conf',
    },
    keys: new KeyPool(),
    cluster: () => Promise.reject(new Error('no cluster in this test')),
  };
}

/** Runs a phase and its children through the engine, as `bosun init phase <name>` would; progress goes to `io`. */
export async function runPhase<C>(phase: Phase<C>, ctx: C, io: { sink: EventSink }): Promise<void> {
  await runWorkflow([phase], ctx, { sink: io.sink });
}
