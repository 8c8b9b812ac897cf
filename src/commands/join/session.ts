import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../cluster/cluster.js';
import { connectCluster } from '../../cluster/connect.js';
import { httpsGet } from '../../cluster/https-get.js';
import { KubeCluster } from '../../cluster/kube.js';
import type { ConfigMap } from '../../kube/objects.js';
import { RecordingCluster } from '../../cluster/recording.js';
import { staticTransport } from '../../cluster/transport.js';
import { clusterWithDefaults, DEFAULTS, initWithDefaults, kubeletWithDefaults, kubeProxyWithDefaults } from '../../config/defaults.js';
import { durationMs, formatDuration } from '../../config/duration.js';
import type { InitConfig, JoinConfig } from '../../config/types.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { discover, type Discovered } from '../../discovery/discover.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { KeyPool } from '../../pki/key-pool.js';
import type { PhaseIO } from '../../workflow/phase.js';
import type { JoinContext, JoinOptions, Waiter } from './context.js';
import { storedClusterConfiguration, storedKubeletConfiguration } from './stored-config.js';

export const ADMIN_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;
const NAMESPACE = 'kube-system';
/** How often a wait looks again: reading a file or asking an API is cheap, and a join should end soon after. */
const POLL_MS = 100;

const pollingWaiter: Waiter = {
  async until(what, timeoutMs, check) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await check();
      if (seen === true) return;
      if (Date.now() >= deadline) throw new UserError(`timed out after ${formatDuration(BigInt(timeoutMs) * 1_000_000n)} waiting for ${what}: ${seen}`);
      await sleep(POLL_MS);
    }
  },
};

const dryRunWaiter: Waiter = { until: async () => undefined };

/** Memoises an async step; a failed step is tried again on the next call. */
function once<A extends unknown[], T>(step: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let result: Promise<T> | undefined;
  return (...args) => {
    result ??= step(...args).catch((err) => {
      result = undefined;
      throw err;
    });
    return result;
  };
}

async function readConfigMap(cluster: Cluster, name: string, key: string): Promise<string> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name });
  const text = cm?.data?.[key];
  if (text === undefined) {
    throw new UserError(`ConfigMap ${NAMESPACE}/${name} ${cm ? `has no "${key}" key` : 'was not found'}: was the cluster set up with "bosun init" or "kubeadm init"?`);
  }
  return text;
}

/** The context of one `bosun join` run. */
export function createJoinContext(cfg: JoinConfig, host: Host, options: JoinOptions): JoinContext {
  const { join } = cfg;
  const discovered = once(
    (io: PhaseIO): Promise<Discovered> =>
      discover(join.discovery, { host, get: httpsGet, timeoutMs: durationMs(join.timeouts?.discovery ?? DEFAULTS.timeouts.discovery), log: io.log }),
  );

  const bootstrapCluster = once(async (io: PhaseIO): Promise<Cluster> => {
    const { trust, credentials } = await discovered(io);
    const transport = staticTransport(trust.server, {
      ca: trust.caCertPem,
      token: credentials.token,
      cert: credentials.clientCertPem,
      key: credentials.clientKeyPem,
    });
    const cluster = new KubeCluster(transport);
    return options.dryRun ? new RecordingCluster(cluster) : cluster;
  });

  const clusterConfig = once(async (io: PhaseIO): Promise<InitConfig> => {
    const cluster = await bootstrapCluster(io);
    io.log(`[preflight] Reading configuration from the "kubeadm-config" and "kubelet-config" ConfigMaps in namespace "${NAMESPACE}"`);
    const [clusterText, kubeletText] = await Promise.all([
      readConfigMap(cluster, 'kubeadm-config', 'ClusterConfiguration'),
      readConfigMap(cluster, 'kubelet-config', 'kubelet'),
    ]);
    const clusterCfg = clusterWithDefaults(await storedClusterConfiguration(clusterText, `ConfigMap ${NAMESPACE}/kubeadm-config`));
    const kubelet = kubeletWithDefaults(storedKubeletConfiguration(kubeletText, `ConfigMap ${NAMESPACE}/kubelet-config`), clusterCfg);
    const init = initWithDefaults();
    init.bootstrapTokens = [];
    init.nodeRegistration = join.nodeRegistration;
    init.localAPIEndpoint = join.controlPlane?.localAPIEndpoint ?? {};
    if (join.controlPlane?.certificateKey) init.certificateKey = join.controlPlane.certificateKey;
    init.timeouts = { ...init.timeouts, ...join.timeouts };
    return { init, cluster: clusterCfg, kubelet, kubeProxy: kubeProxyWithDefaults({}, clusterCfg, init.localAPIEndpoint.advertiseAddress), proxyEnv: cfg.proxyEnv };
  });

  const adminCluster = once(() => connectCluster(host, ADMIN_CONF, options.dryRun));

  return {
    cfg,
    host,
    options,
    keys: new KeyPool(),
    waiter: options.dryRun ? dryRunWaiter : pollingWaiter,
    discovered,
    clusterConfig,
    bootstrapCluster,
    adminCluster,
  };
}
