/** STUB until src/runtime/endpoints.ts lands from the runtime work (signatures from the shared names). */
export const CONTAINERD_ENDPOINT = 'unix:///run/containerd/containerd.sock';
export const CRI_DOCKERD_ENDPOINT = 'unix:///var/run/cri-dockerd.sock';
export const DOCKERSHIM_ENDPOINT = 'unix:///var/run/dockershim.sock';
export const CRIO_ENDPOINT = 'unix:///var/run/crio/crio.sock';
export type RuntimeName = 'containerd' | 'docker' | 'crio';
export type CgroupDriver = 'systemd' | 'cgroupfs';

const SOCKETS: Record<string, RuntimeName | 'dockershim'> = {
  'containerd/containerd.sock': 'containerd',
  'cri-dockerd.sock': 'docker',
  'dockershim.sock': 'dockershim',
  'crio/crio.sock': 'crio',
};

export function runtimeOfEndpoint(endpoint: string): RuntimeName | 'dockershim' | undefined {
  const path = endpoint.replace(/^unix:\/\//, '');
  const m = /^\/(?:var\/)?run\/(.+)$/.exec(path);
  return m ? SOCKETS[m[1]] : undefined;
}
