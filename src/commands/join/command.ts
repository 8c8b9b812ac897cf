import { Command, Option } from 'commander';
import { resolveJoinConfig, type JoinFlags } from '../../config/join.js';
import { normalizeDuration } from '../../config/duration.js';
import { nodeFacts } from '../../config/node-facts.js';
import { ConfigError, UserError } from '../../errors.js';
import { LocalHost } from '../../host/local.js';
import { localMachineFacts } from '../../host/machine.js';
import { addPhaseCommands, engineOptions, withProgressOption } from '../../workflow/cli.js';
import { openDoors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { commaList as list, portFlag } from '../../workflow/flags.js';
import { phasePaths } from '../../workflow/phase.js';
import { runWorkflow } from '../../workflow/run.js';
import { joinPhases } from './phases.js';
import { ADMIN_CONF, createJoinContext } from './session.js';

/** The flags of `bosun join` and of every `bosun join phase …`, as kubeadm names them. */
function joinFlags(cmd: Command): Command {
  // The endpoint is read from the operands: phase commands get their action from the engine, which passes no arguments.
  return cmd
    .usage('[api-server-endpoint] [options]')
    .allowExcessArguments(true)
    .option('--config <file>', 'path to a kubeadm configuration file with a JoinConfiguration (v1beta4 or v1beta3)')
    .option('--rootfs <dir>', 'render the node under this directory instead of /')
    .option('--dry-run', 'do not change anything; print what would be done (files, API objects, etcd members)')
    .addOption(reportOutputOption())
    .option('--token <token>', 'the token for both discovery and the TLS bootstrap, unless given on their own')
    .option('--discovery-token <token>', 'the token to validate cluster-info with')
    .option('--discovery-token-ca-cert-hash <sha256:hex>', 'a public key pin of the cluster CA (sha256:<hex>); repeatable', list)
    .option('--discovery-token-unsafe-skip-ca-verification', 'join without a CA pin: UNSAFE, anyone who knows the token can pose as the cluster')
    .option('--discovery-file <path|https-url>', 'a kubeconfig (file or https URL) naming the cluster and its CA, instead of token discovery')
    .option('--discovery-timeout <duration>', 'give up discovery after this long in all: every try, pause and byte read (timeouts.discovery, default 5m0s)')
    .option('--tls-bootstrap-token <token>', 'the token the kubelet authenticates its TLS bootstrap with')
    .option('--control-plane', 'create a new control plane instance on this node')
    .option('--certificate-key <key>', 'the key to decrypt the shared certificates in the kubeadm-certs Secret')
    .option('--apiserver-advertise-address <ip>', "the address this node's API server advertises (control-plane nodes)")
    .addOption(
      new Option('--apiserver-bind-port <port>', "the port this node's API server binds (control-plane nodes)").argParser(portFlag('--apiserver-bind-port')),
    )
    .option('--node-name <name>', 'the node name')
    .option('--cri-socket <socket>', 'path to the CRI socket to connect to')
    .option('--ignore-preflight-errors <checks>', 'preflight checks whose errors become warnings (all ignores all)', list)
    .option('--skip-phases <phases>', 'phases to skip', list);
}

type JoinCliOptions = Omit<JoinFlags, 'apiServerEndpoint'> & {
  config?: string;
  rootfs?: string;
  dryRun?: boolean;
  output: ReportFormat;
  discoveryTimeout?: string;
};

async function runJoin(cmd: Command, only?: string): Promise<void> {
  const opts = cmd.optsWithGlobals<JoinCliOptions>();
  checkReportOutput(opts);
  const { config, rootfs, dryRun, output, discoveryTimeout, ...flags } = opts;
  if (cmd.args.length > 1)
    throw new UserError(`expected at most one argument, the API server endpoint (host:port); got ${cmd.args.length}: ${cmd.args.join(' ')}`);
  const cfg = await resolveJoinConfig({
    configFile: config,
    local: new LocalHost('/'),
    flags: { ...flags, apiServerEndpoint: cmd.args[0] },
    facts: nodeFacts(localMachineFacts),
    phases: phasePaths(joinPhases),
  });
  if (discoveryTimeout !== undefined) {
    const timeout = normalizeDuration(discoveryTimeout);
    if (timeout === undefined)
      throw new ConfigError(undefined, undefined, '--discovery-timeout', `"${discoveryTimeout}" is not a duration such as 30s or 5m0s`);
    cfg.join.timeouts = { ...cfg.join.timeouts, discovery: timeout };
  }
  const doors = openDoors({ rootfs, dryRun, kubeconfig: ADMIN_CONF });
  const ctx = createJoinContext(cfg, doors, {
    ignorePreflightErrors: new Set((cfg.join.nodeRegistration.ignorePreflightErrors ?? []).map((s) => s.toLowerCase())),
  });
  await runWorkflow(joinPhases, ctx, { skip: cfg.join.skipPhases ?? [], only, ...engineOptions(cmd) });
  printDryRunReport(doors, output);
  if (only === undefined && !dryRun) process.stdout.write(joinedMessage(Boolean(cfg.join.controlPlane)));
}

function joinedMessage(controlPlane: boolean): string {
  const lines = controlPlane
    ? [
        'This node has joined the cluster and a new control plane instance was created:',
        '',
        '* Certificate signing request was sent to apiserver and approval was received.',
        '* The Kubelet was informed of the new secure connection details.',
        '* Control plane label and taint were applied to the new node.',
        '* The Kubernetes control plane instances scaled up.',
        '* A new etcd member was added to the local/stacked etcd cluster.',
        '',
        'To start administering your cluster from this node, you need to run the following as a regular user:',
        '',
        '\tmkdir -p $HOME/.kube',
        '\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config',
        '\tsudo chown $(id -u):$(id -g) $HOME/.kube/config',
        '',
        "Run 'kubectl get nodes' to see this node join the cluster.",
      ]
    : [
        'This node has joined the cluster:',
        '* Certificate signing request was sent to apiserver and a response was received.',
        '* The Kubelet was informed of the new secure connection details.',
        '',
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.",
      ];
  return `\n${lines.join('\n')}\n\n`;
}

export function registerJoin(program: Command): void {
  const join = withProgressOption(joinFlags(program.command('join').description('Run this on any machine you wish to join an existing cluster'))).action(
    (_opts, cmd: Command) => runJoin(cmd),
  );
  const phase = join.command('phase').description('Use this command to invoke single phase of the join workflow');
  addPhaseCommands(phase, joinPhases, joinFlags, (path, cmd) => runJoin(cmd, path));
}
