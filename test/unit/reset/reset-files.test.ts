import { describe, expect, it } from 'vitest';
import { withoutKubeRules } from '../../../src/kube/proxy-rules.js';
import { mountsUnder } from '../../../src/node/reset-files.js';

describe('mountsUnder', () => {
  it('lists the mounts under the kubelet directory, deepest first, with escaped names decoded', () => {
    const mounts = [
      '/dev/sda1 / ext4 rw 0 0',
      'tmpfs /var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access tmpfs rw 0 0',
      '/dev/sdb /var/lib/kubelet ext4 rw 0 0',
      'tmpfs /var/lib/kubelet/pods/b/volumes/my\\040vol tmpfs rw 0 0',
      'tmpfs /var/lib/kubelet-other tmpfs rw 0 0',
    ].join('\n');
    expect(mountsUnder(mounts, '/var/lib/kubelet')).toEqual([
      '/var/lib/kubelet/pods/a/volumes/kubernetes.io~projected/kube-api-access',
      '/var/lib/kubelet/pods/b/volumes/my vol',
      '/var/lib/kubelet',
    ]);
  });
});

describe('withoutKubeRules', () => {
  it("drops kube-proxy's chains and the jumps to them, and keeps every other rule", () => {
    const dump = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':DOCKER - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '-A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
      'COMMIT',
    ].join('\n');
    expect(withoutKubeRules(dump)).toBe(
      ['*nat', ':PREROUTING ACCEPT [0:0]', ':DOCKER - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER', 'COMMIT'].join('\n'),
    );
  });

  it('says when there is nothing of kube-proxy to remove', () => {
    expect(withoutKubeRules('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n')).toBeUndefined();
  });
});
