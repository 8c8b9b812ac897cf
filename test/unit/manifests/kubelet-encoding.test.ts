import { describe, expect, it } from 'vitest';
import { KUBELET_V1BETA1, type KubeletConfiguration } from '../../../src/config/types.js';
import { renderKubeletConfiguration } from '../../../src/kubelet/config.js';
import { goEncodedKubeletConfiguration } from '../../../src/kubelet/encoding.js';
import { parseYaml } from '../../../src/util/yaml.js';

const bare: KubeletConfiguration = { apiVersion: KUBELET_V1BETA1, kind: 'KubeletConfiguration' };

describe('KubeletConfiguration as kubeadm writes it', () => {
  it('spells out the struct fields Go writes when unset, keys sorted at every level', () => {
    const encoded = goEncodedKubeletConfiguration({ ...bare, staticPodPath: '/etc/kubernetes/manifests' });
    expect(Object.keys(encoded)).toEqual([...Object.keys(encoded)].sort());
    expect(encoded).toMatchObject({
      authentication: { anonymous: {}, webhook: { cacheTTL: '0s' }, x509: {} },
      authorization: { webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
      crashLoopBackOff: {},
      memorySwap: {},
      syncFrequency: '0s',
      volumeStatsAggPeriod: '0s',
      logging: { flushFrequency: 0, options: { json: { infoBufferSize: '0' }, text: { infoBufferSize: '0' } }, verbosity: 0 },
    });
    expect(Object.keys(encoded.logging as object)).toEqual(['flushFrequency', 'options', 'verbosity']);
  });

  it("keeps the user's values beside the zero ones and writes durations as Go does", () => {
    const user = {
      ...bare,
      syncFrequency: '1m',
      cpuCFSQuotaPeriod: '100ms',
      logging: { verbosity: 2, flushFrequency: '90s' },
      crashLoopBackOff: { maxContainerRestartPeriod: '2m' },
      evictionHard: { 'nodefs.available': '10%', 'memory.available': '200Mi' },
      authentication: { webhook: { cacheTTL: '2m' } },
    } as KubeletConfiguration;
    const before = structuredClone(user);
    const encoded = goEncodedKubeletConfiguration(user);
    expect(encoded).toMatchObject({
      syncFrequency: '1m0s',
      cpuCFSQuotaPeriod: '100ms',
      crashLoopBackOff: { maxContainerRestartPeriod: '2m0s' },
      logging: { flushFrequency: '1m30s', options: { json: { infoBufferSize: '0' } }, verbosity: 2 },
      authentication: { anonymous: {}, webhook: { cacheTTL: '2m0s' } },
    });
    expect(Object.keys(encoded.evictionHard as object)).toEqual(['memory.available', 'nodefs.available']);
    expect(user).toEqual(before);
  });

  it('renders the encoded form', () => {
    const text = renderKubeletConfiguration({ ...bare, maxPods: 50 });
    expect(text.startsWith('apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n')).toBe(true);
    expect(parseYaml(text)).toMatchObject({ kind: 'KubeletConfiguration', maxPods: 50, shutdownGracePeriod: '0s' });
  });
});
