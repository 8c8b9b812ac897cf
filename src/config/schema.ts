import { z } from 'zod';
import { DURATION_EXAMPLES, normalizeDuration } from './duration.js';
import { isRFC3339 } from './value-checks.js';
import { quote } from '../errors.js';

/**
 * The shape of kubeadm's documents (kubeadm.k8s.io/v1beta4 and v1beta3), field for field from kubeadm's Go types:
 * strict objects, so an unknown or misplaced field is refused instead of silently ignored. Values that flags can
 * also set (addresses, subnets, versions, tokens) are checked after merging, in validate.ts; durations are
 * checked and normalized to Go's form here. apiVersion and kind are stripped before parsing.
 */
const str = z.string();
const strs = z.array(str);
const bool = z.boolean();
const int = z.number().int();

/** A Go duration (`8760h`, `1h30m`), normalized to Go's own form (`8760h0m0s`). */
const duration = str
  .check((ctx) => {
    if (normalizeDuration(ctx.value) === undefined) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `${quote(ctx.value)} is not a duration; expected e.g. ${DURATION_EXAMPLES}` });
    }
  })
  .transform((value) => normalizeDuration(value)!);

/** metav1.Time: RFC 3339 (`2030-01-02T15:04:05Z`). */
const rfc3339 = str.check((ctx) => {
  if (!isRFC3339(ctx.value))
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `${quote(ctx.value)} is not an RFC 3339 time (or not a real date and time); expected e.g. "2030-01-02T15:04:05Z"`,
    });
});

const ENCRYPTION_ALGORITHMS = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;
/** Enums accept Go's zero value "" too: it means "use the default". */
const encryptionAlgorithm = z.enum([...ENCRYPTION_ALGORITHMS, '']);
const imagePullPolicy = z.enum(['Always', 'IfNotPresent', 'Never', '']);

