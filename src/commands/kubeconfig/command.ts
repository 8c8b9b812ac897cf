/**
 * `bosun kubeconfig user`: kubeadm's kubeconfig for one more user, printed to stdout: a client certificate signed by
 * the cluster CA on this node (or the node under --rootfs), or a token. Nothing is written.
 */
import posix from 'node:path/posix';
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { nodeFacts } from '../../config/node-facts.js';
import { resolveInitConfig } from '../../config/resolve.js';
import { clusterWithDefaults } from '../../config/defaults.js';
import { ConfigError, UserError, quote } from '../../errors.js';
import { READ_CAPS, type Host } from '../../host/host.js';
import { LocalHost } from '../../host/local.js';
import { localMachineFacts } from '../../host/machine.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { currentClusterName, parseKubeconfig, readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import { controlPlaneURL } from '../../kubeconfig/specs.js';
import { nodePkiFromInit } from '../../pki/input.js';
import { userKubeconfig, type UserKubeconfigCluster } from '../../node/user-kubeconfig.js';
import { emitYaml } from '../../util/yaml.js';
import { commaList } from '../../workflow/flags.js';
import { openDoors } from '../../workflow/doors.js';

interface UserFlags {
  clientName: string;
  org: string[];
  validityPeriod: string;
  token?: string;
  config?: string;
  rootfs?: string;
}

/** kubeadm's rule: the configuration's controlPlaneEndpoint, else this node's advertise address and bind port. */
async function fromConfiguration(configFile: string | undefined): Promise<UserKubeconfigCluster> {
  const cfg = await resolveInitConfig({ configFile, local: new LocalHost('/'), flags: {}, facts: nodeFacts(localMachineFacts) });
  const { clusterName, certificatesDir, encryptionAlgorithm } = cfg.cluster;
  return { clusterName, server: controlPlaneURL(nodePkiFromInit(cfg)), certificatesDir, encryptionAlgorithm };
}

/** Without --config, the cluster admin.conf names (its server is the one that works), with kubeadm's defaults. */
async function fromAdminConf(host: Host): Promise<UserKubeconfigCluster | undefined> {
  const path = posix.join(KUBERNETES_DIR, KUBECONFIG_FILES.admin);
  const text = (await host.readFile(path, READ_CAPS.kubeconfig))?.toString('utf8');
  if (text === undefined) return undefined;
  let found: { server: string; clusterName?: string };
  try {
    found = { server: readKubeconfigTarget(text).server, clusterName: currentClusterName(parseKubeconfig(text)) };
  } catch (err) {
    throw new UserError(`${path} ${(err as Error).message}; pass --config to name the cluster instead`);
  }
  const { clusterName, certificatesDir, encryptionAlgorithm } = clusterWithDefaults();
  return { clusterName: found.clusterName ?? clusterName, server: found.server, certificatesDir, encryptionAlgorithm };
}

function validityMs(text: string): number {
  const ns = parseDuration(text);
  if (ns === undefined || ns <= 0n) throw new ConfigError(undefined, undefined, '--validity-period', `${quote(text)} is not a positive duration (e.g. 8760h)`);
  return Number(ns / 1_000_000n);
}

async function printUserKubeconfig(flags: UserFlags): Promise<void> {
  const request = { clientName: flags.clientName, organizations: flags.org, validityMs: validityMs(flags.validityPeriod), token: flags.token };
  if (request.token === '') throw new ConfigError(undefined, undefined, '--token', 'is empty');
  const { host, clock } = openDoors({ rootfs: flags.rootfs });
  const cluster = (flags.config === undefined && (await fromAdminConf(host))) || (await fromConfiguration(flags.config));
  process.stdout.write(emitYaml(await userKubeconfig(host, cluster, request, clock.now())));
}

export function registerKubeconfig(program: Command): void {
  const kubeconfig = program.command('kubeconfig').description('Kubeconfig file utilities');
  kubeconfig
    .command('user')
    .description('Output a kubeconfig file for an additional user, signed by the cluster CA on this node (or with a token)')
    .requiredOption('--client-name <name>', 'the name of the user: the CN of its client certificate')
    .option('--org <organizations>', 'the organizations (O) of the client certificate; comma-separated, repeatable', commaList, [])
    .option('--validity-period <duration>', 'the validity period of the client certificate, from now', '8760h0m0s')
    .option('--token <token>', 'a token to authenticate with, instead of a client certificate')
    .option('--config <file>', 'a kubeadm configuration file (cluster name, controlPlaneEndpoint, certificatesDir, key algorithm)')
    .option('--rootfs <dir>', "the node's root directory, when it is not /")
    .action((flags: UserFlags) => printUserKubeconfig(flags));
}
