import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { localMachine, type Machine, type PortState } from '../../../src/host/machine.js';
import { controlPlanePhase } from '../../../src/commands/init/phases/control-plane.js';
import { etcdPhase } from '../../../src/commands/init/phases/etcd.js';
import { runPreflight } from '../../../src/commands/init/phases/preflight.js';
import { controlPlaneChecks } from '../../../src/node/control-plane-checks.js';
import { collectingIO, runPhase, testConfig, testContext } from '../manifests/support.js';

const roots: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function tempRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-preflight-'));
  roots.push(root);
  return root;
}

/** A machine where everything is fine, with `changes` on top; ports listed in `busy` ("addr:port" or port) are taken. */
function fakeMachine(changes: Partial<Machine> = {}, busy: string[] = [], foreign: string[] = []): Machine {
  return {
    portState: async (port: number, address?: string): Promise<PortState> => {
      if (address && foreign.includes(address)) return 'unavailable-address';
      return busy.includes(String(port)) || busy.includes(`${address}:${port}`) ? 'in-use' : 'free';
    },
    swapDevices: async () => [],
    isRoot: () => true,
    hasExecutable: async () => true,
    hostname: () => 'cp-1',
    cpuCount: () => 4,
    memoryMiB: () => 8192,
    readProcFile: async () => '1\n',
    ...changes,
  };
}

async function preflight(host: Host, machine: Machine, cfg: InitConfig = testConfig(), ignore: string[] = []) {
  const io = collectingIO();
  const ctx = testContext(cfg, host, ignore);
  const error = await runPreflight(ctx, io, machine).then(
    () => undefined,
    (err: Error) => err,
  );
  return { lines: io.lines, error: error?.message };
}

