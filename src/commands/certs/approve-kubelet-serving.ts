import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { parseCIDR, type CIDR } from '../../config/net.js';
import { readKubeconfigFile } from '../../cluster/connect.js';
import { printable, quote, usageError, UserError } from '../../errors.js';
import { readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { commaList, kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { approverObjects } from './approver-install.js';
import { countsSummary, CSR_API, KubeletServingApprover, SERVING_SIGNER_SELECTOR, type CertificateSigningRequest } from './kubelet-serving-approver.js';

interface ApproveFlags {
  kubeconfig?: string;
  install?: boolean;
  image?: string;
  watch?: boolean;
  allowedCidrs?: string[];
  dryRun?: boolean;
  output: ReportFormat;
}

/**
 * While watching, pending CSRs are judged again this often: a Node that registers or reports a new address after its
 * kubelet asked changes no CSR, so no watch event would bring it back.
 */
const RESYNC_MS = 60_000;

/** Log lines quote what a CSR's author wrote (names, subjects): control characters are shown escaped, never sent to the terminal. */
const log = (line: string) => process.stdout.write(`${printable(line)}\n`);

/** `--allowed-cidrs`, each a CIDR; a bad one is a usage error naming it. */
function allowedCidrs(values: string[] | undefined): CIDR[] | undefined {
  return values?.map((text) => {
    const cidr = parseCIDR(text);
    if (!cidr) throw usageError(`${quote(text)} is not a CIDR`, { flag: '--allowed-cidrs' }, 'CIDRs such as 10.0.0.0/8,fd00::/64');
    return cidr;
  });
}

/** One pass: every pending kubelet-serving CSR judged, in name order. */
async function pass(approver: KubeletServingApprover, doors: Doors): Promise<void> {
  const csrs = await (await doors.cluster()).list<CertificateSigningRequest>(CSR_API.apiVersion, CSR_API.kind, { fieldSelector: SERVING_SIGNER_SELECTOR });
  for (const csr of csrs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) await approver.consider(csr);
}

/** Follows the CSRs until SIGINT or SIGTERM, one judgement at a time, with a pass every RESYNC_MS. */
async function watch(approver: KubeletServingApprover, doors: Doors): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let queue = Promise.resolve();
  let failure: unknown;
  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work).catch((err: unknown) => {
      failure = err;
      stop.abort();
    });
  };
  const judge = (csrs: CertificateSigningRequest[]) =>
    enqueue(async () => {
      for (const csr of csrs) await approver.consider(csr);
    });
  const resync = async () => {
    while (!stop.signal.aborted) {
      await sleep(RESYNC_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      if (!stop.signal.aborted) enqueue(() => pass(approver, doors));
    }
  };
  try {
    const cluster = await doors.cluster();
    await Promise.all([
      cluster.watch<CertificateSigningRequest>(
        CSR_API.apiVersion,
        CSR_API.kind,
        { fieldSelector: SERVING_SIGNER_SELECTOR },
        (event) => {
          if (event.type === 'LISTED') judge(event.items);
          else if (event.type === 'DELETED') approver.forget(event.object);
          else judge([event.object]);
        },
        stop.signal,
      ),
      resync(),
    ]);
    await queue;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (failure) throw failure;
}

/** `--install`: the approver's RBAC, in-cluster kubeconfig and Deployment applied, for the API server of the kubeconfig. */
async function install(doors: Doors, flags: ApproveFlags): Promise<void> {
  if (!flags.image)
    throw usageError('--install needs the image to run', { flag: '--image' }, 'an image holding bosun, e.g. --image registry.example/bosun:v0.1.0');
  if (flags.watch) throw usageError('--install and --watch do not go together', { flag: '--watch' }, 'the installed Deployment to watch');
  const file = await doors.kubeconfig();
  const text = await readKubeconfigFile(doors.host, file);
  if (text === undefined) throw new UserError(`kubeconfig ${file}: file not found`);
  let server: string;
  try {
    server = readKubeconfigTarget(text).server;
  } catch (err) {
    throw new UserError(`kubeconfig ${file}: ${(err as Error).message}`);
  }
  const cluster = await doors.cluster();
  for (const obj of approverObjects({ image: flags.image, server, allowedCidrs: flags.allowedCidrs })) {
    await cluster.apply(obj);
    log(`${obj.kind.toLowerCase()}/${obj.metadata.name} applied${doors.recorded ? ' (dry run)' : ''}`);
  }
}

async function approveKubeletServing(flags: ApproveFlags, env: CommandEnvironment): Promise<void> {
  checkReportOutput(flags);
  const cidrs = allowedCidrs(flags.allowedCidrs);
  const doors = openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  if (flags.install) {
    await install(doors, flags);
    return printDryRunReport(doors, flags.output);
  }
  const approver = new KubeletServingApprover(await doors.cluster(), { allowedCidrs: cidrs, clock: doors.clock, log });
  await (flags.watch && !doors.recorded ? watch(approver, doors) : pass(approver, doors));
  process.stdout.write(countsSummary(approver.counts));
  printDryRunReport(doors, flags.output);
}

/** `bosun certs approve-kubelet-serving`. */
export function registerApproveKubeletServing(certs: Command, env: CommandEnvironment): void {
  certs
    .command('approve-kubelet-serving')
    .description("Approve kubelet serving-certificate CSRs that ask only for their own node's names and addresses; leave others pending with an Event")
    .addOption(kubeconfigOption())
    .option('--watch', 'keep approving as CSRs arrive, until SIGINT or SIGTERM (default: one pass over the pending CSRs)')
    .option('--allowed-cidrs <cidrs>', 'approve IP addresses only inside these CIDRs (comma-separated), besides being the Node’s own', commaList)
    .option('--dry-run', 'judge the pending CSRs once (or plan --install) and report what would change, changing nothing')
    .option('--install', 'instead of approving, run the approver in the cluster: a Deployment (kube-system) of --image with least-privilege RBAC')
    .option('--image <image>', 'with --install: the image holding bosun that the Deployment runs')
    .addOption(reportOutputOption())
    .addHelpText(
      'after',
      `
A CSR of signer kubernetes.io/kubelet-serving is approved only when all of these hold:
  - it was requested by a node (user system:node:<name> in group system:nodes),
  - its subject is exactly O=system:nodes, CN=system:node:<name>, and it is signed by the key it carries,
  - its usages are digital signature, server auth and at most key encipherment,
  - every DNS name and IP address it asks for is one the Node <name> reports in status.addresses (no wildcards,
    no email or URI names), and every IP is inside --allowed-cidrs when given.
Any other CSR is left pending, never denied: a Warning Event on it names the rule it broke (kubectl describe csr).
Ends with the count of approvals and of CSRs left pending by rule.`,
    )
    .action((flags: ApproveFlags) => approveKubeletServing(flags, env));
}
