/**
 * CoreDNS releases in order, each with its plugin table (`coredns/corefile-migration:migration/versions.go`).
 *
 * bosun needs 1.13.1 (kubeadm v1.35, the minor a cluster upgrades to bosun's oldest from) through 1.14.2 (v1.36) and
 * 1.14.6 (v1.37; src/addons/coredns.ts `COREDNS_VERSIONS`). The older releases stay: they are a few shared lines
 * each, they carry the library's published test cases (proxy → forward, removed options, new defaults), and a
 * cluster that skipped kubeadm's migration can still be brought forward. 1.11.4 to 1.14.6 keep the 1.11 plugin
 * rules plus the options those releases added (no plugin was deprecated or removed there that this table knows of).
 * Versions that were never released are absent: 1.6.8, 1.8.1, 1.8.2, 1.11.2.
 */
import { UserError } from '../../errors.js';
import {
  CACHE,
  ERRORS,
  FEDERATION,
  FORWARD,
  HEALTH,
  HOSTS,
  K8S_EXTERNAL,
  KUBERNETES,
  LOG,
  LOOP_NEW_DEFAULT,
  PROXY,
  READY_NEW_DEFAULT,
  REWRITE,
  TRANSFER,
} from './plugins.js';
import { forwardZonesToServerBlocks, kubernetesTransferToPlugin, type CorefileStep, type PluginRule, type PluginTable } from './rules.js';

export interface Release {
  version: string;
  plugins: PluginTable;
  /** Kubernetes minors whose kubeadm installs this release by default. */
  kubernetes?: string[];
  /** Runs before the plugin rules (copying an option into a new plugin before the option is removed). */
  preProcess?: CorefileStep;
  /** Runs after the plugin rules (moving plugins between server blocks). */
  postProcess?: CorefileStep;
}

const plain: PluginRule = {};

const V1_1: PluginTable = {
  errors: ERRORS.v1,
  log: LOG.v1,
  health: HEALTH.v1,
  autopath: plain,
  kubernetes: KUBERNETES.v1,
  prometheus: plain,
  proxy: PROXY.v1,
  forward: FORWARD.v1,
  cache: CACHE.v1,
  reload: plain,
  loadbalance: plain,
  hosts: HOSTS.v1,
  rewrite: REWRITE.v1,
  federation: FEDERATION.v1,
};
const V1_2_0: PluginTable = { ...V1_1, proxy: PROXY.v2, forward: FORWARD.v2 };
const V1_2_2: PluginTable = { ...V1_2_0, loop: plain };
const V1_2_3: PluginTable = { ...V1_2_2, kubernetes: KUBERNETES.v2, rewrite: REWRITE.v2 };
const V1_2_6: PluginTable = { ...V1_2_3, errors: ERRORS.v2 };
const V1_3_0: PluginTable = { ...V1_2_6, k8s_external: K8S_EXTERNAL.v1 };
const V1_3_1: PluginTable = { ...V1_3_0, kubernetes: KUBERNETES.v3 };
const V1_4: PluginTable = { ...V1_3_1, kubernetes: KUBERNETES.v4, proxy: PROXY.deprecation };
const V1_5_0: PluginTable = { ...V1_4, kubernetes: KUBERNETES.v5, proxy: PROXY.removal, ready: READY_NEW_DEFAULT };
const { proxy: _removed, ...V1_5 }: PluginTable = { ...V1_5_0, ready: plain };
const V1_6_0: PluginTable = { ...V1_5, kubernetes: KUBERNETES.v6 };
const V1_6_5: PluginTable = { ...V1_6_0, health: HEALTH.v1AddLameduck };
const V1_6_6: PluginTable = { ...V1_6_0, cache: CACHE.v2 };
const V1_6_9: PluginTable = { ...V1_6_6, forward: FORWARD.v3 };
const V1_7_0: PluginTable = { ...V1_6_0, kubernetes: KUBERNETES.v7, forward: FORWARD.v3AddMaxConcurrent, federation: FEDERATION.removal };
const { federation: _federationRemoved, ...V1_7 }: PluginTable = V1_7_0;
const V1_7_1: PluginTable = { ...V1_7, forward: FORWARD.v3 };
const V1_8_0: PluginTable = { ...V1_7_1, kubernetes: KUBERNETES.v8RemoveTransfer, transfer: TRANSFER.v1 };
const V1_8_3: PluginTable = { ...V1_8_0, kubernetes: KUBERNETES.v8 };
const V1_9_3: PluginTable = { ...V1_8_3, errors: ERRORS.v3 };
const V1_10_1: PluginTable = { ...V1_9_3, cache: CACHE.v3 };
const V1_11: PluginTable = { ...V1_10_1, k8s_external: K8S_EXTERNAL.v2, rewrite: REWRITE.v3 };
const V1_12: PluginTable = { ...V1_11, kubernetes: KUBERNETES.v9, forward: FORWARD.v4 };

