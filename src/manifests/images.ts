/** Image names of the control-plane components, as kubeadm chooses them for a Kubernetes version. */
import type { ClusterConfiguration } from '../config/types.js';
import { forMinor } from '../versions/by-minor.js';

/**
 * The etcd image tag each kubeadm release uses for its own Kubernetes minor (`constants.SupportedEtcdVersion`):
 * kubeadm v1.36.3 -> 3.6.8-0, kubeadm v1.37.1 -> 3.7.0-0. Other minors get the nearest known one, as kubeadm does.
 */
export const ETCD_IMAGE_TAGS: Readonly<Record<number, string>> = { 36: '3.6.8-0', 37: '3.7.0-0' };

/** `v1.37.1+build` -> `v1.37.1_build`: image tags cannot hold `+`. */
function imageTag(kubernetesVersion: string): string {
  return kubernetesVersion.replaceAll('+', '_');
}

export function kubernetesImage(component: string, cluster: ClusterConfiguration): string {
  return `${cluster.imageRepository}/${component}:${imageTag(cluster.kubernetesVersion)}`;
}

export function etcdImageTag(kubernetesVersion: string): string {
  return forMinor(ETCD_IMAGE_TAGS, kubernetesVersion);
}

export function etcdImage(cluster: ClusterConfiguration): string {
  const local = cluster.etcd.local;
  const repository = local?.imageRepository || cluster.imageRepository;
  return `${repository}/etcd:${local?.imageTag || etcdImageTag(cluster.kubernetesVersion)}`;
}

/** `registry.k8s.io/kube-apiserver:v1.37.1` -> `v1.37.1` (a digest is ignored; no tag reads as `latest`). */
export function imageTagOf(image: string): string {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : 'latest';
}