const arg = z.strictObject({ name: str, value: str.default('') });
const argMap = z.record(str, str);
const envVar = z.strictObject({ name: str, value: str.optional(), valueFrom: z.record(str, z.unknown()).optional() });
const hostPathMount = z.strictObject({
  name: str,
  hostPath: str,
  mountPath: str,
  readOnly: bool.optional(),
  pathType: z.enum(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']).optional(),
});
const taint = z.strictObject({
  key: str,
  value: str.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  timeAdded: str.optional(),
});
const bootstrapToken = z.strictObject({
  token: str.optional(),
  description: str.optional(),
  ttl: duration.optional(),
  expires: rfc3339.optional(),
  usages: strs.optional(),
  groups: strs.optional(),
});
const apiEndpoint = z.strictObject({ advertiseAddress: str.optional(), bindPort: int.optional() });
const patches = z.strictObject({ directory: str.optional() });
const timeouts = z.strictObject({
  controlPlaneComponentHealthCheck: duration.optional(),
  kubeletHealthCheck: duration.optional(),
  kubernetesAPICall: duration.optional(),
  etcdAPICall: duration.optional(),
  tlsBootstrap: duration.optional(),
  discovery: duration.optional(),
  upgradeManifests: duration.optional(),
});

const nodeRegistration = z.strictObject({
  name: str.optional(),
  criSocket: str.optional(),
  taints: z.array(taint).optional(),
  kubeletExtraArgs: z.array(arg).optional(),
  ignorePreflightErrors: strs.optional(),
  imagePullPolicy: imagePullPolicy.optional(),
  imagePullSerial: bool.optional(),
});
const component = z.strictObject({
  extraArgs: z.array(arg).optional(),
  extraVolumes: z.array(hostPathMount).optional(),
  extraEnvs: z.array(envVar).optional(),
});
const localEtcd = z.strictObject({
  imageRepository: str.optional(),
  imageTag: str.optional(),
  dataDir: str.optional(),
  extraArgs: z.array(arg).optional(),
  extraEnvs: z.array(envVar).optional(),
  serverCertSANs: strs.optional(),
  peerCertSANs: strs.optional(),
});
const externalEtcd = z.strictObject({
  endpoints: strs.optional(),
  httpEndpoints: strs.optional(),
  caFile: str.optional(),
  certFile: str.optional(),
  keyFile: str.optional(),
});
const discovery = z.strictObject({
  bootstrapToken: z
    .strictObject({ token: str.optional(), apiServerEndpoint: str.optional(), caCertHashes: strs.optional(), unsafeSkipCAVerification: bool.optional() })
    .optional(),
  file: z.strictObject({ kubeConfigPath: str.optional() }).optional(),
  tlsBootstrapToken: str.optional(),
});

const initV1beta4 = z.strictObject({
  bootstrapTokens: z.array(bootstrapToken).optional(),
  dryRun: bool.optional(),
  nodeRegistration: nodeRegistration.optional(),
  localAPIEndpoint: apiEndpoint.optional(),
  certificateKey: str.optional(),
  skipPhases: strs.optional(),
  patches: patches.optional(),
  timeouts: timeouts.optional(),
});
const clusterV1beta4 = z.strictObject({
  etcd: z.strictObject({ local: localEtcd.optional(), external: externalEtcd.optional() }).optional(),
  networking: z.strictObject({ serviceSubnet: str.optional(), podSubnet: str.optional(), dnsDomain: str.optional() }).optional(),
  kubernetesVersion: str.optional(),
  controlPlaneEndpoint: str.optional(),
  apiServer: component.extend({ certSANs: strs.optional() }).optional(),
  controllerManager: component.optional(),
  scheduler: component.optional(),
  dns: z.strictObject({ imageRepository: str.optional(), imageTag: str.optional(), disabled: bool.optional() }).optional(),
  proxy: z.strictObject({ disabled: bool.optional() }).optional(),
  certificatesDir: str.optional(),
  imageRepository: str.optional(),
  featureGates: z.record(str, bool).optional(),
  clusterName: str.optional(),
  encryptionAlgorithm: encryptionAlgorithm.optional(),
  certificateValidityPeriod: duration.optional(),
  caCertificateValidityPeriod: duration.optional(),
});
const joinV1beta4 = z.strictObject({
  dryRun: bool.optional(),
  nodeRegistration: nodeRegistration.optional(),
  caCertPath: str.optional(),
  discovery: discovery.optional(),
  controlPlane: z.strictObject({ localAPIEndpoint: apiEndpoint.optional(), certificateKey: str.optional() }).optional(),
  skipPhases: strs.optional(),
  patches: patches.optional(),
  timeouts: timeouts.optional(),
});

/** v1beta3: extra args are maps, no env vars, no timeouts (apiServer.timeoutForControlPlane, discovery.timeout). */
const componentV1beta3 = z.strictObject({ extraArgs: argMap.optional(), extraVolumes: z.array(hostPathMount).optional() });
const nodeRegistrationV1beta3 = nodeRegistration.omit({ imagePullSerial: true }).extend({ kubeletExtraArgs: argMap.optional() });
const initV1beta3 = initV1beta4.omit({ dryRun: true, timeouts: true }).extend({ nodeRegistration: nodeRegistrationV1beta3.optional() });
const clusterV1beta3 = clusterV1beta4
  .omit({ proxy: true, encryptionAlgorithm: true, certificateValidityPeriod: true, caCertificateValidityPeriod: true })
  .extend({
    etcd: z
      .strictObject({
        local: localEtcd.omit({ extraEnvs: true }).extend({ extraArgs: argMap.optional() }).optional(),
        external: externalEtcd.omit({ httpEndpoints: true }).optional(),
      })
      .optional(),
    apiServer: componentV1beta3.extend({ certSANs: strs.optional(), timeoutForControlPlane: duration.optional() }).optional(),
    controllerManager: componentV1beta3.optional(),
    scheduler: componentV1beta3.optional(),
    dns: z.strictObject({ imageRepository: str.optional(), imageTag: str.optional() }).optional(),
  });
const joinV1beta3 = joinV1beta4.omit({ dryRun: true, timeouts: true }).extend({
  nodeRegistration: nodeRegistrationV1beta3.optional(),
  discovery: discovery.extend({ timeout: duration.optional() }).optional(),
});

export const kubeadmSchemas = {
  v1beta4: { InitConfiguration: initV1beta4, ClusterConfiguration: clusterV1beta4, JoinConfiguration: joinV1beta4 },
  v1beta3: { InitConfiguration: initV1beta3, ClusterConfiguration: clusterV1beta3, JoinConfiguration: joinV1beta3 },
};

export type InitFile = z.output<typeof initV1beta4>;
export type ClusterFile = z.output<typeof clusterV1beta4>;
export type JoinFile = z.output<typeof joinV1beta4>;
export type InitFileV1beta3 = z.output<typeof initV1beta3>;
export type ClusterFileV1beta3 = z.output<typeof clusterV1beta3>;
export type JoinFileV1beta3 = z.output<typeof joinV1beta3>;
