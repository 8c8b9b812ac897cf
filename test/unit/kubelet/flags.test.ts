import { describe, expect, it } from 'vitest';
import { parseKubeletFlagsEnv, renderKubeletFlagsEnv } from '../../../src/kubelet/flags.js';

describe('parseKubeletFlagsEnv', () => {
  it('reads back what bosun renders', () => {
    const text = renderKubeletFlagsEnv(
      { name: 'n1', kubeletExtraArgs: [{ name: 'container-runtime-endpoint', value: 'unix:///run/containerd/containerd.sock' }] },
      'n0',
    );
    expect(parseKubeletFlagsEnv(text)).toEqual([
      { name: 'hostname-override', value: 'n1' },
      { name: 'container-runtime-endpoint', value: 'unix:///run/containerd/containerd.sock' },
    ]);
  });

  it("reads kubeadm's files of each era: double or single quotes, none, a bare flag; other lines ignored", () => {
    expect(parseKubeletFlagsEnv('# comment\nKUBELET_KUBEADM_ARGS="--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6"\n')).toEqual([
      { name: 'network-plugin', value: 'cni' },
      { name: 'pod-infra-container-image', value: 'k8s.gcr.io/pause:3.6' },
    ]);
    expect(parseKubeletFlagsEnv("KUBELET_KUBEADM_ARGS='--a=1'")).toEqual([{ name: 'a', value: '1' }]);
    expect(parseKubeletFlagsEnv('KUBELET_KUBEADM_ARGS=--a=1 --b')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'true' },
    ]);
    expect(parseKubeletFlagsEnv('OTHER="--a=1"\n')).toEqual([]);
    expect(parseKubeletFlagsEnv('KUBELET_EXTRA_ARGS=--a=1\nKUBELET_EXTRA_ARGS="--a=2"\n', 'KUBELET_EXTRA_ARGS')).toEqual([{ name: 'a', value: '2' }]);
    expect(parseKubeletFlagsEnv('')).toEqual([]);
  });
});
