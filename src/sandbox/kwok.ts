import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { emitYamlDocuments, parseYaml } from '../util/yaml.js';
import { KWOK, KWOK_STAGE_FILES, artifactDir } from './binaries.js';
import { KWOK_NODE_ANNOTATION } from './mirror.js';

interface Stage {
  metadata: { name: string };
  spec: { selector?: { matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } };
}

/**
 * kwok's stages (it has no built-in ones since v0.8.0): node-initialize, node heartbeats with a Lease,
 * and the fast pod stages. Mirror Pods are left out of pod-ready: the runner reports their real status.
 */
export async function assembleStages(kwokDir = artifactDir(KWOK)): Promise<string> {
  const stages: Stage[] = [];
  for (const file of KWOK_STAGE_FILES) {
    const stage = parseYaml(await fs.readFile(path.join(kwokDir, 'stages', file), 'utf8')) as Stage;
    if (stage.metadata.name === 'pod-ready') {
      stage.spec.selector?.matchExpressions?.push({ key: '.metadata.annotations["kubernetes.io/config.mirror"]', operator: 'DoesNotExist' });
    }
    stages.push(stage);
  }
  return emitYamlDocuments(stages);
}

/** kwok's command line: it manages only nodes annotated `kwok.x-k8s.io/node=fake` and renews their Leases. */
export function kwokArgs(binary: string, kubeconfig: string, stagesFile: string, podCidr: string): string[] {
  return [
    binary,
    `--kubeconfig=${kubeconfig}`,
    `--config=${stagesFile}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
    '--node-lease-duration-seconds=40',
    `--cidr=${podCidr}`,
  ];
}

/** The operating system a simulated node reports (its labels and nodeInfo): Windows nodes are what Windows addons select. */
export type SimulatedOS = 'linux' | 'windows';

/**
 * A simulated worker Node for kwok to keep Ready. Untainted, so ordinary workloads schedule on it as on
 * any worker: the sandbox should look like a normal cluster to tests.
 */
export function simulatedNode(name: string, address: string, kubeletVersion: string, os: SimulatedOS = 'linux'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': os,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': os,
      },
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: os,
        kubeletVersion,
        kubeProxyVersion: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        osImage: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

export async function registerSimulatedNodes(
  cluster: Cluster,
  nodes: Array<{ name: string; address: string; os?: SimulatedOS }>,
  kubeletVersion: string,
): Promise<void> {
  for (const node of nodes) await cluster.apply(simulatedNode(node.name, node.address, kubeletVersion, node.os));
}
