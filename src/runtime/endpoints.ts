/** CRI endpoints as kubeadm and the kubelet know them, and which runtime each one is. */

export type RuntimeName = 'containerd' | 'docker' | 'crio';
export type CgroupDriver = 'systemd' | 'cgroupfs';

export const CONTAINERD_ENDPOINT = 'unix:///run/containerd/containerd.sock';
/** cri-dockerd: Docker behind the CRI since the kubelet dropped dockershim (1.24). */
export const CRI_DOCKERD_ENDPOINT = 'unix:///var/run/cri-dockerd.sock';
/** The kubelet's built-in Docker support, removed in 1.24: a node still on it must move before any upgrade. */
export const DOCKERSHIM_ENDPOINT = 'unix:///var/run/dockershim.sock';
export const CRIO_ENDPOINT = 'unix:///var/run/crio/crio.sock';

/** Socket paths by what they select; `/var/run` is a link to `/run` on every systemd distribution. */
const SOCKETS: ReadonlyArray<[path: string, runtime: RuntimeName | 'dockershim']> = [
  ['/run/containerd/containerd.sock', 'containerd'],
  ['/run/cri-dockerd.sock', 'docker'],
  ['/run/dockershim.sock', 'dockershim'],
  ['/run/crio/crio.sock', 'crio'],
];

/**
 * The runtime an endpoint selects, written as kubeadm and the kubelet accept it: with or without `unix://`, under
 * `/run` or `/var/run`. Undefined for anything else (a TCP endpoint, a Windows pipe, another socket).
 */
export function runtimeOfEndpoint(endpoint: string): RuntimeName | 'dockershim' | undefined {
  const socket = endpoint
    .trim()
    .replace(/^unix:\/\//, '')
    .replace(/^\/var\/run\//, '/run/');
  return SOCKETS.find(([path]) => path === socket)?.[1];
}