describe('preflight', () => {
  it('passes on a good machine with an empty rootfs', async () => {
    const result = await preflight(new LocalHost(tempRoot()), fakeMachine());
    expect(result).toEqual({ lines: ['[preflight] Running pre-flight checks'], error: undefined });
  });

  it("runs kubeadm's checks, named as kubeadm names them", () => {
    const names = controlPlaneChecks(testContext(testConfig(), new LocalHost('/')), fakeMachine()).map((c) => c.name);
    expect(names).toEqual([
      'IsPrivilegedUser',
      'NumCPU',
      'Mem',
      'KubernetesVersion',
      'Port-6443',
      'Port-10259',
      'Port-10257',
      'FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml',
      'FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml',
      'FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml',
      'FileAvailable--etc-kubernetes-manifests-etcd.yaml',
      'Swap',
      'FileExisting-losetup',
      'FileExisting-mount',
      'FileExisting-cp',
      'Port-10250',
      'FileContent--proc-sys-net-ipv4-ip_forward',
      'Port-2379',
      'Port-2380',
      'DirAvailable--var-lib-etcd',
    ]);
  });

  it('collects every error into one, kubeadm style', async () => {
    const machine = fakeMachine({ isRoot: () => false, hasExecutable: async (t) => t !== 'losetup', cpuCount: () => 1, readProcFile: async () => '0\n' }, [
      '6443',
      '192.0.2.10:2379',
    ]);
    const { error } = await preflight(new LocalHost('/'), machine, testConfig('v1.38.0'));
    expect(error).toBe(
      [
        '[preflight] Some fatal errors occurred:',
        '\t[ERROR IsPrivilegedUser]: user is not running as root',
        '\t[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2',
        '\t[ERROR KubernetesVersion]: Kubernetes version v1.38.0 is newer than bosun supports (v1.36.x, v1.37.x)',
        '\t[ERROR Port-6443]: Port 6443 is in use',
        '\t[ERROR FileExisting-losetup]: losetup not found in system path',
        '\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1',
        '\t[ERROR Port-2379]: Port 2379 is in use',
        '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
      ].join('\n'),
    );
  });

  it('turns ignored errors (by lower-case name, or all) into warnings', async () => {
    const machine = fakeMachine({}, ['6443', '10250']);
    const some = await preflight(new LocalHost(tempRoot()), machine, testConfig(), ['port-6443']);
    expect(some.error).toContain('[ERROR Port-10250]: Port 10250 is in use');
    expect(some.error).not.toContain('Port-6443');
    expect(some.lines).toContain('\t[WARNING Port-6443]: Port 6443 is in use');
    const all = await preflight(new LocalHost(tempRoot()), machine, testConfig(), ['all']);
    expect(all.error).toBeUndefined();
    expect(all.lines.filter((l) => l.includes('[WARNING'))).toHaveLength(2);
  });

  it('warns about swap without failing', async () => {
    const result = await preflight(new LocalHost(tempRoot()), fakeMachine({ swapDevices: async () => ['/swapfile file 1024 0 -2'] }));
    expect(result.error).toBeUndefined();
    expect(result.lines[1]).toMatch(/^\t\[WARNING Swap\]: swap is supported for cgroup v2 only/);
  });

  it('refuses a second init on the same rootfs; explicit phases still run', async () => {
    const root = tempRoot();
    const host = new LocalHost(root);
    const ctx = testContext(testConfig(), host);
    expect((await preflight(host, fakeMachine())).error).toBeUndefined();
    await runPhase(etcdPhase, ctx, collectingIO());
    await runPhase(controlPlanePhase, ctx, collectingIO());
    writeFileSync(path.join(root, 'var/lib/etcd/member'), '');
    const { error } = await preflight(host, fakeMachine());
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      expect(error).toContain(`[ERROR FileAvailable--etc-kubernetes-manifests-${c}.yaml]: ${root}/etc/kubernetes/manifests/${c}.yaml already exists`);
    }
    expect(error).toContain(`[ERROR DirAvailable--var-lib-etcd]: ${root}/var/lib/etcd is not empty`);
    await expect(runPhase(controlPlanePhase, ctx, collectingIO())).resolves.toBeUndefined();
  });

  it('with --rootfs: no root needed, IP forwarding not judged, a foreign address is a warning', async () => {
    const machine = fakeMachine({ isRoot: () => false, readProcFile: async () => '0' }, [], ['192.0.2.10']);
    const rendered = await preflight(new LocalHost(tempRoot()), machine);
    expect(rendered.error).toBeUndefined();
    expect(rendered.lines).toEqual([
      '[preflight] Running pre-flight checks',
      '\t[WARNING Port-2379]: cannot listen on 192.0.2.10:2379: 192.0.2.10 is not an address of this machine; not checked',
      '\t[WARNING Port-2380]: cannot listen on 192.0.2.10:2380: 192.0.2.10 is not an address of this machine; not checked',
    ]);
    const onNode = await preflight(new LocalHost('/'), machine, testConfig(), ['IsPrivilegedUser', 'FileContent--proc-sys-net-ipv4-ip_forward']);
    expect(onNode.error).toContain('[ERROR Port-2379]: cannot listen on 192.0.2.10:2379: 192.0.2.10 is not an address of this machine');
  });

  it('checks bind addresses from extraArgs and IPv6 forwarding on IPv6 clusters', () => {
    const cfg = testConfig();
    cfg.init.localAPIEndpoint.advertiseAddress = 'fd00::10';
    cfg.cluster.networking.serviceSubnet = 'fd00:10:96::/112';
    const ports: string[] = [];
    const machine = fakeMachine({
      portState: async (port, address) => {
        ports.push(`${address ?? '*'}:${port}`);
        return 'free';
      },
    });
    cfg.cluster.scheduler.extraArgs = [{ name: 'bind-address', value: '::1' }];
    const checks = controlPlaneChecks(testContext(cfg, new LocalHost('/')), machine);
    expect(checks.map((c) => c.name)).toContain('FileContent--proc-sys-net-ipv6-conf-default-forwarding');
    expect(checks.map((c) => c.name)).not.toContain('FileContent--proc-sys-net-ipv4-ip_forward');
    return Promise.all(checks.map((c) => c.run())).then(() =>
      expect(ports).toEqual(['*:6443', '::1:10259', '*:10257', '*:10250', 'fd00::10:2379', 'fd00::10:2380']),
    );
  });

  it('checks the external etcd client files instead of etcd ports and data', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'etc/etcd'), { recursive: true });
    writeFileSync(path.join(root, 'etc/etcd/ca.crt'), '');
    const cfg = testConfig();
    cfg.cluster.etcd = {
      external: { endpoints: ['https://10.0.0.1:2379'], caFile: '/etc/etcd/ca.crt', certFile: '/etc/etcd/c.crt', keyFile: '/etc/etcd/c.key' },
    };
    const { error } = await preflight(new LocalHost(root), fakeMachine({}, ['2379']), cfg);
    expect(error?.split('\n').slice(1, -1)).toEqual([
      `\t[ERROR ExternalEtcdClientCertificates]: ${root}/etc/etcd/c.crt doesn't exist`,
      `\t[ERROR ExternalEtcdClientCertificates]: ${root}/etc/etcd/c.key doesn't exist`,
    ]);
  });

  it('finds a port in use on the real machine', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const port = (server.address() as { port: number }).port;
    expect(await localMachine.portState(port)).toBe('in-use');
    expect(await localMachine.portState(port, '127.0.0.1')).toBe('in-use');
    expect(await localMachine.portState(port, '192.0.2.254')).toBe('unavailable-address');
    const cfg = testConfig();
    cfg.init.localAPIEndpoint.bindPort = port;
    const ctx = testContext(cfg, new LocalHost(tempRoot()));
    const apiPort = controlPlaneChecks(ctx, localMachine).find((c) => c.name === `Port-${port}`)!;
    expect(await apiPort.run()).toEqual({ errors: [`Port ${port} is in use`] });
    await new Promise((resolve) => server.close(resolve));
    servers.pop();
    expect(await apiPort.run()).toEqual({});
  });
});
