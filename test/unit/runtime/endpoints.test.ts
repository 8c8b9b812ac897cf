import { describe, expect, it } from 'vitest';
import { CONTAINERD_ENDPOINT, CRI_DOCKERD_ENDPOINT, CRIO_ENDPOINT, DOCKERSHIM_ENDPOINT, runtimeOfEndpoint } from '../../../src/runtime/endpoints.js';

describe('runtimeOfEndpoint', () => {
  it.each([
    [CONTAINERD_ENDPOINT, 'containerd'],
    ['/run/containerd/containerd.sock', 'containerd'],
    ['unix:///var/run/containerd/containerd.sock', 'containerd'],
    ['/var/run/containerd/containerd.sock', 'containerd'],
    [CRI_DOCKERD_ENDPOINT, 'docker'],
    ['/run/cri-dockerd.sock', 'docker'],
    [DOCKERSHIM_ENDPOINT, 'dockershim'],
    ['/var/run/dockershim.sock', 'dockershim'],
    [CRIO_ENDPOINT, 'crio'],
    ['unix:///run/crio/crio.sock', 'crio'],
  ])('%s is %s', (endpoint, runtime) => {
    expect(runtimeOfEndpoint(endpoint)).toBe(runtime);
  });

  it.each(['unix:///run/docker.sock', 'npipe:////./pipe/containerd-containerd', 'tcp://10.0.0.1:2376', 'unix://unix:///run/containerd/containerd.sock', ''])(
    '%s is no runtime bosun knows',
    (endpoint) => {
      expect(runtimeOfEndpoint(endpoint)).toBeUndefined();
    },
  );
});
