import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Cluster } from '../../cluster/cluster.js';
import { clusterFromKubeconfigFile } from '../../cluster/connect.js';
import type { Secret } from '../../kube/objects.js';
import { RecordingCluster } from '../../cluster/recording.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { ConfigError, UserError } from '../../errors.js';
import { readText } from '../../host/host.js';
import { LocalHost } from '../../host/local.js';
import { readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import { caCertHashes } from '../../pki/ca-hash.js';
import { decodeCertificateKey } from '../../tokens/certs-secret.js';
import { joinCommands, oneLine } from '../../tokens/join-command.js';
import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, tokenExpiration, tokenFromSecret, tokenSecret, tokenSecretName } from '../../tokens/secret.js';
import { generateToken, isValidToken, splitToken, TOKEN_FORMAT } from '../../tokens/token.js';
import { formatTokens, OUTPUT_FORMATS, type OutputFormat } from './list-format.js';
import { tokenToCreate, type CreateFlags } from './options.js';

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
const ID_PATTERN = /^[a-z0-9]{6}$/;

interface TokenOptions {
  kubeconfig?: string;
  dryRun?: boolean;
}

/**
 * The kubeconfig to use, as kubeadm finds it: --kubeconfig, else the first file of $KUBECONFIG that exists,
 * else ~/.kube/config when present, else /etc/kubernetes/admin.conf.
 */
export function kubeconfigPath(flag: string | undefined, env = process.env.KUBECONFIG, home = os.homedir()): string {
  if (flag) return flag;
  const fromEnv = (env ?? '').split(path.delimiter).filter(Boolean).find((f) => existsSync(f));
  if (fromEnv) return fromEnv;
  const user = path.join(home, '.kube', 'config');
  return existsSync(user) ? user : `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;
}

async function connect(opts: TokenOptions): Promise<{ cluster: Cluster; file: string }> {
  const file = path.resolve(kubeconfigPath(opts.kubeconfig));
  const kube = await clusterFromKubeconfigFile(new LocalHost('/'), file);
  return { cluster: opts.dryRun ? new RecordingCluster(kube) : kube, file };
}

/** The join line for a token: the kubeconfig's server and the pins of its CA certificates. */
async function joinCommandFor(file: string, token: string, certificateKey: string | undefined): Promise<string> {
  const text = await readText(new LocalHost('/'), file);
  if (text === undefined) throw new UserError(`kubeconfig ${file}: file not found`);
  let target;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`kubeconfig ${file}: ${(err as Error).message}`);
  }
  const caPem = target.caCertPem ?? (target.caFile ? await readText(new LocalHost('/'), path.resolve(path.dirname(file), target.caFile)) : undefined);
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

async function create(arg: string | undefined, flags: CreateFlags & { printJoinCommand?: boolean; certificateKey?: string }, opts: TokenOptions): Promise<void> {
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
  const { cluster, file } = await connect(opts);
  const joinLine = flags.printJoinCommand ? await joinCommandFor(file, token.token, flags.certificateKey) : undefined;
  await cluster.apply(tokenSecret(token, tokenExpiration(token, new Date())));
  if (opts.dryRun) process.stdout.write(`[dryrun] Would create Secret ${TOKEN_NAMESPACE}/${tokenSecretName(splitToken(token.token).id)}\n`);
  process.stdout.write(`${joinLine ?? token.token}\n`);
}

async function listTokens(output: OutputFormat, opts: TokenOptions): Promise<void> {
  const { cluster } = await connect(opts);
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

async function deleteTokens(args: string[], opts: TokenOptions): Promise<void> {
  if (!args.length) throw new UserError(`missing argument; "token delete" takes tokens (${TOKEN_FORMAT}) or token ids ([a-z0-9]{6})`);
  const ids = args.map((arg, i) => {
    if (ID_PATTERN.test(arg)) return arg;
    if (isValidToken(arg)) return splitToken(arg).id;
    throw new UserError(`argument ${i + 1} is neither a token (${TOKEN_FORMAT}) nor a token id ([a-z0-9]{6})`);
  });
  const { cluster } = await connect(opts);
  for (const id of ids) {
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: TOKEN_NAMESPACE, name: tokenSecretName(id) };
    if (!(await cluster.get(ref))) throw new UserError(`failed to delete bootstrap token "${id}": Secret ${TOKEN_NAMESPACE}/${ref.name} not found`);
    await cluster.delete(ref);
    process.stdout.write(`bootstrap token "${id}" ${opts.dryRun ? 'would be ' : ''}deleted\n`);
  }
}

/** `bosun token create|list|delete|generate`, kubeadm's bootstrap token commands. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('Manage bootstrap tokens');
  // On each subcommand: options of `token` itself would have to come before the subcommand's name.
  const withCluster = (cmd: Command) =>
    cmd
      .option('--kubeconfig <file>', 'the kubeconfig to talk to the cluster with (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf)')
      .option('--dry-run', 'do not change anything; say what would be done');
  const opts = (cmd: Command) => cmd.opts<TokenOptions>();
  withCluster(token.command('create [token]'))
    .description('Create a bootstrap token on the server (a random one unless [token] is given)')
    .option('--ttl <duration>', 'how long the token is valid (0: never expires)', '24h0m0s')
    .option('--usages <usages>', 'what the token may be used for: signing, authentication', list)
    .option('--groups <groups>', 'extra groups the token authenticates as (system:bootstrappers:…)', list)
    .option('--description <text>', 'a human friendly description of the token')
    .option('--print-join-command', "print the whole 'bosun join' command for the token instead of the token")
    .option('--certificate-key <key>', 'with --print-join-command: print the control-plane join command with this key')
    .action((arg: string | undefined, flags, cmd: Command) => create(arg, flags, opts(cmd)));
  withCluster(token.command('list'))
    .description('List bootstrap tokens on the server')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .action((flags: { output: OutputFormat }, cmd: Command) => listTokens(flags.output, opts(cmd)));
  withCluster(token.command('delete'))
    .argument('[token-value...]', 'tokens or token ids to delete')
    .description('Delete bootstrap tokens on the server')
    .action((args: string[], _flags, cmd: Command) => deleteTokens(args, opts(cmd)));
  token
    .command('generate')
    .description('Generate and print a bootstrap token, but do not create it on the server')
    .action(() => {
      process.stdout.write(`${generateToken()}\n`);
    });
}
