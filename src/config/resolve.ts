import { ConfigError, UserError } from '../errors.js';
import { generateToken } from '../tokens/token.js';
import { clusterWithDefaults, initWithDefaults, kubeletWithDefaults, kubeProxyWithDefaults } from './defaults.js';
import { DURATION_EXAMPLES, normalizeDuration } from './duration.js';
import { configError, type Located } from './issues.js';
import { quote } from '../errors.js';
import { parseHostPort, parseIP } from './net.js';
import type { Host } from '../host/host.js';
import type { NodeFacts } from './node-facts.js';
import type { ConfigFile } from './read.js';
import type { InitConfig, NodeRegistrationOptions } from './types.js';
import { validateInitConfig, type Check } from './validate.js';
import { normalizeKubernetesVersion } from './version.js';

/** `bosun init` flags that override the configuration documents, as in kubeadm. */
export interface InitFlags {
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: number;
  apiserverCertExtraSans?: string[];
  certDir?: string;
  certificateKey?: string;
  controlPlaneEndpoint?: string;
  criSocket?: string;
  featureGates?: string;
  imageRepository?: string;
  kubernetesVersion?: string;
  nodeName?: string;
  podNetworkCidr?: string;
  serviceCidr?: string;
  serviceDnsDomain?: string;
  token?: string;
  tokenTtl?: string;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
}

const INIT_FLAGS = [
  'apiserverAdvertiseAddress',
  'apiserverBindPort',
  'apiserverCertExtraSans',
  'certDir',
  'certificateKey',
  'controlPlaneEndpoint',
  'criSocket',
  'featureGates',
  'imageRepository',
  'kubernetesVersion',
  'nodeName',
  'podNetworkCidr',
  'serviceCidr',
  'serviceDnsDomain',
  'token',
  'tokenTtl',
  'skipPhases',
  'ignorePreflightErrors',
] as const satisfies readonly (keyof InitFlags)[];

/**
 * The flags kubeadm lets through beside `--config` (validation.isAllowedFlag): these, every `--skip-*`,
 * and flags that are no config setting (--dry-run, --kubeconfig, --rootfs, --upload-certs).
 */
const MIXABLE_WITH_CONFIG = new Set(['nodeName', 'skipPhases', 'ignorePreflightErrors']);

/**
 * Which document field a flag set: problems found there are reported against the flag.
 * Keys are `Kind:field.path`, values the flag as the user typed it.
 */
export type FlagOrigins = Map<string, string>;

/** What resolution reads besides the flags: `--config` on the operator's machine, and this node's facts. */
export interface ResolveInput<F> {
  configFile?: string;
  /** Where `--config` is read: the operator's machine (LocalHost('/'), never under --rootfs). */
  local: Host;
  flags: F;
  facts: NodeFacts;
  /** The command's phase paths, for skipPhases to be checked (and refused naming the file) before anything runs. */
  phases?: readonly string[];
}

/** Reads `--config` (v1beta4 or v1beta3 + component configs), applies flags and defaults, validates. */
export async function resolveInitConfig(input: ResolveInput<InitFlags>): Promise<InitConfig> {
  // The file reader (and its schemas) is loaded only when there is a file.
  const file = input.configFile ? await (await import('./load.js')).loadConfigFile(input.local, input.configFile) : undefined;
  return buildInitConfig(file, input.flags, input.facts, input.phases);
}

/**
 * The pure part of resolve. With `host`, values kubeadm derives from the machine are filled (node name,
 * advertise address, random tokens) and required; without it (validate, migrate) they stay as written.
 * `phases`: init's phase paths, when the caller has them, for skipPhases (see ValidateOptions).
 */
