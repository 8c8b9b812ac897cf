import { UserError } from '../../errors.js';
import { PLACEHOLDER_TOKEN } from '../../tokens/token.js';
import { emitYamlDocuments } from '../../util/yaml.js';
import { defaultInitConfig, joinWithDefaults, kubeProxyWithDefaults } from '../../config/defaults.js';
import { isPlainObject } from '../../config/documents.js';
import { buildJoinConfig } from '../../config/join.js';
import type { ConfigFile } from '../../config/read.js';
import { buildInitConfig } from '../../config/resolve.js';
import type { InitConfiguration } from '../../config/types.js';

/**
 * The pure halves of `bosun config print|migrate|validate`. Nothing here looks at the host or makes a
 * token: printed defaults carry kubeadm's placeholders, migrated and validated files keep what they say.
 */

/** kubeadm's placeholders in printed defaults, so the output validates without naming a real host. */
const PLACEHOLDER = { advertiseAddress: '1.2.3.4', nodeName: 'node', apiServerEndpoint: 'kube-apiserver:6443' };

const COMPONENT_CONFIG_KINDS = ['KubeProxyConfiguration', 'KubeletConfiguration'] as const;

/** Documents as kubeadm writes them: keys sorted (Go marshals maps and structs that way), `---` between. */
function kubeadmYaml(documents: object[]): string {
  return emitYamlDocuments(documents.map(sortKeys));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** `config print init-defaults [--component-configs KubeletConfiguration,KubeProxyConfiguration]`. */
export function initDefaultsYaml(componentConfigs: string[] = []): string {
  const unknown = componentConfigs.filter((kind) => !(COMPONENT_CONFIG_KINDS as readonly string[]).includes(kind));
  if (unknown.length) {
    throw new UserError(`--component-configs: unknown kind ${unknown.map((k) => `"${k}"`).join(', ')}; expected some of ${COMPONENT_CONFIG_KINDS.join(', ')}`);
  }
  const cfg = defaultInitConfig();
  const init: InitConfiguration = {
    ...cfg.init,
    bootstrapTokens: cfg.init.bootstrapTokens?.map((t) => ({ ...t, token: PLACEHOLDER_TOKEN })),
    localAPIEndpoint: { ...cfg.init.localAPIEndpoint, advertiseAddress: PLACEHOLDER.advertiseAddress },
    // kubeadm prints the taints unset: the control-plane taint is applied when init runs.
    nodeRegistration: { ...cfg.init.nodeRegistration, name: PLACEHOLDER.nodeName, taints: null },
  };
  const components = {
    KubeletConfiguration: cfg.kubelet,
    KubeProxyConfiguration: kubeProxyWithDefaults({}, cfg.cluster, PLACEHOLDER.advertiseAddress),
  };
  return kubeadmYaml([init, cfg.cluster, ...componentConfigs.map((kind) => components[kind as keyof typeof components])]);
}

/** `config print join-defaults`. */
export function joinDefaultsYaml(): string {
  const join = joinWithDefaults({
    nodeRegistration: { name: PLACEHOLDER.nodeName },
    discovery: { bootstrapToken: { token: PLACEHOLDER_TOKEN, apiServerEndpoint: PLACEHOLDER.apiServerEndpoint, unsafeSkipCAVerification: true } },
  });
  join.nodeRegistration.taints = null;
  return kubeadmYaml([join]);
}

/**
 * `config migrate`: the file as v1beta4, defaulted and validated as kubeadm does, without host-derived
 * values (no detected address, no generated token, so the output stays portable). Component configs
 * are carried over unchanged (kubeadm drops them; losing kubelet settings in a migration helps nobody).
 */
export function migratedYaml(file: ConfigFile): string {
  const documents: object[] = [];
  if (file.init || file.cluster) {
    const { init, cluster } = buildInitConfig(file, {});
    documents.push(withoutEmptyTokens(init), cluster);
  }
  if (file.join) documents.push(buildJoinConfig(file, {}).join);
  if (file.kubelet) documents.push(file.kubelet);
  if (file.kubeProxy) documents.push(file.kubeProxy);
  if (!documents.length) throw new UserError(`${file.file}: nothing to migrate; expected kubeadm.k8s.io documents`);
  return kubeadmYaml(documents);
}

/** The phase paths of `bosun init` and `bosun join`: what skipPhases may name. */
export interface CommandPhases {
  init: readonly string[];
  join: readonly string[];
}

/** `config validate`: throws the first problems found (ConfigError), as `bosun init`/`join` would. */
export function validateConfig(file: ConfigFile, phases: CommandPhases): void {
  if (file.init || file.cluster) buildInitConfig(file, {}, undefined, phases.init);
  if (file.join) buildJoinConfig(file, {}, undefined, phases.join);
}

/** An empty token means "generate one at init"; kubeadm's output omits it rather than printing `token: ""`. */
function withoutEmptyTokens(init: InitConfiguration): object {
  return { ...init, bootstrapTokens: init.bootstrapTokens?.map(({ token, ...rest }) => (token ? { token, ...rest } : rest)) };
}
