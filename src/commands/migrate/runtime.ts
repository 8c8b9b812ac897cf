/** `bosun migrate runtime --to containerd`: Docker nodes (dockershim, cri-dockerd) moved to containerd, node by node. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { CRI_SOCKET_ANNOTATION } from '../../kube/labels.js';
import type { Node } from '../../kube/workloads.js';
import type { NodeRuntimeFacts } from '../../node/runtime-facts.js';
import { backupDir } from '../../node/roll-backup.js';
import type { RollJournal } from '../../roll/journal/journal.js';
import { CONTAINERD_ENDPOINT } from '../../runtime/endpoints.js';
import { CERTS_D, CONTAINERD_CONFIG } from '../../runtime/paths.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { abortCommand, addRollFlags, connectRoll, rollAction, type RollSession } from '../../roll/command.js';
import { resumeMigration, startMigration, type MigrateFlags, type Migration } from './migration.js';
import { runtimeKind } from './runtime-work.js';

const onContainerd = (node: Node) => (node.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('containerd://');

/** What changes on a node, file by file, in this node's kubeadm layout. */
function changes(facts: NodeRuntimeFacts): string[] {
  const endpoint =
    facts.criSocketLayout === 'instance-config'
      ? [
          `/var/lib/kubelet/instance-config.yaml and /var/lib/kubelet/config.yaml: containerRuntimeEndpoint ${CONTAINERD_ENDPOINT}`,
          `/var/lib/kubelet/kubeadm-flags.env: --container-runtime-endpoint removed (kubeadm ${'≥'} 1.34 keeps it in instance-config.yaml)`,
        ]
      : [
          `/var/lib/kubelet/kubeadm-flags.env: --container-runtime-endpoint=${CONTAINERD_ENDPOINT}`,
          `Node annotation ${CRI_SOCKET_ANNOTATION}: ${CONTAINERD_ENDPOINT}`,
        ];
  return [
    `every file below backed up to ${backupDir('<roll id>')}/`,
    'stop the kubelet; stop and disable docker, docker.socket, cri-docker, cri-docker.socket (those the node has)',
    'install containerd as the cluster file says (default: none when /usr/bin/containerd exists, else the package)',
    `${CONTAINERD_CONFIG}: config version from containerd --version, CRI on, runc SystemdCgroup = ${facts.kubeletCgroupDriver === 'systemd'} (the kubelet's ${facts.kubeletCgroupDriver}), config_path ${CERTS_D}`,
    `${CERTS_D}/<registry>/hosts.toml: daemon.json's registry mirrors and insecure registries`,
    ...endpoint,
    'enable and start containerd, start the kubelet; wait until the Node reports containerd:// and Ready',
  ];
}

function runtimeMigration(session: RollSession): Omit<Migration, 'target'> {
  const kindOf = (journal: RollJournal) => runtimeKind({ rollId: journal.id, machine: session.machine }, (work) => session.hosts.bounded(work));
  return {
    purpose: 'migrate-runtime',
    done: (node, facts) => (onContainerd(node) && facts.runtime === 'containerd' ? 'already on containerd (its Node and its files say so)' : undefined),
    refuse: (_node, facts) => {
      if (facts.runtime === 'crio') return 'it runs CRI-O: bosun moves Docker nodes (dockershim, cri-dockerd) to containerd';
      if (facts.runtime === undefined) return `bosun cannot read its runtime: ${facts.problems.join('; ') || 'no CRI endpoint'}`;
      return undefined;
    },
    from: (node, facts) =>
      `${facts.runtime}${facts.runtimeVersion ? ` ${facts.runtimeVersion}` : ''}, Node reports ${node.status?.nodeInfo?.containerRuntimeVersion ?? 'nothing'}`,
    changes,
    kindOf,
  };
}

export function registerMigrateRuntime(migrate: Command, env: CommandEnvironment): void {
  const cmd = migrate
    .command('runtime')
    .description('Move nodes off Docker (dockershim, cri-dockerd) to containerd: per node cordon, drain, switch, wait Ready on containerd, uncordon')
    .option('--to <runtime>', 'the runtime to move to: containerd')
    .option('--nodes <a,b>', 'only these nodes, by name');
  addRollFlags(cmd, env, 'migrated').action((flags: MigrateFlags) => {
    if (!flags.abort && !flags.resume && flags.to !== 'containerd') throw new UserError(`--to: bosun moves nodes to containerd, got "${flags.to ?? ''}"`);
    return rollAction(flags, () => connectRoll(flags, env), {
      start: (session) => startMigration(session, flags, { ...runtimeMigration(session), target: 'containerd' }),
      resume: (session) => resumeMigration(session, 'migrate-runtime', runtimeMigration(session).kindOf),
      abort: (session) => abortCommand(session, 'migrate-runtime', runtimeMigration(session).kindOf),
    });
  });
}