export function buildInitConfig(file: ConfigFile | undefined, flags: InitFlags, host?: NodeFacts, phases?: readonly string[]): InitConfig {
  if (file) {
    refuseFlagsBesideConfig(flags, INIT_FLAGS);
    if (!file.init && !file.cluster) {
      throw new ConfigError(
        file.file,
        undefined,
        undefined,
        'no InitConfiguration or ClusterConfiguration found; expected at least one of them (kubeadm.k8s.io/v1beta4)',
      );
    }
  }
  const init = initWithDefaults(file?.init, file?.controlPlaneTimeout);
  const cluster = clusterWithDefaults(file?.cluster);
  const origins: FlagOrigins = new Map();
  const set = <K extends keyof InitFlags>(kind: string, field: string, flag: K, apply: (value: NonNullable<InitFlags[K]>) => void) => {
    const value = flags[flag];
    if (value === undefined || value === null) return;
    apply(value);
    origins.set(`${kind}:${field}`, `--${flagName(flag)}`);
  };
  const I = 'InitConfiguration';
  const C = 'ClusterConfiguration';
  const token = init.bootstrapTokens![0];
  set(I, 'localAPIEndpoint.advertiseAddress', 'apiserverAdvertiseAddress', (v) => (init.localAPIEndpoint.advertiseAddress = v));
  set(I, 'localAPIEndpoint.bindPort', 'apiserverBindPort', (v) => (init.localAPIEndpoint.bindPort = v));
  set(I, 'nodeRegistration.name', 'nodeName', (v) => (init.nodeRegistration.name = v));
  set(I, 'nodeRegistration.criSocket', 'criSocket', (v) => (init.nodeRegistration.criSocket = v));
  set(I, 'certificateKey', 'certificateKey', (v) => (init.certificateKey = v));
  set(I, 'bootstrapTokens[0].token', 'token', (v) => (token.token = v));
  set(I, 'bootstrapTokens[0].ttl', 'tokenTtl', (v) => {
    token.ttl = normalizeDuration(v);
    if (token.ttl === undefined)
      throw new ConfigError(undefined, undefined, '--token-ttl', `${quote(v)} is not a duration; expected e.g. ${DURATION_EXAMPLES} (0 = never expires)`);
    delete token.expires;
  });
  set(I, 'skipPhases', 'skipPhases', (v) => (init.skipPhases = v));
  set(C, 'controlPlaneEndpoint', 'controlPlaneEndpoint', (v) => (cluster.controlPlaneEndpoint = v));
  set(C, 'networking.podSubnet', 'podNetworkCidr', (v) => (cluster.networking.podSubnet = v));
  set(C, 'networking.serviceSubnet', 'serviceCidr', (v) => (cluster.networking.serviceSubnet = v));
  set(C, 'networking.dnsDomain', 'serviceDnsDomain', (v) => (cluster.networking.dnsDomain = v));
  set(C, 'kubernetesVersion', 'kubernetesVersion', (v) => (cluster.kubernetesVersion = v));
  set(C, 'certificatesDir', 'certDir', (v) => (cluster.certificatesDir = v));
  set(C, 'apiServer.certSANs', 'apiserverCertExtraSans', (v) => (cluster.apiServer.certSANs = v));
  set(C, 'imageRepository', 'imageRepository', (v) => (cluster.imageRepository = v));
  set(C, 'featureGates', 'featureGates', (v) => (cluster.featureGates = parseFeatureGates(v)));
  // As kubeadm: the flag's checks join the file's, and the union is what the config then says.
  if (flags.ignorePreflightErrors) {
    init.nodeRegistration.ignorePreflightErrors = unionLowerCase(init.nodeRegistration.ignorePreflightErrors, flags.ignorePreflightErrors);
  }

  // kubeadm's normalizations: `v` on versions, lower-case SANs, a port on the control-plane endpoint.
  cluster.kubernetesVersion = normalizeKubernetesVersion(cluster.kubernetesVersion);
  if (cluster.apiServer.certSANs) cluster.apiServer.certSANs = cluster.apiServer.certSANs.map((san) => san.toLowerCase());
  cluster.controlPlaneEndpoint &&= withPort(cluster.controlPlaneEndpoint, init.localAPIEndpoint.bindPort ?? 6443);
  normalizeNodeRegistration(init.nodeRegistration);
  if (host) {
    fillNodeName(init.nodeRegistration, host);
    const where = attribute(file, origins, { kind: I, field: 'localAPIEndpoint.advertiseAddress', problem: '' });
    init.localAPIEndpoint.advertiseAddress = advertiseAddress(init.localAPIEndpoint.advertiseAddress, host, where);
    for (const t of init.bootstrapTokens ?? []) t.token ||= generateToken();
  }
  const cfg: InitConfig = {
    init,
    cluster,
    kubelet: kubeletWithDefaults(file?.kubelet, cluster),
    kubeProxy: kubeProxyWithDefaults(file?.kubeProxy, cluster, init.localAPIEndpoint.advertiseAddress),
    proxyEnv: host?.proxyEnv() ?? [],
    ...(file?.addons && { addons: file.addons }),
  };
  throwChecks(validateInitConfig(cfg, { complete: Boolean(host), phases }), file, origins);
  return cfg;
}

