/** The host paths each control-plane component mounts, as kubeadm chooses them. */
import path from 'node:path/posix';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import type { ClusterConfiguration, ExternalEtcd } from '../config/types.js';
import type { HostMount } from './pod.js';

export type ControlPlaneComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

const CA_CERTS = { name: 'ca-certs', path: '/etc/ssl/certs' } as const;

/**
 * System CA bundles the API server and controller-manager mount when the node has them
 * (the phase asks the Host which exist; the volume is named after the path: `etc-pki-ca-trust`).
 */
export const OPTIONAL_CA_DIRS = [
  '/etc/pki/ca-trust',
  '/etc/pki/tls/certs',
  '/etc/ca-certificates',
  '/usr/share/ca-certificates',
  '/usr/local/share/ca-certificates',
] as const;

const readOnlyDir = (name: string, dir: string): HostMount => ({
  name,
  hostPath: dir,
  mountPath: dir,
  readOnly: true,
  pathType: 'DirectoryOrCreate',
});

const kubeconfigFile = (file: string): HostMount => ({
  name: 'kubeconfig',
  hostPath: file,
  mountPath: file,
  readOnly: true,
  pathType: 'FileOrCreate',
});

const isWithin = (dir: string, ancestor: string) => dir === ancestor || dir.startsWith(`${ancestor}/`);

/**
 * Directories holding the external etcd client files that no other volume covers, outermost only,
 * mounted read-only as `etcd-certs-<n>` in sorted order.
 */
export function externalEtcdCertMounts(etcd: ExternalEtcd, certificatesDir: string): HostMount[] {
  const covered = [CA_CERTS.path, certificatesDir, ...OPTIONAL_CA_DIRS];
  const dirs = [etcd.caFile, etcd.certFile, etcd.keyFile]
    .filter((file): file is string => Boolean(file))
    .map((file) => path.dirname(file))
    .filter((dir) => dir !== '.' && !covered.some((c) => isWithin(dir, c)));
  const outermost = [...new Set(dirs)].filter((dir) => !dirs.some((other) => other !== dir && isWithin(dir, other)));
  return outermost.sort().map((dir, i) => readOnlyDir(`etcd-certs-${i}`, dir));
}

function fromConfig(extra: ClusterConfiguration['apiServer']['extraVolumes']): HostMount[] {
  return (extra ?? []).map((v) => ({
    name: v.name,
    hostPath: v.hostPath,
    mountPath: v.mountPath,
    readOnly: Boolean(v.readOnly),
    pathType: v.pathType ?? '',
  }));
}

/** Later mounts replace earlier ones of the same name (a config's extraVolume can replace a default one). */
function byName(mounts: HostMount[]): HostMount[] {
  return [...new Map(mounts.map((m) => [m.name, m])).values()];
}

/**
 * Every component's host-path mounts: certificates and CA bundles, kubeconfigs, external etcd
 * client files, then the config's extraVolumes. `presentCADirs` are those of OPTIONAL_CA_DIRS the node has.
 */
export function controlPlaneMounts(cluster: ClusterConfiguration, presentCADirs: readonly string[]): Record<ControlPlaneComponent, HostMount[]> {
  const certs = readOnlyDir('k8s-certs', cluster.certificatesDir);
  const caCerts = readOnlyDir(CA_CERTS.name, CA_CERTS.path);
  const optionalCAs = OPTIONAL_CA_DIRS.filter((dir) => presentCADirs.includes(dir)).map((dir) => readOnlyDir(dir.slice(1).replaceAll('/', '-'), dir));
  const etcdCerts = cluster.etcd.external ? externalEtcdCertMounts(cluster.etcd.external, cluster.certificatesDir) : [];
  return {
    'kube-apiserver': byName([certs, caCerts, ...etcdCerts, ...optionalCAs, ...fromConfig(cluster.apiServer.extraVolumes)]),
    'kube-controller-manager': byName([
      certs,
      caCerts,
      kubeconfigFile(path.join(KUBERNETES_DIR, KUBECONFIG_FILES.controllerManager)),
      ...optionalCAs,
      ...fromConfig(cluster.controllerManager.extraVolumes),
    ]),
    'kube-scheduler': byName([kubeconfigFile(path.join(KUBERNETES_DIR, KUBECONFIG_FILES.scheduler)), ...fromConfig(cluster.scheduler.extraVolumes)]),
  };
}
