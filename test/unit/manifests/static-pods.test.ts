import { describe, expect, it } from 'vitest';
import type { InitConfig } from '../../../src/config/types.js';
import { CONTROL_PLANE_PODS } from '../../../src/manifests/control-plane.js';
import { localEtcdPod } from '../../../src/manifests/etcd.js';
import { etcdImageTag } from '../../../src/manifests/images.js';
import type { Pod } from '../../../src/manifests/pod.js';
import { controlPlaneInput, localEtcdInput, type NodeFacts } from '../../../src/manifests/static-pods.js';
import { testConfig } from './support.js';

const FACTS: NodeFacts = { presentCADirs: [], proxyEnv: [], externalCA: false };

const apiServer = (cfg: InitConfig, facts: Partial<NodeFacts> = {}) => CONTROL_PLANE_PODS['kube-apiserver'](controlPlaneInput(cfg, { ...FACTS, ...facts }));
const controllerManager = (cfg: InitConfig, facts: Partial<NodeFacts> = {}) =>
  CONTROL_PLANE_PODS['kube-controller-manager'](controlPlaneInput(cfg, { ...FACTS, ...facts }));
const scheduler = (cfg: InitConfig) => CONTROL_PLANE_PODS['kube-scheduler'](controlPlaneInput(cfg, FACTS));
const etcd = (cfg: InitConfig) => localEtcdPod(localEtcdInput(cfg)!);

const command = (pod: Pod) => pod.spec.containers[0].command;
const flag = (pod: Pod, name: string) => command(pod).filter((c) => c.startsWith(`--${name}=`));
const volumeNames = (pod: Pod) => pod.spec.volumes.map((v) => v.name);

