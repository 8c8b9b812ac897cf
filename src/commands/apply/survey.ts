/**
 * Looks at every host before anything is planned: its kubelet binary and version, whether it is a node already
 * (kubelet.conf) and a control-plane node (admin.conf), and the machine's facts for preflight. Reads only.
 */
import pLimit from 'p-limit';
import type { Host } from '../../host/host.js';
import { localMachine, type Machine } from '../../host/machine.js';
import { SshHost } from '../../host/ssh/ssh-host.js';
import { sshMachine } from '../../host/ssh/ssh-machine.js';
import type { InventoryHost } from '../../inventory/inventory.js';
import { KUBECONFIG_FILES, KUBELET_BINARY, KUBERNETES_DIR } from '../../kube/paths.js';
import type { HostSurvey } from './plan.js';

export interface SurveyedHost {
  host: InventoryHost;
  node: Host;
  machine: Machine;
  survey: HostSurvey;
}

async function kubeletVersion(node: Host): Promise<string | undefined> {
  if (!(await node.stat(KUBELET_BINARY))) return undefined;
  const out = await node.exec(KUBELET_BINARY, ['--version'], { check: false });
  return /\bv\d+\.\d+\.\d+\S*/.exec(out.stdout)?.[0];
}

/** Surveys every host, at most `parallel` at once. */
export async function surveyHosts(hosts: InventoryHost[], open: (h: InventoryHost) => Host, parallel: number): Promise<SurveyedHost[]> {
  const limit = pLimit(parallel);
  return Promise.all(
    hosts.map((host) =>
      limit(async (): Promise<SurveyedHost> => {
        const node = open(host);
        const [machine, kubelet, kubeletConf, adminConf] = await Promise.all([
          node instanceof SshHost ? sshMachine(node) : Promise.resolve(localMachine),
          kubeletVersion(node),
          node.stat(`${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`),
          node.stat(`${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`),
        ]);
        return { host, node, machine, survey: { kubelet, kubeletConf: Boolean(kubeletConf), adminConf: Boolean(adminConf) } };
      }),
    ),
  );
}