/** `apiserverBindPort` -> `apiserver-bind-port`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** kubeadm refuses most flags beside `--config`: "can not mix '--config' with arguments [...]". */
export function refuseFlagsBesideConfig<F extends object>(flags: F, keys: readonly (keyof F & string)[]): void {
  const mixed = keys
    .filter((key) => flags[key] !== undefined && !MIXABLE_WITH_CONFIG.has(key))
    .map(flagName)
    .sort();
  if (mixed.length) {
    throw new UserError(`can not mix '--config' with arguments [${mixed.join(' ')}]; set them in the config file instead`);
  }
}

/** `--feature-gates A=true,B=false`, parsed as kubeadm does; names are checked by validation. */
function parseFeatureGates(text: string): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value] = pair.split('=', 2).map((s) => s.trim());
    if (value === undefined || !/^(true|false|1|0|t|f)$/i.test(value)) {
      throw new ConfigError(undefined, undefined, '--feature-gates', `${quote(pair)} is not a gate setting; expected Name=true or Name=false`);
    }
    gates[key] = /^(true|1|t)$/i.test(value);
  }
  return gates;
}

export function unionLowerCase(a: string[] = [], b: string[] = []): string[] {
  return [...new Set([...a, ...b].map((s) => s.toLowerCase()))].sort();
}

/** A control-plane endpoint without a port gets the API server's bind port. */
function withPort(endpoint: string, port: number): string {
  const parsed = parseHostPort(endpoint);
  if ('problem' in parsed || parsed.port !== undefined) return endpoint;
  return parseIP(parsed.host)?.family === 6 ? `[${parsed.host}]:${port}` : `${parsed.host}:${port}`;
}

/** kubeadm's normalizations that need no host: a lower-case node name, the unix:// scheme on a bare socket path. */
export function normalizeNodeRegistration(n: NodeRegistrationOptions): void {
  if (n.name) n.name = n.name.trim().toLowerCase();
  if (n.criSocket?.startsWith('/')) n.criSocket = `unix://${n.criSocket}`;
}

/** An unset node name becomes the hostname, lower-cased as kubeadm does. */
export function fillNodeName(n: NodeRegistrationOptions, host: NodeFacts): void {
  n.name ||= host.hostname().trim().toLowerCase();
}

/** The advertise address: given, or (empty or a wildcard) the default-route IPv4 address of this host. */
export function advertiseAddress(given: string | undefined, host: NodeFacts, where: Located): string {
  const ip = given ? parseIP(given) : undefined;
  if (given && (!ip || ip.value !== 0n)) return given; // invalid ones are reported by validation
  const detected = host.defaultIPv4();
  if (detected) return detected;
  throw configError([
    {
      ...where,
      problem: 'could not choose an address: no interface has an IPv4 address; set --apiserver-advertise-address or localAPIEndpoint.advertiseAddress',
    },
  ]);
}

/**
 * Where a check is reported: the flag that set the field, else the file, kind and field. With a file, every
 * value comes from it (or from defaults derived from it), since other flags can't go with --config.
 */
export function attribute(file: ConfigFile | undefined, origins: FlagOrigins, check: Check): Located {
  for (const [key, flag] of origins) {
    const [kind, field] = key.split(':');
    if (kind === check.kind && (check.field === field || check.field.startsWith(`${field}.`) || check.field.startsWith(`${field}[`))) {
      return { field: flag, problem: check.problem };
    }
  }
  return { file: file?.file, kind: check.kind, field: check.field, problem: check.problem };
}

export function throwChecks(checks: Check[], file: ConfigFile | undefined, origins: FlagOrigins): void {
  if (checks.length) throw configError(checks.map((c) => attribute(file, origins, c)));
}
