import path from 'node:path';
import { Command, Option } from 'commander';
import type { Secret } from '../../kube/objects.js';
import { ConfigError, UserError } from '../../errors.js';
import { readKubeconfigFile } from '../../cluster/connect.js';
import { readText } from '../../host/host.js';
import { readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import { caCertHashes } from '../../pki/ca-hash.js';
import { decodeCertificateKey } from '../../tokens/certs-secret.js';
import { joinCommands, oneLine } from '../../tokens/join-command.js';
import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, tokenExpiration, tokenFromSecret, tokenSecret, tokenSecretName } from '../../tokens/secret.js';
import { generateToken, isValidToken, splitToken, TOKEN_FORMAT } from '../../tokens/token.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { commaList as list, kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { formatTokens, OUTPUT_FORMATS, type OutputFormat } from './list-format.js';
import { tokenToCreate, type CreateFlags } from './options.js';

const ID_PATTERN = /^[a-z0-9]{6}$/;

interface TokenOptions {
  kubeconfig?: string;
  dryRun?: boolean;
  output?: string;
}

/** The doors of a token command: this machine, the cluster of the kubeconfig found (see resolveKubeconfig). */
const tokenDoors = (opts: TokenOptions, env: CommandEnvironment): Doors =>
  openDoors({ dryRun: opts.dryRun, kubeconfig: kubeconfigSearch(opts.kubeconfig, env) });

/** The join line for a token: the kubeconfig's server and the pins of its CA certificates. */
async function joinCommandFor(doors: Doors, token: string, certificateKey: string | undefined): Promise<string> {
  const file = await doors.kubeconfig();
  const text = await readKubeconfigFile(doors.host, file);
  if (text === undefined) throw new UserError(`kubeconfig ${file}: file not found`);
  let target;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`kubeconfig ${file}: ${(err as Error).message}`);
  }
  const caPem = target.caCertPem ?? (target.caFile ? await readText(doors.host, path.resolve(path.dirname(file), target.caFile)) : undefined);
  let pins: string[] = [];
  try {
    pins = caPem ? caCertHashes(caPem) : [];
  } catch {
    // a damaged certificate: no pin, reported below
  }
  if (!pins.length) throw new UserError(`kubeconfig ${file}: its cluster has no CA certificate to pin (certificate-authority-data)`);
  const commands = joinCommands({ endpoint: target.server.replace(/^https:\/\//, ''), token, caHashes: pins, certificateKey });
  return oneLine(certificateKey ? commands.controlPlane : commands.worker);
}

async function create(arg: string | undefined, flags: CreateFlags & { printJoinCommand?: boolean; certificateKey?: string }, doors: Doors): Promise<void> {
  // Everything is checked before the cluster is asked: a refused token creates nothing.
  const token = tokenToCreate(arg, flags);
  if (flags.certificateKey !== undefined) {
    if (!flags.printJoinCommand) throw new UserError('cannot use --certificate-key without --print-join-command');
    try {
      decodeCertificateKey(flags.certificateKey);
    } catch (err) {
      throw new ConfigError(undefined, undefined, '--certificate-key', (err as Error).message);
    }
  }
  const cluster = await doors.cluster();
  const joinLine = flags.printJoinCommand ? await joinCommandFor(doors, token.token, flags.certificateKey) : undefined;
  await cluster.apply(tokenSecret(token, tokenExpiration(token, doors.clock.now())));
  process.stdout.write(`${joinLine ?? token.token}\n`);
}

async function listTokens(output: OutputFormat, doors: Doors): Promise<void> {
  const cluster = await doors.cluster();
  const secrets = await cluster.list<Secret>('v1', 'Secret', { namespace: TOKEN_NAMESPACE, fieldSelector: `type=${TOKEN_SECRET_TYPE}` });
  const tokens = secrets.flatMap((secret) => {
    try {
      return [tokenFromSecret(secret)];
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return [];
    }
  });
  process.stdout.write(formatTokens(tokens, output));
}

async function deleteTokens(args: string[], doors: Doors): Promise<void> {
  if (!args.length) throw new UserError(`missing argument; "token delete" takes tokens (${TOKEN_FORMAT}) or token ids ([a-z0-9]{6})`);
  const ids = args.map((arg, i) => {
    if (ID_PATTERN.test(arg)) return arg;
    if (isValidToken(arg)) return splitToken(arg).id;
    throw new UserError(`argument ${i + 1} is neither a token (${TOKEN_FORMAT}) nor a token id ([a-z0-9]{6})`);
  });
  const cluster = await doors.cluster();
  for (const id of ids) {
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: TOKEN_NAMESPACE, name: tokenSecretName(id) };
    if (!(await cluster.get(ref))) throw new UserError(`failed to delete bootstrap token "${id}": Secret ${TOKEN_NAMESPACE}/${ref.name} not found`);
    await cluster.delete(ref);
    process.stdout.write(`bootstrap token "${id}" deleted\n`);
  }
}

/** `bosun token create|list|delete|generate`, kubeadm's bootstrap token commands. */
export function registerToken(program: Command, env: CommandEnvironment): void {
  const token = program.command('token').description('Manage bootstrap tokens');
  // On each subcommand: options of `token` itself would have to come before the subcommand's name.
  const withCluster = (cmd: Command) => cmd.addOption(kubeconfigOption()).option('--dry-run', 'do not change anything; print the report of what would change');
  const changing = (cmd: Command) => withCluster(cmd).addOption(reportOutputOption());
  /** Runs a subcommand that changes the cluster; a dry run ends with the report of what it would have changed. */
  const run = async (cmd: Command, action: (doors: Doors) => Promise<void>) => {
    const opts = cmd.opts<TokenOptions>();
    checkReportOutput(opts);
    const doors = tokenDoors(opts, env);
    await action(doors);
    printDryRunReport(doors, opts.output as ReportFormat);
  };
  changing(token.command('create [token]'))
    .description('Create a bootstrap token on the server (a random one unless [token] is given)')
    .option('--ttl <duration>', 'how long the token is valid (0: never expires)', '24h0m0s')
    .option('--usages <usages>', 'what the token may be used for: signing, authentication', list)
    .option('--groups <groups>', 'extra groups the token authenticates as (system:bootstrappers:…)', list)
    .option('--description <text>', 'a human friendly description of the token')
    .option('--print-join-command', "print the whole 'bosun join' command for the token instead of the token")
    .option('--certificate-key <key>', 'with --print-join-command: print the control-plane join command with this key')
    .action((arg: string | undefined, flags, cmd: Command) => run(cmd, (doors) => create(arg, flags, doors)));
  withCluster(token.command('list'))
    .description('List bootstrap tokens on the server')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .action((flags: TokenOptions & { output: OutputFormat }) => listTokens(flags.output, tokenDoors(flags, env)));
  changing(token.command('delete'))
    .argument('[token-value...]', 'tokens or token ids to delete')
    .description('Delete bootstrap tokens on the server')
    .action((args: string[], _flags, cmd: Command) => run(cmd, (doors) => deleteTokens(args, doors)));
  token
    .command('generate')
    .description('Generate and print a bootstrap token, but do not create it on the server')
    .action(() => {
      process.stdout.write(`${generateToken()}\n`);
    });
}
