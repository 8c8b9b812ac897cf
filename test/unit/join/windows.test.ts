import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/cluster.js';
import { defaultInitConfig, joinWithDefaults } from '../../../src/config/defaults.js';
import type { JoinConfig } from '../../../src/config/types.js';
import { controlPlanePreparePhase } from '../../../src/commands/join/phases/control-plane-prepare.js';
import { kubeletStartPhase } from '../../../src/commands/join/phases/kubelet-start.js';
import { runJoinPreflight } from '../../../src/commands/join/phases/preflight.js';
import type { JoinContext } from '../../../src/commands/join/context.js';
import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../../../src/kube/paths.js';
import { KeyPool } from '../../../src/pki/key-pool.js';
import { parseYaml } from '../../../src/util/yaml.js';
import type { PhaseIO } from '../../../src/workflow/phase.js';
import { kubeletConfReady } from '../../../src/commands/join/node-files.js';
import { installWindowsKubelet } from '../../../src/node/windows-kubelet-binary.js';
import { FakeWindowsHost } from '../../support/fake-windows-host.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const io: PhaseIO = {
  log: () => undefined,
  selected: () => true,
  wait: (_what, until) => until(new AbortController().signal),
  signal: new AbortController().signal,
};

async function windowsJoin(host: FakeWindowsHost, controlPlane = false): Promise<JoinContext> {
  const join = joinWithDefaults({ nodeRegistration: { name: 'win-1' }, ...(controlPlane && { controlPlane: {} }) });
  const cfg: JoinConfig = { join, proxyEnv: [] };
  const clusterConfig = defaultInitConfig();
  clusterConfig.init.nodeRegistration = join.nodeRegistration;
  clusterConfig.cluster.kubernetesVersion = 'v1.36.3';
  const cluster = { get: async () => undefined } as unknown as Cluster;
  return {
    cfg,
    host,
    machine: await host.windowsMachine(),
    options: { ignorePreflightErrors: new Set() },
    keys: new KeyPool(),
    waiter: { until: async () => undefined } as unknown as JoinContext['waiter'],
    discovered: async () => ({ trust: { server: 'https://10.0.0.10:6443', caCertPem: CA }, credentials: { token: 'abcdef.0123456789abcdef' } }),
    clusterConfig: async () => clusterConfig,
    bootstrapCluster: async () => cluster,
    adminCluster: async () => cluster,
    etcd: () => {
      throw new Error('no etcd for a worker');
    },
  };
}

describe('joining a Windows host', () => {
  it('writes the bootstrap kubeconfig, the CA and the Windows kubelet files through the host, then starts the kubelet service', async () => {
    const host = new FakeWindowsHost();
    await kubeletStartPhase.run!(await windowsJoin(host), io);
    expect(host.changes.filter((c) => c.startsWith('write'))).toEqual([
      'write /etc/kubernetes/bootstrap-kubelet.conf',
      'write /etc/kubernetes/pki/ca.crt',
      `write ${KUBELET_FLAGS_FILE}`,
      'write /var/lib/kubelet/instance-config.yaml',
      `write ${KUBELET_CONFIG_FILE}`,
    ]);
    expect(host.changes.at(-1)).toBe('service restart kubelet');
    const config = parseYaml((await host.readFile(KUBELET_CONFIG_FILE))!.toString()) as Record<string, unknown>;
    expect(config).toMatchObject({
      containerRuntimeEndpoint: 'npipe:////./pipe/containerd-containerd',
      cgroupsPerQOS: false,
      enforceNodeAllocatable: [],
      resolvConf: '',
    });
    // kubeadm passes no --pod-infra-container-image from 1.27: the node's own flags only, none for a node named as its machine.
    expect((await host.readFile(KUBELET_FLAGS_FILE))!.toString()).toBe('KUBELET_KUBEADM_ARGS=""\n');
  });

  it('refuses --control-plane on a Windows host before anything changes, in preflight and in the control-plane steps', async () => {
    const host = new FakeWindowsHost();
    await expect(runJoinPreflight(await windowsJoin(host, true), io)).rejects.toThrow(/win-1 runs Windows, and a Windows node cannot be a control-plane node/);
    await expect(controlPlanePreparePhase.phases![0].run!(await windowsJoin(host, true), io)).rejects.toThrow(/cannot be a control-plane node/);
    expect(host.changes).toEqual([]);
  });

  it("checks the machine against the cluster's version and asks for a prepared node", async () => {
    const host = new FakeWindowsHost({ build: 19041 });
    const failure = runJoinPreflight(await windowsJoin(host), io);
    await expect(failure).rejects.toThrow(/Windows build 19041 is not a Windows Server release Kubernetes supports/);
    await expect(failure).rejects.toThrow(/C:\\k\\kubelet.exe and the kubelet service missing: prepare the node first \(bosun node prepare\)/);
    expect(host.changes).toEqual([]);
  });
});

describe("a Windows node's kubelet flags", () => {
  it('refuses taints and kubeletExtraArgs, which its service would not pass to the kubelet', async () => {
    const host = new FakeWindowsHost();
    await installWindowsKubelet(host, Buffer.from('MZ'));
    host.state.kubeletService = true;
    const ctx = await windowsJoin(host);
    ctx.cfg.join.nodeRegistration.taints = [{ key: 'os', value: 'windows', effect: 'NoSchedule' }];
    ctx.cfg.join.nodeRegistration.kubeletExtraArgs = [{ name: 'v', value: '4' }];
    await expect(runJoinPreflight(ctx, io)).rejects.toThrow(/--register-with-taints, --v: nodeRegistration.taints and kubeletExtraArgs are not applied/);
    expect(host.changes).toEqual([`write C:\\k\\kubelet.exe.new`, `rename C:\\k\\kubelet.exe.new C:\\k\\kubelet.exe`]);
  });
});

describe("a Windows kubelet's TLS bootstrap", () => {
  it('is done once kubelet.conf names its client certificate by a Windows path that exists', async () => {
    const host = new FakeWindowsHost();
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'default-cluster', cluster: { server: 'https://10.0.0.10:6443' } }],
      contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth' } }],
      'current-context': 'default-context',
      users: [
        {
          name: 'default-auth',
          user: {
            'client-certificate': 'C:\\var\\lib\\kubelet\\pki\\kubelet-client-current.pem',
            'client-key': 'C:\\var\\lib\\kubelet\\pki\\kubelet-client-current.pem',
          },
        },
      ],
    };
    await host.writeFileAtomic('/etc/kubernetes/kubelet.conf', JSON.stringify(kubeconfig), 0o600);
    expect(await kubeletConfReady(host)).toBe(false);
    await host.writeFileAtomic('C:\\var\\lib\\kubelet\\pki\\kubelet-client-current.pem', 'PEM', 0o600);
    expect(await kubeletConfReady(host)).toBe(true);
  });
});
