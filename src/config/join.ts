import { ConfigError, UserError } from '../errors.js';
import { CONTROL_PLANE_TAINT } from '../kube/labels.js';
import { joinWithDefaults } from './defaults.js';
import type { NodeFacts } from './node-facts.js';
import type { ConfigFile } from './read.js';
import {
  advertiseAddress,
  attribute,
  type ResolveInput,
  fillNodeName,
  flagName,
  normalizeNodeRegistration,
  refuseFlagsBesideConfig,
  throwChecks,
  unionLowerCase,
  type FlagOrigins,
} from './resolve.js';
import type { JoinFile } from './schema.js';
import type { JoinConfig } from './types.js';
import { validateJoinConfiguration } from './validate.js';

/** `bosun join [api-server-endpoint]` flags, as kubeadm names them. */
export interface JoinFlags {
  /** The positional argument: the API server to discover the cluster from (host:port). */
  apiServerEndpoint?: string;
  discoveryToken?: string;
  discoveryTokenCaCertHash?: string[];
  discoveryTokenUnsafeSkipCaVerification?: boolean;
  discoveryFile?: string;
  tlsBootstrapToken?: string;
  /** Both the discovery and the TLS bootstrap token, unless those are given on their own. */
  token?: string;
  controlPlane?: boolean;
  certificateKey?: string;
  apiserverAdvertiseAddress?: string;
  apiserverBindPort?: number;
  nodeName?: string;
  criSocket?: string;
  skipPhases?: string[];
  ignorePreflightErrors?: string[];
}

const JOIN_FLAGS = [
  'discoveryToken',
  'discoveryTokenCaCertHash',
  'discoveryTokenUnsafeSkipCaVerification',
  'discoveryFile',
  'tlsBootstrapToken',
  'token',
  'controlPlane',
  'certificateKey',
  'apiserverAdvertiseAddress',
  'apiserverBindPort',
  'nodeName',
  'criSocket',
  'skipPhases',
  'ignorePreflightErrors',
] as const satisfies readonly (keyof JoinFlags)[];

/** Reads `--config` (a JoinConfiguration, v1beta4 or v1beta3) or builds one from flags; defaults; validates. */
export async function resolveJoinConfig(input: ResolveInput<JoinFlags>): Promise<JoinConfig> {
  // The file reader (and its schemas) is loaded only when there is a file: a join from flags starts faster.
  const file = input.configFile ? await (await import('./load.js')).loadConfigFile(input.local, input.configFile) : undefined;
  return buildJoinConfig(file, input.flags, input.facts, input.phases);
}

/** `phases`: join's phase paths, when the caller has them, for skipPhases (see ValidateOptions). */
export function buildJoinConfig(file: ConfigFile | undefined, flags: JoinFlags, host?: NodeFacts, phases?: readonly string[]): JoinConfig {
  const origins: FlagOrigins = new Map();
  let source: JoinFile;
  if (file) {
    refuseFlagsBesideConfig(flags, JOIN_FLAGS);
    if (flags.apiServerEndpoint) {
      throw new UserError("can not mix '--config' with the API server endpoint argument; set discovery.bootstrapToken.apiServerEndpoint in the file");
    }
    if (!file.join) throw new ConfigError(file.file, undefined, undefined, 'no JoinConfiguration found; expected one (kubeadm.k8s.io/v1beta4)');
    source = { ...file.join, nodeRegistration: { ...file.join.nodeRegistration, ...(flags.nodeName && { name: flags.nodeName }) } };
    if (flags.skipPhases) source.skipPhases = flags.skipPhases;
  } else {
    source = joinFileFromFlags(flags, origins);
  }
  if (flags.nodeName) origins.set('JoinConfiguration:nodeRegistration.name', '--node-name');
  if (flags.skipPhases) origins.set('JoinConfiguration:skipPhases', '--skip-phases');
  const join = joinWithDefaults(source, file?.controlPlaneTimeout);
  if (flags.ignorePreflightErrors) {
    join.nodeRegistration.ignorePreflightErrors = unionLowerCase(join.nodeRegistration.ignorePreflightErrors, flags.ignorePreflightErrors);
  }
  normalizeNodeRegistration(join.nodeRegistration);
  if (join.controlPlane) join.nodeRegistration.taints ??= [CONTROL_PLANE_TAINT];
  if (host) {
    fillNodeName(join.nodeRegistration, host);
    const endpoint = join.controlPlane?.localAPIEndpoint;
    if (endpoint) {
      const where = attribute(file, origins, { kind: 'JoinConfiguration', field: 'controlPlane.localAPIEndpoint.advertiseAddress', problem: '' });
      endpoint.advertiseAddress = advertiseAddress(endpoint.advertiseAddress, host, where);
    }
  }
  throwChecks(validateJoinConfiguration(join, { complete: Boolean(host), phases }), file, origins);
  return { join, ...(file?.kubelet && { kubelet: file.kubelet as JoinConfig['kubelet'] }), proxyEnv: host?.proxyEnv() ?? [] };
}

/** A JoinConfiguration from kubeadm's join flags, remembering which flag set which field. */
function joinFileFromFlags(flags: JoinFlags, origins: FlagOrigins): JoinFile {
  const origin = (field: string, flag: keyof JoinFlags | undefined, label = flag && `--${flagName(flag)}`) => {
    if (flag && flags[flag] !== undefined && label) origins.set(`JoinConfiguration:${field}`, label);
  };
  const discoveryToken = flags.discoveryToken ?? flags.token;
  const tlsToken = flags.tlsBootstrapToken ?? flags.token;
  origin('discovery.bootstrapToken.token', flags.discoveryToken !== undefined ? 'discoveryToken' : 'token');
  origin('discovery.tlsBootstrapToken', flags.tlsBootstrapToken !== undefined ? 'tlsBootstrapToken' : 'token');
  origin('discovery.bootstrapToken.apiServerEndpoint', 'apiServerEndpoint', 'the API server endpoint argument');
  origin('discovery.bootstrapToken.caCertHashes', 'discoveryTokenCaCertHash');
  origin('discovery.file.kubeConfigPath', 'discoveryFile');
  origin('controlPlane.localAPIEndpoint.advertiseAddress', 'apiserverAdvertiseAddress');
  origin('controlPlane.localAPIEndpoint.bindPort', 'apiserverBindPort');
  origin('controlPlane.certificateKey', 'certificateKey');
  origin('nodeRegistration.criSocket', 'criSocket');
  return {
    nodeRegistration: { ...(flags.nodeName && { name: flags.nodeName }), ...(flags.criSocket && { criSocket: flags.criSocket }) },
    discovery: {
      ...(flags.discoveryFile
        ? { file: { kubeConfigPath: flags.discoveryFile } }
        : {
            bootstrapToken: {
              token: discoveryToken ?? '',
              apiServerEndpoint: flags.apiServerEndpoint ?? '',
              caCertHashes: flags.discoveryTokenCaCertHash ?? [],
              unsafeSkipCAVerification: flags.discoveryTokenUnsafeSkipCaVerification ?? false,
            },
          }),
      ...(tlsToken && { tlsBootstrapToken: tlsToken }),
    },
    ...(flags.controlPlane && {
      controlPlane: {
        localAPIEndpoint: { advertiseAddress: flags.apiserverAdvertiseAddress, bindPort: flags.apiserverBindPort },
        ...(flags.certificateKey && { certificateKey: flags.certificateKey }),
      },
    }),
    ...(flags.skipPhases && { skipPhases: flags.skipPhases }),
  };
}
