/**
 * The plugins' migration rules, one entry per change ("generation": the numbering is this table's, CoreDNS does not
 * version plugins). Follows `coredns/corefile-migration:migration/plugins.go`; the generations marked "bosun" add
 * options of later CoreDNS releases the library's copy here does not list (they only keep such options from being
 * reported as unsupported; nothing is migrated for them).
 */
import { addPlugin, dropHttpsGoogle, plainOptions, proxyToForward, removeOption, useFirstArgumentOnly, type OptionRule, type PluginRule } from './rules.js';

const K8S_COMMON = 'tls namespaces labels pods endpoint_pod_names ttl noendpoints fallthrough ignore';

function kubernetes(rules: Record<string, OptionRule>, more = ''): PluginRule {
  return { options: { ...plainOptions(`${K8S_COMMON}${more}`), ...rules } };
}

const endpointIgnored: OptionRule = { status: 'ignored', action: useFirstArgumentOnly };

export const KUBERNETES = {
  v1: kubernetes(plainOptions('resyncperiod endpoint upstream transfer')),
  v2: kubernetes(plainOptions('resyncperiod endpoint upstream transfer'), ' kubeconfig'),
  v3: kubernetes({ ...plainOptions('resyncperiod upstream transfer'), endpoint: { status: 'deprecated', action: useFirstArgumentOnly } }, ' kubeconfig'),
  v4: kubernetes(
    { ...plainOptions('resyncperiod transfer'), endpoint: endpointIgnored, upstream: { status: 'deprecated', action: removeOption } },
    ' kubeconfig',
  ),
  v5: kubernetes(
    {
      transfer: {},
      resyncperiod: { status: 'deprecated', action: removeOption },
      endpoint: endpointIgnored,
      upstream: { status: 'ignored', action: removeOption },
    },
    ' kubeconfig',
  ),
  v6: kubernetes(
    {
      transfer: {},
      resyncperiod: { status: 'ignored', action: removeOption },
      endpoint: endpointIgnored,
      upstream: { status: 'ignored', action: removeOption },
    },
    ' kubeconfig',
  ),
  v7: kubernetes(
    {
      transfer: {},
      resyncperiod: { status: 'removed', action: removeOption },
      endpoint: endpointIgnored,
      upstream: { status: 'removed', action: removeOption },
    },
    ' kubeconfig',
  ),
  v8RemoveTransfer: kubernetes({ endpoint: endpointIgnored, transfer: { status: 'removed', action: removeOption } }, ' kubeconfig'),
  v8: kubernetes({ endpoint: endpointIgnored }, ' kubeconfig'),
  /** bosun: options of CoreDNS 1.12+ (`namespace_labels`, `multicluster`, `startup_timeout`, API client limits). */
  v9: kubernetes(
    { endpoint: endpointIgnored },
    ' kubeconfig namespace_labels multicluster startup_timeout apiserver_qps apiserver_burst apiserver_max_inflight',
  ),
} as const;

export const ERRORS = {
  v1: {},
  v2: { options: plainOptions('consolidate') },
  v3: { options: plainOptions('consolidate stacktrace') },
} as const satisfies Record<string, PluginRule>;

export const HEALTH = {
  v1: { options: plainOptions('lameduck') },
  v1AddLameduck: { options: { lameduck: { status: 'newdefault', add: { name: 'lameduck', args: ['5s'] } } } },
} as const satisfies Record<string, PluginRule>;

const ADDRESS_OPTIONS = [
  [/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/, {}],
  [/[0-9A-Fa-f]{1,4}:[:0-9A-Fa-f]+:[0-9A-Fa-f]{1,4}/, {}],
] as const;

export const HOSTS = { v1: { options: plainOptions('ttl no_reverse reload fallthrough'), patternOptions: ADDRESS_OPTIONS } } as const;

// The library lists "answer name"; options are matched by their first word, so `answer` is what can match.
export const REWRITE = {
  v1: { options: plainOptions('type class name answer edns0') },
  v2: { options: plainOptions('type class name answer edns0 ttl') },
  v3: { options: plainOptions('type class name answer edns0 ttl cname') },
} as const;

export const LOG = { v1: { options: plainOptions('class') } } as const;

export const CACHE = {
  v1: { options: plainOptions('success denial prefetch') },
  v2: { options: plainOptions('success denial prefetch serve_stale') },
  /** CoreDNS 1.10.1 `keepttl`; `disable` (kubeadm's recent default Corefiles use it) from the same generation (bosun). */
  v3: { options: plainOptions('success denial prefetch serve_stale keepttl disable') },
} as const;

const FORWARD_V2 = 'except force_tcp prefer_udp expire max_fails tls tls_servername policy health_check';

export const FORWARD = {
  v1: { options: plainOptions('except force_tcp expire max_fails tls tls_servername policy health_check') },
  v2: { options: plainOptions(FORWARD_V2) },
  v3: { options: plainOptions(`${FORWARD_V2} max_concurrent`) },
  v3AddMaxConcurrent: {
    options: { ...plainOptions(FORWARD_V2), max_concurrent: { status: 'newdefault', add: { name: 'max_concurrent', args: ['1000'] } } },
  },
  /** bosun: CoreDNS 1.12+ `failfast_all_unhealthy_upstreams` and `next`. */
  v4: { options: plainOptions(`${FORWARD_V2} max_concurrent failfast_all_unhealthy_upstreams next`) },
} as const satisfies Record<string, PluginRule>;

export const K8S_EXTERNAL = {
  v1: { options: plainOptions('apex ttl') },
  v2: { options: plainOptions('apex ttl fallthrough') },
} as const;

const PROXY_OPTIONS = plainOptions('policy fail_timeout max_fails health_check except spray');

export const PROXY = {
  v1: { options: { ...PROXY_OPTIONS, protocol: { status: 'ignored', action: dropHttpsGoogle } } },
  v2: { options: { ...PROXY_OPTIONS, protocol: { status: 'removed', action: dropHttpsGoogle } } },
  deprecation: proxyToForward('deprecated'),
  removal: proxyToForward('removed'),
} as const satisfies Record<string, PluginRule>;

/**
 * bosun: `federation` (kube-dns's federations, as kubeadm translated them), removed from CoreDNS in 1.7.0; the library
 * does not list it. Its options are `<name> <domain>` lines, any name.
 */
export const FEDERATION = {
  v1: { patternOptions: [[/^/, {}]] },
  removal: { status: 'removed', action: () => undefined },
} as const satisfies Record<string, PluginRule>;

export const TRANSFER = { v1: { options: plainOptions('to') } } as const;

/** CoreDNS 1.2.1 adds `loop` to blocks that forward; 1.5.0 adds `ready` to blocks that serve `kubernetes`. */
export const LOOP_NEW_DEFAULT: PluginRule = { status: 'newdefault', add: addPlugin('loop', ['forward', 'proxy']) };
export const READY_NEW_DEFAULT: PluginRule = { status: 'newdefault', add: addPlugin('ready', ['kubernetes']) };
