import { describe, expect, it } from 'vitest';
import { hostPathDependency, imageRepository, knownAgent, podSpecDependencies } from '../../../src/runtime/docker-dependencies.js';

describe('hostPathDependency', () => {
  // The upstream guide's one-liner greps for /var/run/docker.sock; `kubectl dds` matches any path containing docker.sock or dockershim.sock.
  it.each([
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/var/run/dockershim.sock',
    '/var/run/cri-dockerd.sock',
    '//var/run//docker.sock',
    '/host/var/run/docker.sock',
    '/var/lib/docker',
    '/var/lib/docker/',
    '/var/lib/docker/containers',
  ])('%s depends on Docker', (path) => expect(hostPathDependency(path)).toBe('depends'));

  // The parent-directory case `kubectl dds` says it misses: the socket is reachable under the mount.
  it.each(['/var/run', '/var/run/', '/run', '/run/', '//run', '/var', '/var/lib', '/'])('%s may depend on Docker', (path) =>
    expect(hostPathDependency(path)).toBe('may depend'),
  );

  it.each(['/var/run/containerd/containerd.sock', '/run/containerd', '/var/lib/dockerish', '/var/log', '/etc/docker', '/var/run/docker'])(
    '%s does not',
    (path) => expect(hostPathDependency(path)).toBeUndefined(),
  );
});

describe('known Docker-dependent agents by image', () => {
  it.each([
    ['gcr.io/datadoghq/agent:7.50.0', 'Datadog agent'],
    ['datadog/agent@sha256:0123abcd', 'Datadog agent'],
    ['public.ecr.aws/datadog/agent:latest', 'Datadog agent'],
    ['docker.io/dynatrace/oneagent:1.2', 'Dynatrace OneAgent'],
    ['falcosecurity/falco:0.36.0', 'Falco'],
    ['docker.io/falcosecurity/falco-no-driver:0.36.0', 'Falco'],
    ['registry.twistlock.com/twistlock/defender:defender_22_01_840', 'Prisma Cloud (Twistlock) Defender'],
    ['quay.io/signalfx/signalfx-agent:5.27.3', 'SignalFx agent'],
    ['verizondigital/kubectl-flame:v0.2.4-jvm', 'kubectl-flame'],
  ])('%s is the %s', (image, agent) => expect(knownAgent(image)).toBe(agent));

  it.each(['nginx:1.25', 'gcr.io/datadoghq/cluster-agent:7.50.0', 'registry:5000/agent:1', 'falcosecurity/falcosidekick:2'])('%s is none', (image) =>
    expect(knownAgent(image)).toBeUndefined(),
  );

  it('takes the repository without tag and digest, a registry port kept', () => {
    expect(imageRepository('Registry:5000/Org/App:1.2@sha256:ab')).toBe('registry:5000/org/app');
    expect(imageRepository('registry:5000/app')).toBe('registry:5000/app');
  });
});

describe('podSpecDependencies', () => {
  it("finds hostPath volumes and agents' images in every kind of container, each with its reason", () => {
    const found = podSpecDependencies({
      volumes: [
        { name: 'sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
        { name: 'run', hostPath: { path: '/run' } },
        { name: 'data', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'x' } },
      ],
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [
        { name: 'app', image: 'nginx' },
        { name: 'agent', image: 'gcr.io/datadoghq/agent:7' },
      ],
    });
    expect(found).toEqual([
      { class: 'depends', reason: 'hostPath /var/run/docker.sock (volume sock)' },
      { class: 'may depend', reason: 'hostPath /run (volume run)' },
      { class: 'may depend', reason: 'image gcr.io/datadoghq/agent:7 (container agent) is the Datadog agent' },
    ]);
  });

  it('finds nothing in a spec without volumes or containers, or with a malformed hostPath', () => {
    expect(podSpecDependencies({})).toEqual([]);
    expect(
      podSpecDependencies({
        volumes: [
          { name: 'x', hostPath: null },
          { name: 'y', hostPath: { path: 7 } },
        ],
      }),
    ).toEqual([]);
  });
});