describe('common static Pod shape', () => {
  it.each([
    ['kube-apiserver', apiServer],
    ['kube-controller-manager', controllerManager],
    ['kube-scheduler', scheduler],
    ['etcd', etcd],
  ] as const)('%s', (name, build) => {
    const pod = build(testConfig());
    expect(Object.keys(pod)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(pod.metadata).toMatchObject({ labels: { component: name, tier: 'control-plane' }, name, namespace: 'kube-system' });
    expect(Object.keys(pod.spec)).toEqual(['containers', 'hostNetwork', 'priority', 'priorityClassName', 'securityContext', 'volumes']);
    expect(pod.spec).toMatchObject({ hostNetwork: true, priority: 2000001000, priorityClassName: 'system-node-critical' });
    expect(pod.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.spec.containers[0];
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.startupProbe).toMatchObject({ failureThreshold: 24, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
    expect(c.livenessProbe).toMatchObject({ failureThreshold: 8, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15 });
    expect(pod.spec.volumes.map((v) => v.name)).toEqual([...volumeNames(pod)].sort());
  });
});

describe('kube-apiserver', () => {
  it('replaces base flags named in extraArgs and appends them in order', () => {
    const cfg = testConfig();
    cfg.cluster.apiServer.extraArgs = [
      { name: 'enable-admission-plugins', value: 'NodeRestriction,AlwaysPullImages' },
      { name: 'audit-log-path', value: '/b' },
      { name: 'audit-log-path', value: '/a' },
    ];
    const cmd = command(apiServer(cfg));
    expect(cmd.slice(-3)).toEqual(['--enable-admission-plugins=NodeRestriction,AlwaysPullImages', '--audit-log-path=/b', '--audit-log-path=/a']);
    expect(cmd.filter((c) => c.startsWith('--enable-admission-plugins='))).toHaveLength(1);
    const base = cmd.slice(1, -3);
    expect(base).toEqual([...base].sort());
  });

  it('leaves out authorization-mode with a structured authorization config', () => {
    const cfg = testConfig();
    cfg.cluster.apiServer.extraArgs = [{ name: 'authorization-config', value: '/etc/kubernetes/authz.yaml' }];
    expect(flag(apiServer(cfg), 'authorization-mode')).toEqual([]);
    expect(flag(apiServer(testConfig()), 'authorization-mode')).toEqual(['--authorization-mode=Node,RBAC']);
  });

  it('uses [::1] for the local etcd and brackets the advertised endpoint on IPv6', () => {
    const cfg = testConfig();
    cfg.init.localAPIEndpoint.advertiseAddress = 'fd00::10';
    const pod = apiServer(cfg);
    expect(flag(pod, 'etcd-servers')).toEqual(['--etcd-servers=https://[::1]:2379']);
    expect(pod.metadata.annotations).toEqual({ 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': '[fd00::10]:6443' });
    expect(pod.spec.containers[0].livenessProbe.httpGet.host).toBe('fd00::10');
  });

  it('points at an external etcd and mounts the directories of its client files', () => {
    const cfg = testConfig();
    cfg.cluster.etcd = {
      external: {
        endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
        caFile: '/etc/etcd/ca.crt',
        certFile: '/etc/etcd/client/c.crt',
        keyFile: '/etc/kubernetes/pki/c.key',
      },
    };
    const pod = apiServer(cfg);
    expect(command(pod).filter((c) => c.startsWith('--etcd-'))).toEqual([
      '--etcd-cafile=/etc/etcd/ca.crt',
      '--etcd-certfile=/etc/etcd/client/c.crt',
      '--etcd-keyfile=/etc/kubernetes/pki/c.key',
      '--etcd-servers=https://10.0.0.1:2379,https://10.0.0.2:2379',
    ]);
    // /etc/etcd covers /etc/etcd/client; the key lives under the certificates dir, already mounted.
    expect(pod.spec.volumes.find((v) => v.name.startsWith('etcd-certs'))).toEqual({
      hostPath: { path: '/etc/etcd', type: 'DirectoryOrCreate' },
      name: 'etcd-certs-0',
    });
    expect(volumeNames(pod)).toEqual(['ca-certs', 'etcd-certs-0', 'k8s-certs']);
    expect(localEtcdInput(cfg)).toBeUndefined();
  });

  it('passes proxy variables and extraEnvs, sorted, extraEnvs winning', () => {
    const cfg = testConfig();
    cfg.cluster.apiServer.extraEnvs = [
      { name: 'HTTPS_PROXY', value: 'http://mine:1' },
      { name: 'A', value: 'a' },
    ];
    const env = apiServer(cfg, {
      proxyEnv: [
        { name: 'NO_PROXY', value: '10.0.0.0/8' },
        { name: 'HTTPS_PROXY', value: 'http://env:1' },
      ],
    }).spec.containers[0].env;
    expect(env).toEqual([
      { name: 'A', value: 'a' },
      { name: 'HTTPS_PROXY', value: 'http://mine:1' },
      { name: 'NO_PROXY', value: '10.0.0.0/8' },
    ]);
    expect(apiServer(testConfig()).spec.containers[0]).not.toHaveProperty('env');
  });

  it('mounts the optional CA bundles the node has, and extraVolumes (replacing by name)', () => {
    const cfg = testConfig();
    cfg.cluster.apiServer.extraVolumes = [
      { name: 'k8s-certs', hostPath: '/srv/pki', mountPath: '/etc/kubernetes/pki', readOnly: true, pathType: 'Directory' },
      { name: 'logs', hostPath: '/var/log/k8s', mountPath: '/var/log/k8s' },
    ];
    const pod = apiServer(cfg, { presentCADirs: ['/etc/pki/ca-trust', '/usr/local/share/ca-certificates'] });
    expect(volumeNames(pod)).toEqual(['ca-certs', 'etc-pki-ca-trust', 'k8s-certs', 'logs', 'usr-local-share-ca-certificates']);
    expect(pod.spec.volumes.find((v) => v.name === 'k8s-certs')).toEqual({ hostPath: { path: '/srv/pki', type: 'Directory' }, name: 'k8s-certs' });
    expect(pod.spec.volumes.find((v) => v.name === 'logs')).toEqual({ hostPath: { path: '/var/log/k8s', type: '' }, name: 'logs' });
    expect(pod.spec.containers[0].volumeMounts.find((m) => m.name === 'logs')).toEqual({ mountPath: '/var/log/k8s', name: 'logs' });
    expect(volumeNames(apiServer(testConfig()))).toEqual(['ca-certs', 'k8s-certs']);
  });

  it('gives up the startup probe after the configured health-check timeout', () => {
    const cfg = testConfig();
    cfg.init.timeouts = { ...cfg.init.timeouts, controlPlaneComponentHealthCheck: '2m5s' };
    expect(apiServer(cfg).spec.containers[0].startupProbe.failureThreshold).toBe(13);
  });
});

describe('kube-controller-manager and kube-scheduler', () => {
  it('allocates node CIDRs only with a pod subnet', () => {
    expect(flag(controllerManager(testConfig()), 'cluster-cidr')).toEqual([]);
    const cfg = testConfig();
    cfg.cluster.networking.podSubnet = '10.244.0.0/16';
    const cmd = command(controllerManager(cfg));
    expect(cmd).toContain('--allocate-node-cidrs=true');
    expect(cmd).toContain('--cluster-cidr=10.244.0.0/16');
    expect(cmd).toContain('--service-cluster-ip-range=10.96.0.0/12');
  });

  it('does not sign with an external CA', () => {
    const pod = controllerManager(testConfig(), { externalCA: true });
    expect(flag(pod, 'cluster-signing-cert-file')).toEqual(['--cluster-signing-cert-file=']);
    expect(flag(pod, 'cluster-signing-key-file')).toEqual(['--cluster-signing-key-file=']);
  });

  it('probes the bind address (none for a wildcard)', () => {
    const cfg = testConfig();
    cfg.cluster.controllerManager.extraArgs = [{ name: 'bind-address', value: '0.0.0.0' }];
    cfg.cluster.scheduler.extraArgs = [{ name: 'bind-address', value: '192.0.2.10' }];
    expect(controllerManager(cfg).spec.containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probe-port', scheme: 'HTTPS' });
    expect(scheduler(cfg).spec.containers[0].readinessProbe?.httpGet.host).toBe('192.0.2.10');
    expect(scheduler(testConfig()).spec.containers[0].livenessProbe.httpGet.host).toBe('127.0.0.1');
  });
});

describe('etcd', () => {
  it('uses the etcd image each Kubernetes minor comes with', () => {
    expect(etcd(testConfig('v1.36.3')).spec.containers[0].image).toBe('registry.k8s.io/etcd:3.6.8-0');
    expect(etcd(testConfig('v1.37.1')).spec.containers[0].image).toBe('registry.k8s.io/etcd:3.7.0-0');
    expect(apiServer(testConfig('v1.36.3')).spec.containers[0].image).toBe('registry.k8s.io/kube-apiserver:v1.36.3');
    expect(etcdImageTag('v1.39.0')).toBe('3.7.0-0');
    expect(etcdImageTag('v1.30.0')).toBe('3.6.8-0');
  });

  it('listens on loopback and the advertise address, [::1] on IPv6', () => {
    const cfg = testConfig();
    cfg.init.localAPIEndpoint.advertiseAddress = 'fd00::10';
    const pod = etcd(cfg);
    expect(flag(pod, 'listen-client-urls')).toEqual(['--listen-client-urls=https://[::1]:2379,https://[fd00::10]:2379']);
    expect(flag(pod, 'initial-cluster')).toEqual(['--initial-cluster=cp-1=https://[fd00::10]:2380']);
    expect(pod.metadata.annotations).toEqual({ 'kubeadm.kubernetes.io/etcd.advertise-client-urls': 'https://[fd00::10]:2379' });
    expect(pod.spec.containers[0].livenessProbe.httpGet).toEqual({ host: '::1', path: '/livez', port: 'probe-port', scheme: 'HTTP' });
  });

  it('probes the first listen-metrics-urls extra arg', () => {
    const cfg = testConfig();
    cfg.cluster.etcd.local!.extraArgs = [{ name: 'listen-metrics-urls', value: 'https://[::1]:2390,http://127.0.0.1:2391' }];
    const c = etcd(cfg).spec.containers[0];
    expect(c.readinessProbe?.httpGet).toEqual({ host: '::1', path: '/readyz', port: 'probe-port', scheme: 'HTTPS' });
    expect(c.ports).toEqual([{ containerPort: 2390, name: 'probe-port', protocol: 'TCP' }]);
  });

  it('joins an existing cluster when given its members', () => {
    const input = localEtcdInput(testConfig())!;
    const pod = localEtcdPod({
      ...input,
      members: [
        { name: 'a', peerURL: 'https://10.0.0.1:2380' },
        { name: 'cp-1', peerURL: 'https://192.0.2.10:2380' },
      ],
    });
    expect(flag(pod, 'initial-cluster')).toEqual(['--initial-cluster=a=https://10.0.0.1:2380,cp-1=https://192.0.2.10:2380']);
    expect(flag(pod, 'initial-cluster-state')).toEqual(['--initial-cluster-state=existing']);
  });

  it('mounts data then certificates read-write, and requests memory', () => {
    const c = etcd(testConfig()).spec.containers[0];
    expect(c.volumeMounts).toEqual([
      { mountPath: '/var/lib/etcd', name: 'etcd-data' },
      { mountPath: '/etc/kubernetes/pki/etcd', name: 'etcd-certs' },
    ]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '100Mi' } });
  });
});
