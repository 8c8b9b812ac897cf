import { Command, Option } from 'commander';
import { nodeFacts } from '../../config/node-facts.js';
import { resolveInitConfig, type InitFlags } from '../../config/resolve.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { localMachineFacts } from '../../host/machine.js';
import { LocalHost } from '../../host/local.js';
import { addPhaseCommands, engineOptions, withProgressOption } from '../../workflow/cli.js';
import { openDoors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { commaList as list, portFlag } from '../../workflow/flags.js';
import { phasePaths } from '../../workflow/phase.js';
import { runWorkflow } from '../../workflow/run.js';
import type { InitContext } from './context.js';
import { initPhases } from './phases.js';
import { KeyPool } from '../../pki/key-pool.js';

/** The flags of `bosun init` and of every `bosun init phase …`, as kubeadm names them. */
function initFlags(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'path to a kubeadm configuration file (v1beta4 or v1beta3)')
    .option('--rootfs <dir>', 'render the node under this directory instead of /')
    .option('--dry-run', 'do not change anything; print what would be done (files, API objects, etcd members)')
    .addOption(reportOutputOption())
    .option('--apiserver-advertise-address <ip>', 'the IP address the API server advertises it is listening on')
    .addOption(new Option('--apiserver-bind-port <port>', 'port for the API server to bind to').argParser(portFlag('--apiserver-bind-port')))
    .option('--apiserver-cert-extra-sans <sans>', 'extra Subject Alternative Names for the API server certificate', list)
    .option('--cert-dir <dir>', 'where to save and store the certificates')
    .option('--certificate-key <key>', 'key used to encrypt the control-plane certificates in the kubeadm-certs Secret')
    .option('--control-plane-endpoint <host:port>', 'a stable IP address or DNS name for the control plane')
    .option('--cri-socket <socket>', 'path to the CRI socket to connect to')
    .option('--feature-gates <gates>', 'key=value pairs of kubeadm feature gates')
    .option('--ignore-preflight-errors <checks>', 'preflight checks whose errors become warnings (all ignores all)', list)
    .option('--image-repository <repo>', 'container registry to pull control plane images from')
    .option('--kubernetes-version <version>', 'the Kubernetes version for the control plane')
    .option('--node-name <name>', 'the node name')
    .option('--pod-network-cidr <cidr>', 'the range of IP addresses for the pod network')
    .option('--service-cidr <cidr>', 'the range of IP addresses for service VIPs')
    .option('--service-dns-domain <domain>', 'the DNS domain for services')
    .option('--skip-phases <phases>', 'phases to skip', list)
    .option('--token <token>', 'the bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})')
    .option('--token-ttl <duration>', 'how long the bootstrap token lives (0 = never expires)')
    .option('--upload-certs', 'upload control-plane certificates to the kubeadm-certs Secret')
    .option('--skip-certificate-key-print', "don't print the key used to encrypt the control-plane certificates")
    .option('--skip-token-print', "don't print the default bootstrap token")
    .option('--kubeconfig <file>', 'the admin kubeconfig the API phases use', `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`);
}

type InitCliOptions = InitFlags & {
  config?: string;
  rootfs?: string;
  dryRun?: boolean;
  output: ReportFormat;
  uploadCerts?: boolean;
  skipCertificateKeyPrint?: boolean;
  skipTokenPrint?: boolean;
  kubeconfig: string;
};

async function runInit(cmd: Command, only?: string): Promise<void> {
  const opts = cmd.optsWithGlobals<InitCliOptions>();
  checkReportOutput(opts);
  const cfg = await resolveInitConfig({
    configFile: opts.config,
    local: new LocalHost('/'),
    flags: opts,
    facts: nodeFacts(localMachineFacts),
    phases: phasePaths(initPhases),
  });
  // The API phases' kubeconfig is the admin.conf this run writes (read through the same doors).
  const doors = openDoors({ rootfs: opts.rootfs, dryRun: opts.dryRun, kubeconfig: opts.kubeconfig });
  const ignore = new Set([...(opts.ignorePreflightErrors ?? []), ...(cfg.init.nodeRegistration.ignorePreflightErrors ?? [])].map((s) => s.toLowerCase()));
  const ctx: InitContext = {
    cfg,
    host: doors.host,
    options: {
      ignorePreflightErrors: ignore,
      uploadCerts: Boolean(opts.uploadCerts),
      skipTokenPrint: Boolean(opts.skipTokenPrint),
      skipCertificateKeyPrint: Boolean(opts.skipCertificateKeyPrint),
      kubeconfigPath: opts.kubeconfig,
    },
    keys: new KeyPool(),
    cluster: doors.cluster,
  };
  await runWorkflow(initPhases, ctx, { skip: [...(opts.skipPhases ?? []), ...(cfg.init.skipPhases ?? [])], only, ...engineOptions(cmd) });
  printDryRunReport(doors, opts.output);
}

export function registerInit(program: Command): void {
  const init = withProgressOption(initFlags(program.command('init').description('Run this command in order to set up the Kubernetes control plane'))).action(
    (_opts, cmd: Command) => runInit(cmd),
  );
  const phase = init.command('phase').description('Use this command to invoke single phase of the init workflow');
  addPhaseCommands(phase, initPhases, initFlags, (path, cmd) => runInit(cmd, path));
}