const range = (versions: string, plugins: PluginTable): Release[] => versions.split(' ').map((version) => ({ version, plugins }));

export const RELEASES: readonly Release[] = [
  { version: '1.1.3', plugins: {}, kubernetes: ['1.11'] },
  { version: '1.1.4', plugins: V1_1 },
  { version: '1.2.0', plugins: V1_2_0 },
  { version: '1.2.1', plugins: { ...V1_2_0, loop: LOOP_NEW_DEFAULT } },
  { version: '1.2.2', plugins: V1_2_2, kubernetes: ['1.12'] },
  ...range('1.2.3 1.2.4 1.2.5', V1_2_3),
  { version: '1.2.6', plugins: V1_2_6, kubernetes: ['1.13'] },
  { version: '1.3.0', plugins: V1_3_0 },
  { version: '1.3.1', plugins: V1_3_1, kubernetes: ['1.14', '1.15'] },
  { version: '1.4.0', plugins: V1_4, postProcess: forwardZonesToServerBlocks },
  { version: '1.5.0', plugins: V1_5_0, postProcess: forwardZonesToServerBlocks },
  ...range('1.5.1 1.5.2', V1_5),
  ...range('1.6.0 1.6.1', V1_6_0),
  { version: '1.6.2', plugins: V1_6_0, kubernetes: ['1.16'] },
  ...range('1.6.3 1.6.4', V1_6_0),
  { version: '1.6.5', plugins: V1_6_5, kubernetes: ['1.17'] },
  { version: '1.6.6', plugins: V1_6_6 },
  { version: '1.6.7', plugins: V1_6_6, kubernetes: ['1.18'] },
  { version: '1.6.9', plugins: V1_6_9 },
  { version: '1.7.0', plugins: V1_7_0, kubernetes: ['1.19', '1.20'] },
  { version: '1.7.1', plugins: V1_7_1 },
  { version: '1.8.0', plugins: V1_8_0, kubernetes: ['1.21'], preProcess: kubernetesTransferToPlugin },
  { version: '1.8.3', plugins: V1_8_3 },
  { version: '1.8.4', plugins: V1_8_3, kubernetes: ['1.22'] },
  { version: '1.8.5', plugins: V1_8_3 },
  { version: '1.8.6', plugins: V1_8_3, kubernetes: ['1.23', '1.24'] },
  ...range('1.8.7 1.9.0 1.9.1 1.9.2', V1_8_3),
  { version: '1.9.3', plugins: V1_9_3, kubernetes: ['1.25', '1.26'] },
  ...range('1.9.4 1.10.0', V1_9_3),
  { version: '1.10.1', plugins: V1_10_1, kubernetes: ['1.27', '1.28'] },
  { version: '1.11.0', plugins: V1_11 },
  { version: '1.11.1', plugins: V1_11, kubernetes: ['1.29', '1.30'] },
  { version: '1.11.3', plugins: V1_11, kubernetes: ['1.31', '1.32'] },
  { version: '1.11.4', plugins: V1_11 },
  { version: '1.12.0', plugins: V1_12, kubernetes: ['1.33'] },
  { version: '1.12.1', plugins: V1_12, kubernetes: ['1.34'] },
  ...range('1.12.2 1.12.3 1.12.4 1.13.0', V1_12),
  { version: '1.13.1', plugins: V1_12, kubernetes: ['1.35'] },
  ...range('1.13.2 1.14.0 1.14.1', V1_12),
  { version: '1.14.2', plugins: V1_12, kubernetes: ['1.36'] },
  ...range('1.14.3 1.14.4 1.14.5', V1_12),
  { version: '1.14.6', plugins: V1_12, kubernetes: ['1.37'] },
];

const INDEX = new Map(RELEASES.map((release, i) => [release.version, i]));

/** `v1.14.2` → `1.14.2`: image tags carry the `v`, the table does not. */
export function releaseVersion(tag: string): string {
  return tag.trim().replace(/^v/, '');
}

/** The position of a release in `RELEASES`, if the table knows it. */
export function releasePosition(tag: string): number | undefined {
  return INDEX.get(releaseVersion(tag));
}

/** The position of a release in `RELEASES`; an unknown version is an error naming it and the range known. */
export function releaseIndex(tag: string, role: string): number {
  const index = releasePosition(tag);
  if (index === undefined) {
    throw new UserError({
      what: `${role} CoreDNS version "${tag}" is not a release the Corefile migration knows`,
      expected: `a CoreDNS release from ${RELEASES[0].version} to ${RELEASES.at(-1)!.version} (a self-built image tag cannot be migrated: skip the Corefile migration)`,
    });
  }
  return index;
}
