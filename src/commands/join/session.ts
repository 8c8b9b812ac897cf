import type { Cluster } from '../../cluster/cluster.js';
import { httpsGet } from '../../cluster/https-get.js';
import type { ConfigMap } from '../../kube/objects.js';
import { staticTransport } from '../../cluster/transport.js';
import { clusterWithDefaults, DEFAULTS, initWithDefaults, kubeletWithDefaults, kubeProxyWithDefaults } from '../../config/defaults.js';
import { durationMs } from '../../config/duration.js';
import type { InitConfig, JoinConfig } from '../../config/types.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { discover, type Discovered } from '../../discovery/discover.js';
import { UserError } from '../../errors.js';
import { KeyPool } from '../../pki/key-pool.js';
import { once } from '../../util/once.js';
import type { Doors } from '../../workflow/doors.js';
import type { PhaseIO } from '../../workflow/phase.js';
import type { JoinContext, JoinOptions } from './context.js';
import { storedClusterConfiguration, storedKubeletConfiguration } from './stored-config.js';

/** A joining control-plane node's admin kubeconfig, written by control-plane-prepare: the doors' kubeconfig. */
export const ADMIN_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;
const NAMESPACE = 'kube-system';

async function readConfigMap(cluster: Cluster, name: string, key: string): Promise<string> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name });
  const text = cm?.data?.[key];
  if (text === undefined) {
    throw new UserError(
      `ConfigMap ${NAMESPACE}/${name} ${cm ? `has no "${key}" key` : 'was not found'}: was the cluster set up with "bosun init" or "kubeadm init"?`,
    );
  }
  return text;
}

/** The context of one `bosun join` run, over doors whose kubeconfig is ADMIN_CONF. */
export function createJoinContext(cfg: JoinConfig, doors: Doors, options: JoinOptions): JoinContext {
  const { join } = cfg;
  const discovered = once((io: PhaseIO): Promise<Discovered> =>
    discover(join.discovery, { host: doors.host, get: httpsGet, timeoutMs: durationMs(join.timeouts?.discovery ?? DEFAULTS.timeouts.discovery), log: io.log }),
  );

  const bootstrapCluster = once(async (io: PhaseIO): Promise<Cluster> => {
    const { trust, credentials } = await discovered(io);
    const transport = staticTransport(trust.server, {
      ca: trust.caCertPem,
      token: credentials.token,
      cert: credentials.clientCertPem,
      key: credentials.clientKeyPem,
    });
    return doors.clusterOver(transport);
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
    return {
      init,
      cluster: clusterCfg,
      kubelet,
      kubeProxy: kubeProxyWithDefaults({}, clusterCfg, init.localAPIEndpoint.advertiseAddress),
      proxyEnv: cfg.proxyEnv,
    };
  });

  return {
    cfg,
    host: doors.host,
    options,
    keys: new KeyPool(),
    waiter: doors.waiter,
    discovered,
    clusterConfig,
    bootstrapCluster,
    adminCluster: doors.cluster,
    etcd: doors.etcd,
  };
}
