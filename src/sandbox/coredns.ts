/**
 * The sandbox's CoreDNS: the real binary, run as Deployment kube-system/coredns's pod would run, against the
 * sandbox's real API server. What the pod would get from the kubelet it gets from the cluster: its Corefile from
 * the ConfigMap key its config volume maps to the `-conf` file (so a roll's `Corefile-backup` works), a token
 * for its ServiceAccount (TokenRequest) with the cluster's kube-root-ca.crt, KUBERNETES_SERVICE_HOST/PORT, and the
 * kube-dns Service's ClusterIP as its address (kube-proxy's part). The binary is the release the Deployment's
 * image names, unless a version is asked for.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import { clusterFromKubeconfig } from '../cluster/connect.js';
import { COREDNS } from '../addons/coredns.js';
import type { Deployment, Service } from '../addons/workloads.js';
import type { ConfigMap } from '../kube/objects.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { UserError } from '../errors.js';
import { kubernetesArtifact, locateBinary } from './binaries.js';
import { coreDNSArtifact } from './coredns-binaries.js';
import { startDnsPod, type DnsPod, type DnsPodSpec, type ServiceAccountFiles } from './dns-pod.js';
import { run } from './exec.js';
import { ADMIN_CONF, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';
import { imageComponent } from './static-pod.js';
import { requireState } from './state.js';

export interface CoreDNSOptions {
  /** The sandbox directory. */
  dir: string;
  /** The pod's /etc/resolv.conf (where `forward . /etc/resolv.conf` goes). */
  resolvConf: string;
  /** The CoreDNS release to run (v1.X.Y); default: the Deployment's image tag. */
  version?: string;
}

export interface SandboxCoreDNS extends DnsPod {
  version: string;
  /** The ConfigMap key the pod read its Corefile from. */
  corefileKey: string;
}

const ref = (apiVersion: string, kind: string, name: string, namespace = COREDNS.namespace) => ({ apiVersion, kind, name, namespace });

/** The ConfigMap files the pod's config volume holds (path in the volume → content), and which one is the Corefile. */
async function configFiles(deployment: Deployment, configMap: (name: string) => Promise<ConfigMap>) {
  const spec = deployment.spec.template.spec;
  const container = spec.containers.find((c) => c.name === COREDNS.name) ?? spec.containers[0];
  const args = container.args ?? [];
  const conf = args[args.indexOf('-conf') + 1];
  const where = `Deployment ${COREDNS.namespace}/${COREDNS.name} container ${container.name}`;
  if (!args.includes('-conf') || !conf) throw new UserError(`${where}: no "-conf FILE" argument`);
  const mount = container.volumeMounts?.find((m) => m.mountPath.replace(/\/$/, '') === path.posix.dirname(conf));
  const volume = spec.volumes?.find((v) => v.name === mount?.name);
  if (!volume || !('configMap' in volume)) throw new UserError(`${where}: -conf ${conf} is on no ConfigMap volume`);
  const file = path.posix.basename(conf);
  const data = (await configMap(volume.configMap.name)).data ?? {};
  const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  const files = Object.fromEntries(items.filter((i) => data[i.key] !== undefined).map((i) => [i.path, data[i.key]]));
  const key = items.find((i) => i.path === file)?.key;
  if (!key || files[file] === undefined) throw new UserError(`ConfigMap ${COREDNS.namespace}/${volume.configMap.name}: no key for ${conf}`);
  return { files, corefile: file, key, image: container.image, serviceAccount: spec.serviceAccountName ?? 'default' };
}

/** What the kubelet projects for a ServiceAccount: a bound token (TokenRequest, through kubectl) and the cluster CA. */
async function serviceAccountFiles(cluster: Cluster, kubectl: string, kubeconfig: string, name: string): Promise<ServiceAccountFiles> {
  const ca = await cluster.watchUntil<ConfigMap>(ref('v1', 'ConfigMap', 'kube-root-ca.crt'), (cm) => cm?.data?.['ca.crt'] !== undefined, 120_000);
  // A day, where a kubelet refreshes an hour's token: no one refreshes this one while `sandbox dns` runs.
  const token = await run(kubectl, ['--kubeconfig', kubeconfig, 'create', 'token', name, '--namespace', COREDNS.namespace, '--duration', '24h']);
  return { token: token.trim(), caCrt: ca!.data['ca.crt'], namespace: COREDNS.namespace };
}

