/** The reset steps that run commands on the node, over a small Host fake that answers like a node with or without the tools. */
import { describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult, Host } from '../../../src/host/host.js';
import { cleanupNetwork, unmountKubeletDirectory } from '../../../src/node/node-reset.js';

const NAT_DUMP = ['*nat', ':POSTROUTING ACCEPT [0:0]', ':KUBE-POSTROUTING - [0:0]', '-A POSTROUTING -j KUBE-POSTROUTING', 'COMMIT', ''].join('\n');

/** A node reached directly (root `/`) with these commands on its PATH; `ran` is every command line, `fed` what restores read. */
function fakeNode(tools: string[], files: Record<string, string> = {}, root = '/') {
  const ran: string[] = [];
  const fed: string[] = [];
  const removed: string[] = [];
  const host = {
    os: 'linux',
    root,
    offline: root !== '/',
    readFile: async (p: string) => (p in files ? Buffer.from(files[p]) : undefined),
    readdir: async (p: string) => (p === '/etc/cni/net.d' ? ['10-flannel.conflist'] : []),
    remove: async (p: string) => void removed.push(p),
    exec: async (cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult> => {
      ran.push([cmd, ...args].join(' '));
      if (cmd === 'sh') return { stdout: '', stderr: '', code: tools.includes(args[1].replace('command -v ', '')) ? 0 : 1 };
      if (cmd.endsWith('-restore')) fed.push(opts?.input ?? '');
      return { stdout: cmd === 'iptables-save' ? NAT_DUMP : '', stderr: '', code: 0 };
    },
  } as unknown as Host;
  return { host, ran, fed, removed };
}

describe('cleanupNetwork', () => {
  it("restores iptables without kube-proxy's chains, clears IPVS, and empties the CNI configuration", async () => {
    const node = fakeNode(['iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore', 'ipvsadm']);
    const lines: string[] = [];
    await cleanupNetwork(node.host, (l) => lines.push(l));
    expect(node.removed).toEqual(['/etc/cni/net.d/10-flannel.conflist']);
    expect(node.ran.filter((c) => !c.startsWith('sh '))).toEqual(['iptables-save', 'iptables-restore', 'ip6tables-save', 'ipvsadm --clear']);
    expect(node.fed).toEqual(['*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n']);
    expect(lines).toContain('[reset] No kube-proxy ip6tables rules on the node');
  });

  it('skips what the node has no tool for', async () => {
    const node = fakeNode([]);
    const lines: string[] = [];
    await cleanupNetwork(node.host, (l) => lines.push(l));
    expect(node.ran.every((c) => c.startsWith('sh -c command -v '))).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '[reset] iptables-save or iptables-restore is not on the node: no iptables rules to clean',
        '[reset] ipvsadm is not on the node: no IPVS virtual servers to clean',
      ]),
    );
  });

  it('runs no command for a node under a directory of this machine', async () => {
    const node = fakeNode(['iptables-save', 'iptables-restore'], {}, '/tmp/node');
    await cleanupNetwork(node.host, () => undefined);
    expect(node.ran).toEqual([]);
    expect(node.removed).toEqual(['/etc/cni/net.d/10-flannel.conflist']);
  });
});

describe('unmountKubeletDirectory', () => {
  it('unmounts what /proc/mounts has under /var/lib/kubelet, deepest first', async () => {
    const mounts = 'tmpfs /var/lib/kubelet/pods/a/volumes/x tmpfs rw 0 0\n/dev/sdb /var/lib/kubelet ext4 rw 0 0\nproc /proc proc rw 0 0\n';
    const node = fakeNode([], { '/proc/mounts': mounts });
    await unmountKubeletDirectory(node.host, () => undefined);
    expect(node.ran).toEqual(['umount /var/lib/kubelet/pods/a/volumes/x', 'umount /var/lib/kubelet']);
  });
});
