import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { writeFilesIfChanged } from '../../../src/node/files.js';

describe('files that go together', () => {
  it('are all read before any is written: one bosun will not read refuses the lot', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-files-'));
    mkdirSync(path.join(root, 'var/lib/kubelet/config.yaml'), { recursive: true });
    const host = new LocalHost(root);
    const files = [
      { nodePath: '/var/lib/kubelet/kubeadm-flags.env', data: 'KUBELET_KUBEADM_ARGS=""\n', mode: 0o644 },
      { nodePath: '/var/lib/kubelet/config.yaml', data: 'kind: KubeletConfiguration\n', mode: 0o644 },
    ];
    await expect(writeFilesIfChanged(host, files)).rejects.toThrow('config.yaml: found a directory; expected a regular file');
    expect(existsSync(path.join(root, 'var/lib/kubelet/kubeadm-flags.env'))).toBe(false);
  });

  it('writes only the files that differ', async () => {
    const host = new LocalHost(mkdtempSync(path.join(os.tmpdir(), 'bosun-files-')));
    const files = [
      { nodePath: '/etc/a', data: 'a', mode: 0o644 },
      { nodePath: '/etc/b', data: 'b', mode: 0o600 },
    ];
    expect(await writeFilesIfChanged(host, files)).toEqual([true, true]);
    expect(await writeFilesIfChanged(host, [files[0], { ...files[1], data: 'B' }])).toEqual([false, true]);
  });
});
