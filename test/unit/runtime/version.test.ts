import { describe, expect, it } from 'vitest';
import { runtimeVersionOf } from '../../../src/runtime/version.js';

describe('runtimeVersionOf', () => {
  it.each([
    ['containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n', '1.6.20~ds1'],
    ['containerd github.com/containerd/containerd/v2 2.1.4 \n', '2.1.4'],
    ['containerd containerd.io v1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n', '1.7.27'],
    ['Docker version 20.10.24+dfsg1, build 297e128\n', '20.10.24+dfsg1'],
    ['crio version 1.28.1\n', '1.28.1'],
    ['Version:        1.30.0\nGitCommit: abc\n', '1.30.0'],
  ])('%s → %s', (output, version) => {
    expect(runtimeVersionOf(output)).toBe(version);
  });

  it('is undefined for anything else', () => {
    expect(runtimeVersionOf('Kubernetes v1.37.1\n')).toBeUndefined();
  });
});
