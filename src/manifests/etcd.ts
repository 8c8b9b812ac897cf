/** The local etcd member's static Pod, as kubeadm writes it. */
import path from 'node:path/posix';
import type { APIEndpoint, Arg, ClusterConfiguration, LocalEtcd } from '../config/types.js';
import { joinHostPort, loopbackFor } from './address.js';
import { argValue, argsToCommand, mergeEnv, setArg } from './args.js';
import { etcdImage } from './images.js';
import { ETCD_CLIENT_PORT, ETCD_METRICS_PORT, ETCD_PEER_PORT } from './ports.js';
import {
  livenessProbe,
  probePort,
  readinessProbe,
  staticPod,
  startupProbe,
  volumeMount,
  volumesOf,
  type HTTPGetAction,
  type HostMount,
  type Pod,
} from './pod.js';
import { ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION } from '../kube/labels.js';

export interface EtcdMember {
  name: string;
  peerURL: string;
}

export interface EtcdInput {
  cluster: ClusterConfiguration & { etcd: { local: LocalEtcd } };
  endpoint: Required<APIEndpoint>;
  nodeName: string;
  /** Members of the cluster this one joins (including itself); empty or absent for a new cluster. */
  members?: EtcdMember[];
  healthCheckTimeoutSeconds: number;
}

export function etcdClientURL(endpoint: Required<APIEndpoint>): string {
  return `https://${joinHostPort(endpoint.advertiseAddress, ETCD_CLIENT_PORT)}`;
}

export function etcdPeerURL(endpoint: Required<APIEndpoint>): string {
  return `https://${joinHostPort(endpoint.advertiseAddress, ETCD_PEER_PORT)}`;
}

/**
 * Where the kubelet probes etcd: the first `listen-metrics-urls` extra arg if given
 * (its scheme, host and port; the loopback and 2381 where it leaves them out), else plain HTTP on loopback:2381.
 */
function metricsEndpoint(local: LocalEtcd, loopback: string): { host: string; port: number; scheme: HTTPGetAction['scheme'] } {
  const fallback = { host: loopback, port: ETCD_METRICS_PORT, scheme: 'HTTP' as const };
  const urls = argValue(local.extraArgs, 'listen-metrics-urls');
  if (urls === undefined) return fallback;
  const match = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/i.exec(urls.split(',')[0]);
  if (!match) return fallback;
  const [, scheme, host, port] = match;
  return {
    host: host.replace(/^\[(.*)\]$/, '$1') || loopback,
    port: port ? Number(port) : ETCD_METRICS_PORT,
    scheme: scheme.toLowerCase() === 'https' ? 'HTTPS' : 'HTTP',
  };
}

function etcdArgs(input: EtcdInput): Arg[] {
  const { cluster, endpoint, nodeName } = input;
  const local = cluster.etcd.local;
  const pki = (file: string) => path.join(cluster.certificatesDir, file);
  const loopback = loopbackFor(endpoint.advertiseAddress);
  let args: Arg[] = [
    { name: 'name', value: nodeName },
    { name: 'listen-client-urls', value: `https://${joinHostPort(loopback, ETCD_CLIENT_PORT)},${etcdClientURL(endpoint)}` },
    { name: 'advertise-client-urls', value: etcdClientURL(endpoint) },
    { name: 'listen-peer-urls', value: etcdPeerURL(endpoint) },
    { name: 'initial-advertise-peer-urls', value: etcdPeerURL(endpoint) },
    { name: 'data-dir', value: local.dataDir },
    { name: 'cert-file', value: pki('etcd/server.crt') },
    { name: 'key-file', value: pki('etcd/server.key') },
    { name: 'trusted-ca-file', value: pki('etcd/ca.crt') },
    { name: 'client-cert-auth', value: 'true' },
    { name: 'peer-cert-file', value: pki('etcd/peer.crt') },
    { name: 'peer-key-file', value: pki('etcd/peer.key') },
    { name: 'peer-trusted-ca-file', value: pki('etcd/ca.crt') },
    { name: 'peer-client-cert-auth', value: 'true' },
    { name: 'snapshot-count', value: '10000' },
    { name: 'listen-metrics-urls', value: `http://${joinHostPort(loopback, ETCD_METRICS_PORT)}` },
    { name: 'feature-gates', value: 'InitialCorruptCheck=true' },
    { name: 'watch-progress-notify-interval', value: '5s' },
  ];
  const members = input.members ?? [];
  if (members.length === 0) {
    args = setArg(args, 'initial-cluster', `${nodeName}=${etcdPeerURL(endpoint)}`);
  } else {
    args = setArg(args, 'initial-cluster', members.map((m) => `${m.name}=${m.peerURL}`).join(','));
    args = setArg(args, 'initial-cluster-state', 'existing');
  }
  return args;
}

export function localEtcdPod(input: EtcdInput): Pod {
  const { cluster, endpoint } = input;
  const local = cluster.etcd.local;
  const certsDir = path.join(cluster.certificatesDir, 'etcd');
  const mounts: HostMount[] = [
    { name: 'etcd-data', hostPath: local.dataDir, mountPath: local.dataDir, readOnly: false, pathType: 'DirectoryOrCreate' },
    { name: 'etcd-certs', hostPath: certsDir, mountPath: certsDir, readOnly: false, pathType: 'DirectoryOrCreate' },
  ];
  const metrics = metricsEndpoint(local, loopbackFor(endpoint.advertiseAddress));
  return staticPod(
    {
      command: ['etcd', ...argsToCommand(etcdArgs(input), local.extraArgs)],
      env: mergeEnv(local.extraEnvs),
      image: etcdImage(cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(metrics.host, '/livez', metrics.scheme),
      name: 'etcd',
      ports: [probePort(metrics.port)],
      readinessProbe: readinessProbe(metrics.host, '/readyz', metrics.scheme),
      resources: { requests: { cpu: '100m', memory: '100Mi' } },
      startupProbe: startupProbe(metrics.host, '/readyz', metrics.scheme, input.healthCheckTimeoutSeconds),
      // kubeadm lists etcd's mounts data first (unsorted), its volumes sorted.
      volumeMounts: mounts.map((m) => volumeMount(m.name, m.mountPath, m.readOnly)),
    },
    volumesOf(mounts),
    { [ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION]: etcdClientURL(endpoint) },
  );
}