/** Starts CoreDNS as the sandbox's kube-system/coredns pod and waits until it is ready (/ready on 8181). */
export async function startCoreDNS(opts: CoreDNSOptions): Promise<SandboxCoreDNS> {
  const state = await requireState(opts.dir);
  const kubeconfig = path.join(sandboxPaths(opts.dir).nodeRoot(CONTROL_PLANE_NODE), ADMIN_CONF);
  const text = await fs.readFile(kubeconfig, 'utf8');
  const cluster = await clusterFromKubeconfig(text, { source: kubeconfig });
  const get = async <T extends ConfigMap | Deployment | Service>(apiVersion: string, kind: string, name: string): Promise<T> => {
    const obj = await cluster.get<T>(ref(apiVersion, kind, name));
    if (!obj) throw new UserError(`the sandbox has no ${kind} ${COREDNS.namespace}/${name}: apply CoreDNS's objects first`);
    return obj;
  };
  const deployment = await get<Deployment>('apps/v1', 'Deployment', COREDNS.name);
  const config = await configFiles(deployment, (name) => get<ConfigMap>('v1', 'ConfigMap', name));
  const service = await get<Service>('v1', 'Service', COREDNS.service);
  const version = opts.version ?? imageComponent(config.image).tag;
  const binary = await locateBinary(coreDNSArtifact(version), 'coredns', state.binDir);
  if (!binary)
    throw new UserError(`CoreDNS ${version} is not built; run "bosun sandbox binaries" (it builds the CoreDNS each pinned Kubernetes release names)`);
  const kubectl = await locateBinary(kubernetesArtifact(state.kubernetesVersion), 'kubectl', state.binDir);
  if (!kubectl) throw new UserError(`kubectl ${state.kubernetesVersion} is not built; run "bosun sandbox binaries --version ${state.kubernetesVersion}"`);
  const api = new URL(readKubeconfigTarget(text).server);
  const spec: DnsPodSpec = {
    binary,
    files: config.files,
    corefile: config.corefile,
    serviceIP: service.spec.clusterIP,
    resolvConf: opts.resolvConf,
    serviceAccount: await serviceAccountFiles(cluster, kubectl, kubeconfig, config.serviceAccount),
    env: { KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port || '443' },
  };
  const pod = await startDnsPod(opts.dir, spec);
  return { ...pod, version, corefileKey: config.key };
}

/** `bosun sandbox dns`: the coredns pod until SIGTERM or Ctrl-C, its pod's resolv.conf a copy of the file `resolvConf`. */
export async function runCoreDNS(opts: { dir: string; resolvConf: string; version?: string }): Promise<void> {
  const resolvConf = await fs.readFile(opts.resolvConf, 'utf8').catch((err: Error) => {
    throw new UserError(`--resolv-conf ${opts.resolvConf}: ${err.message}`);
  });
  const coredns = await startCoreDNS({ dir: opts.dir, resolvConf, version: opts.version });
  process.stdout.write(
    `CoreDNS ${coredns.version} answers on ${coredns.ip} (pod ${coredns.podIP}), Corefile from ConfigMap key ${coredns.corefileKey}; ` +
      'a changed ConfigMap takes effect when it is started again. Ctrl-C stops it.\n',
  );
  // Watching CoreDNS also keeps Node's event loop alive: signal listeners alone do not.
  let watch: NodeJS.Timeout | undefined;
  const exited = await new Promise<boolean>((resolve) => {
    watch = setInterval(() => coredns.running() || resolve(true), 1_000);
    process.once('SIGTERM', () => resolve(false));
    process.once('SIGINT', () => resolve(false));
  });
  clearInterval(watch);
  const log = exited ? await coredns.logTail() : '';
  await coredns.stop();
  if (exited) throw new UserError(`CoreDNS exited:\n${log}`);
}
