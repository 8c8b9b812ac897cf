/**
 * What `sandbox up --runtime docker[=node,…]` adds: which nodes are Docker nodes, their kubelet pointed at
 * cri-dockerd as `kubeadm join --cri-socket` points it, and a workload that mounts Docker's socket, as Docker-era
 * clusters had (a log agent), for `migrate report` to find.
 */
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { LocalHost } from '../host/local.js';
import { instanceConfiguration, KUBELET_FILE_MODE, KUBELET_INSTANCE_CONFIG_FILE } from '../kubelet/config.js';
import { KUBELET_CONFIG_FILE } from '../kube/paths.js';
import { emitYaml, parseYaml } from '../util/yaml.js';
import { CRI_DOCKERD_ENDPOINT } from '../runtime/endpoints.js';
import { parseRuntimeFlag } from './node-runtime.js';
import type { SandboxNode } from './state.js';

/** Sets each new node's runtime from `--runtime` (nodes an earlier `up` made keep theirs). */
export function assignRuntimes(nodes: SandboxNode[], flags: string[] | undefined): void {
  const chosen = parseRuntimeFlag(
    flags ?? [],
    nodes.map((n) => n.name),
  );
  for (const node of nodes) if (chosen.has(node.name)) node.runtime = chosen.get(node.name);
}

/**
 * A simulated Docker worker's kubelet files as `join --cri-socket unix:///var/run/cri-dockerd.sock` leaves them
 * (instance-config.yaml names the socket), unless it has its own.
 */
export async function pointKubeletAtCriDockerd(rootfs: string): Promise<void> {
  const host = new LocalHost(rootfs);
  if (await host.stat(KUBELET_INSTANCE_CONFIG_FILE)) return;
  await host.writeFileAtomic(KUBELET_INSTANCE_CONFIG_FILE, emitYaml(instanceConfiguration(CRI_DOCKERD_ENDPOINT)), KUBELET_FILE_MODE);
}

/** A Docker-era node's kubelet on cgroupfs (kubeadm before 1.22 left it so): its config.yaml after a join says so. */
export async function kubeletOnCgroupfs(rootfs: string): Promise<void> {
  const host = new LocalHost(rootfs);
  const text = (await host.readFile(KUBELET_CONFIG_FILE))?.toString('utf8');
  if (text === undefined) return;
  const config = parseYaml(text) as Record<string, unknown>;
  if (config.cgroupDriver === 'cgroupfs') return;
  await host.writeFileAtomic(KUBELET_CONFIG_FILE, emitYaml({ ...config, cgroupDriver: 'cgroupfs' }), KUBELET_FILE_MODE);
}

/** A log agent reading Docker's socket on every node (hostPath /var/run/docker.sock), tolerating every taint. */
export const DOCKER_SOCKET_WORKLOAD: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'docker-log-agent', namespace: 'kube-system', labels: { app: 'docker-log-agent' } },
  spec: {
    selector: { matchLabels: { app: 'docker-log-agent' } },
    template: {
      metadata: { labels: { app: 'docker-log-agent' } },
      spec: {
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'agent',
            image: 'registry.k8s.io/e2e-test-images/busybox:1.36.1-1',
            command: ['sh', '-c', 'while true; do sleep 3600; done'],
            volumeMounts: [{ name: 'docker-sock', mountPath: '/var/run/docker.sock' }],
          },
        ],
        volumes: [{ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } }],
      },
    },
  },
};

export async function createDockerWorkload(cluster: Cluster): Promise<void> {
  await cluster.apply(DOCKER_SOCKET_WORKLOAD);
}
