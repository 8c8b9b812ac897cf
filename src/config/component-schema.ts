import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from './duration.js';
import { quote } from '../errors.js';

/**
 * KubeletConfiguration (kubelet.config.k8s.io/v1beta1) and KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1):
 * every top-level field of the real types (k8s.io/kubelet and k8s.io/kube-proxy v0.37), so a misspelt field is
 * refused; scalars are checked by their Go type, nested objects only for being a mapping or a list, except the
 * ones bosun sets itself (kubelet authentication/authorization, kube-proxy clientConnection), which are strict.
 * Values pass through unchanged.
 */
const str = z.string();
const durationText = str.check((ctx) => {
  if (parseDuration(ctx.value) === undefined) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `${quote(ctx.value)} is not a duration; expected e.g. ${DURATION_EXAMPLES}` });
  }
});

const GO_TYPES = {
  string: str,
  bool: z.boolean(),
  int: z.number().int(),
  number: z.number(),
  duration: durationText,
  strings: z.array(str),
  stringMap: z.record(str, str),
  boolMap: z.record(str, z.boolean()),
  mapping: z.record(str, z.unknown()),
  list: z.array(z.unknown()),
};

/** `{ string: 'a b c', bool: 'd' }` -> a zod shape with each named field optional and of that Go type. */
function fields(table: Partial<Record<keyof typeof GO_TYPES, string>>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(table).flatMap(([type, names]) =>
      names!
        .split(/\s+/)
        .filter(Boolean)
        .map((name) => [name, GO_TYPES[type as keyof typeof GO_TYPES].optional()]),
    ),
  );
}

const KUBELET_FIELDS = fields({
  string: `staticPodPath podLogsDir staticPodURL address tlsCertFile tlsPrivateKeyFile tlsMinVersion
    imagePullCredentialsVerificationPolicy healthzBindAddress clusterDomain kubeletCgroups systemCgroups cgroupRoot
    cpuManagerPolicy memoryManagerPolicy topologyManagerPolicy topologyManagerScope hairpinMode podCIDR resolvConf
    contentType containerLogMaxSize configMapAndSecretChangeDetectionStrategy reservedSystemCPUs
    showHiddenMetricsForVersion systemReservedCgroup kubeReservedCgroup volumePluginDir providerID
    memoryReservationPolicy containerRuntimeEndpoint imageServiceEndpoint`,
  bool: `enableServer rotateCertificates serverTLSBootstrap enableDebuggingHandlers enableContentionProfiling
    cgroupsPerQOS singleProcessOOMKill runOnce cpuCFSQuota serializeImagePulls mergeDefaultEvictionSettings
    enableControllerAttachDetach protectKernelDefaults makeIPTablesUtilChains failSwapOn kernelMemcgNotification
    enableSystemLogHandler enableSystemLogQuery enableProfilingHandler enableDebugFlagsHandler seccompDefault
    registerNode localStorageCapacityIsolation failCgroupV1`,
  int: `port readOnlyPort registryPullQPS registryBurst eventRecordQPS eventBurst healthzPort oomScoreAdj
    nodeLeaseDurationSeconds imageGCHighThresholdPercent imageGCLowThresholdPercent maxPods podPidsLimit
    nodeStatusMaxImages maxOpenFiles kubeAPIQPS kubeAPIBurst maxParallelImagePulls evictionMaxPodGracePeriod
    podsPerCore iptablesMasqueradeBit iptablesDropBit containerLogMaxFiles containerLogMaxWorkers`,
  number: 'memoryThrottlingFactor',
  duration: `syncFrequency fileCheckFrequency httpCheckFrequency streamingConnectionIdleTimeout
    nodeStatusUpdateFrequency nodeStatusReportFrequency imageMinimumGCAge imageMaximumGCAge volumeStatsAggPeriod
    cpuManagerReconcilePeriod runtimeRequestTimeout cpuCFSQuotaPeriod evictionPressureTransitionPeriod
    containerLogMonitorInterval shutdownGracePeriod shutdownGracePeriodCriticalPods`,
  strings: 'clusterDNS tlsCipherSuites preloadedImagesVerificationAllowlist enforceNodeAllocatable allowedUnsafeSysctls',
  stringMap: `cpuManagerPolicyOptions topologyManagerPolicyOptions qosReserved evictionHard evictionSoft
    evictionSoftGracePeriod evictionMinimumReclaim systemReserved kubeReserved defaultPodSysctls`,
  boolMap: 'featureGates',
  mapping: 'staticPodURLHeader memorySwap logging crashLoopBackOff tracing userNamespaces',
  list: 'tlsCurvePreferences shutdownGracePeriodByPodPriority reservedMemory registerWithTaints',
});

export const kubeletSchema = z.strictObject({
  ...KUBELET_FIELDS,
  // "" is Go's zero value: unset, so kubeadm's default (systemd) applies.
  cgroupDriver: z
    .enum(['systemd', 'cgroupfs', ''])
    .transform((v) => v || undefined)
    .optional(),
  authentication: z
    .strictObject({
      x509: z.strictObject({ clientCAFile: str.optional() }).optional(),
      webhook: z.strictObject({ enabled: z.boolean().optional(), cacheTTL: durationText.optional() }).optional(),
      anonymous: z.strictObject({ enabled: z.boolean().optional() }).optional(),
    })
    .optional(),
  authorization: z
    .strictObject({
      mode: z.enum(['AlwaysAllow', 'Webhook', '']).optional(),
      webhook: z.strictObject({ cacheAuthorizedTTL: durationText.optional(), cacheUnauthorizedTTL: durationText.optional() }).optional(),
    })
    .optional(),
});

const KUBEPROXY_FIELDS = fields({
  string: `hostnameOverride bindAddress healthzBindAddress metricsBindAddress showHiddenMetricsForVersion
    detectLocalMode clusterCIDR portRange`,
  bool: 'bindAddressHardFail enableProfiling windowsRunAsService',
  int: 'oomScoreAdj',
  duration: 'configSyncPeriod',
  boolMap: 'featureGates',
  strings: 'nodePortAddresses',
  mapping: 'logging iptables ipvs nftables winkernel detectLocal conntrack',
});

export const kubeProxySchema = z.strictObject({
  ...KUBEPROXY_FIELDS,
  mode: z.enum(['iptables', 'ipvs', 'nftables', 'kernelspace', '']).optional(),
  clientConnection: z
    .strictObject({
      kubeconfig: str.optional(),
      acceptContentTypes: str.optional(),
      contentType: str.optional(),
      qps: z.number().optional(),
      burst: z.number().int().optional(),
    })
    .optional(),
});
