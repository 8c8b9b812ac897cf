/**
 * A KubeletConfiguration as kubeadm's Go code writes it: the kubelet's v1beta1 struct through encoding/json
 * and sigs.k8s.io/yaml. What the user and kubeadm set is kept; what that adds is spelt out here.
 */
import { normalizeDuration } from '../config/duration.js';
import type { KubeletConfiguration } from '../config/types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ZERO = '0s';

/**
 * The fields Go writes when nobody set them (k8s.io/kubelet v0.36 and v0.37 alike): `omitempty` never drops a
 * struct, so `metav1.Duration`s come out as `0s`, other structs with their members that lack `omitempty`
 * (logging's flush frequency, verbosity and buffer sizes), else as `{}`; and the one string without `omitempty`.
 */
const ALWAYS_WRITTEN: Obj = {
  authentication: { anonymous: {}, webhook: { cacheTTL: ZERO }, x509: {} },
  authorization: { webhook: { cacheAuthorizedTTL: ZERO, cacheUnauthorizedTTL: ZERO } },
  // A node's own setting (instance config); in the cluster-wide ConfigMap kubeadm writes it empty.
  containerRuntimeEndpoint: '',
  cpuManagerReconcilePeriod: ZERO,
  crashLoopBackOff: {},
  evictionPressureTransitionPeriod: ZERO,
  fileCheckFrequency: ZERO,
  httpCheckFrequency: ZERO,
  imageMaximumGCAge: ZERO,
  imageMinimumGCAge: ZERO,
  logging: { flushFrequency: 0, options: { json: { infoBufferSize: '0' }, text: { infoBufferSize: '0' } }, verbosity: 0 },
  memorySwap: {},
  nodeStatusReportFrequency: ZERO,
  nodeStatusUpdateFrequency: ZERO,
  runtimeRequestTimeout: ZERO,
  shutdownGracePeriod: ZERO,
  shutdownGracePeriodCriticalPods: ZERO,
  streamingConnectionIdleTimeout: ZERO,
  syncFrequency: ZERO,
  volumeStatsAggPeriod: ZERO,
};

function zeroDurationPaths(obj: Obj, prefix: string[] = []): string[][] {
  return Object.entries(obj).flatMap(([key, value]) => (value === ZERO ? [[...prefix, key]] : isObj(value) ? zeroDurationPaths(value, [...prefix, key]) : []));
}

/**
 * Every `metav1.Duration` field: Go writes what it parsed, so `1m` comes back as `1m0s`. The pointer ones
 * are not in ALWAYS_WRITTEN; a string flush frequency is a duration too (a number stays nanoseconds).
 */
const DURATION_PATHS = [
  ...zeroDurationPaths(ALWAYS_WRITTEN),
  ['cpuCFSQuotaPeriod'],
  ['containerLogMonitorInterval'],
  ['crashLoopBackOff', 'maxContainerRestartPeriod'],
  ['logging', 'flushFrequency'],
];

/** `over` laid on `under`, objects merged field by field. */
function overlay(under: unknown, over: unknown): unknown {
  if (over === undefined) return under;
  if (!isObj(under) || !isObj(over)) return over;
  const out: Obj = { ...under };
  for (const [key, value] of Object.entries(over)) out[key] = overlay(under[key], value);
  return out;
}

function canonicalDurations(cfg: Obj): void {
  for (const path of DURATION_PATHS) {
    const parent = path.slice(0, -1).reduce<unknown>((o, key) => (isObj(o) ? o[key] : undefined), cfg);
    const key = path[path.length - 1];
    if (!isObj(parent) || typeof parent[key] !== 'string') continue;
    parent[key] = normalizeDuration(parent[key] as string) ?? parent[key];
  }
}

/** Keys sorted at every level, as sigs.k8s.io/yaml writes maps (it sorts struct fields too, by their JSON names). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObj(value)) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortedKeys(v)]));
}

/** The configuration with the fields Go always writes, durations in Go's form, keys sorted: kubeadm's file, read back. */
export function goEncodedKubeletConfiguration(cfg: KubeletConfiguration): Obj {
  // Copies: the durations are rewritten in place.
  const full = overlay(structuredClone(ALWAYS_WRITTEN), structuredClone(cfg)) as Obj;
  canonicalDurations(full);
  return sortedKeys(full) as Obj;
}
