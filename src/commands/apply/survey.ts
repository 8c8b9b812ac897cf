/**
 * Reaches every host, then looks at each before anything is planned: its kubelet binary (kubelet.exe on Windows) and version, whether it is
 * a node already (kubelet.conf) and a control-plane node (admin.conf), and the machine's facts for preflight. Reads only.
 */
import pLimit from 'p-limit';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { localMachine, type Machine } from '../../host/machine.js';
import { SshHost } from '../../host/ssh/ssh-host.js';
import { WindowsSshHost } from '../../host/windows/windows-host.js';
import { sshMachine } from '../../host/ssh/ssh-machine.js';
import type { ClusterDefinition } from '../../inventory/cluster.js';
import type { InventoryHost } from '../../inventory/inventory.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { kubeletPlatform } from '../../node/kubelet-platform.js';
import { canRunPowerShell } from '../../node/windows-powershell.js';
import type { HostSurvey } from './plan.js';

export interface SurveyedHost {
  host: InventoryHost;
  node: Host;
  machine: Machine;
  survey: HostSurvey;
}

async function kubeletVersion(node: Host): Promise<string | undefined> {
  const binary = kubeletPlatform(node).binary;
  if (!(await node.stat(binary))) return undefined;
  const out = await node.exec(binary, ['--version'], { check: false });
  return /\bv\d+\.\d+\.\d+\S*/.exec(out.stdout)?.[0];
}

/**
 * Reaches every SSH host of the file (host key, login, root), at most `parallel` at once, before anything changes.
 * A host that cannot be reached is the state of the machines, not of the file (exit 3); each failure names the host
 * and the cluster file's field that says how it is reached.
 */
export async function reachHosts(def: ClusterDefinition, open: (h: InventoryHost) => Host, parallel: number): Promise<void> {
  const limit = pLimit(parallel);
  const failures = await Promise.all(
    def.hosts.map((host, i) =>
      limit(async () => {
        const node = open(host);
        if (!(node instanceof SshHost || node instanceof WindowsSshHost)) return undefined;
        return node.verify().then(
          () => undefined,
          (err: Error) => `  ${def.file}: spec.hosts[${i}].ssh: ${err.message}`,
        );
      }),
    ),
  );
  const lines = failures.filter((line): line is string => line !== undefined);
  if (!lines.length) return;
  const what = `cannot reach ${lines.length} of ${def.hosts.length} hosts; nothing was changed`;
  throw new UserError({ what, category: 'precondition', message: `${what}:\n${lines.join('\n')}` });
}

/** The machine a host runs on: a Windows host's facts through its own connection, an SSH host's, or this one. */
function machineOf(node: Host): Promise<Machine> {
  if (canRunPowerShell(node)) return node.windowsMachine();
  return node instanceof SshHost ? sshMachine(node) : Promise.resolve(localMachine);
}

/** Surveys every host, at most `parallel` at once. */
export async function surveyHosts(hosts: InventoryHost[], open: (h: InventoryHost) => Host, parallel: number): Promise<SurveyedHost[]> {
  const limit = pLimit(parallel);
  return Promise.all(
    hosts.map((host) =>
      limit(async (): Promise<SurveyedHost> => {
        const node = open(host);
        const [machine, kubelet, kubeletConf, adminConf] = await Promise.all([
          machineOf(node),
          kubeletVersion(node),
          node.stat(`${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`),
          node.stat(`${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`),
        ]);
        return { host, node, machine, survey: { kubelet, kubeletConf: Boolean(kubeletConf), adminConf: Boolean(adminConf) } };
      }),
    ),
  );
}
