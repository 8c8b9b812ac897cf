import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingCluster } from '../../../src/cluster/recording.js';
import type { Cluster } from '../../../src/cluster/cluster.js';
import { RecordingEtcd } from '../../../src/etcd/recording.js';
import { LocalHost } from '../../../src/host/local.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { parseYaml } from '../../../src/util/yaml.js';
import type { Recorded } from '../../../src/workflow/doors.js';
import { renderReport } from '../../../src/workflow/dry-run-output.js';
import { dryRunReport } from '../../../src/workflow/dry-run-report.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI…\n-----END EC PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n';
const nothing = { get: async () => undefined } as unknown as Cluster;

/** A node with a manifest and a config already there, and a run that changes, keeps and adds files. */
async function recordedRun(): Promise<Recorded> {
  const node = new LocalHost(root);
  await node.writeFileAtomic('/etc/kubernetes/manifests/etcd.yaml', 'image: etcd:3.5\nname: etcd\n', 0o600);
  await node.writeFileAtomic('/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\n', 0o644);
  const recorded: Recorded = { host: new RecordingHost(node), cluster: [], etcd: [] };
  const host = recorded.host;
  await host.mkdir('/etc/kubernetes/pki', 0o755);
  await host.writeFileAtomic('/etc/kubernetes/pki/ca.key', KEY, 0o600);
  await host.writeFileAtomic('/etc/kubernetes/pki/ca.crt', CERT, 0o644);
  await host.writeFileAtomic('/etc/kubernetes/admin.conf', 'users:\n- user:\n    client-key-data: c2VjcmV0\n', 0o600);
  await host.writeFileAtomic('/etc/kubernetes/bootstrap-kubelet.conf', 'users:\n- user:\n    token: abcdef.0123456789abcdef\n', 0o600);
  await host.writeFileAtomic('/etc/kubernetes/manifests/etcd.yaml', 'image: etcd:3.6\nname: etcd\n', 0o600);
  await host.writeFileAtomic('/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\n', 0o644);
  await host.remove('/etc/kubernetes/bootstrap-kubelet.conf');
  await host.service('kubelet').restart();
  const cluster = new RecordingCluster(nothing, recorded.cluster);
  await cluster.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' } });
  await cluster.patch({ apiVersion: 'v1', kind: 'Node', name: 'cp-1' }, {});
  await cluster.watchUntil({ apiVersion: 'v1', kind: 'Node', name: 'cp-1' }).catch(() => undefined);
  const etcd = new RecordingEtcd(undefined, recorded.etcd);
  const { member } = await etcd.memberAdd('https://10.0.0.2:2380', true);
  await etcd.memberPromote(member.id);
  return recorded;
}

describe('the dry-run report', () => {
  it('lists files (new, changed, removed; secrets described), node commands, API writes and etcd changes', async () => {
    const report = dryRunReport(await recordedRun());
    expect(report.root).toBe(root);
    expect(report.files.map((f) => `${f.action} ${f.path} ${f.change}`)).toEqual([
      'mkdir /etc/kubernetes/pki new',
      'write /etc/kubernetes/pki/ca.key new',
      'write /etc/kubernetes/pki/ca.crt new',
      'write /etc/kubernetes/admin.conf new',
      'write /etc/kubernetes/bootstrap-kubelet.conf new',
      'write /etc/kubernetes/manifests/etcd.yaml changed',
      // The kubelet config is written as it is: no change, not listed.
      'remove /etc/kubernetes/bootstrap-kubelet.conf removed',
    ]);
    const file = (p: string) => report.files.find((f) => f.path === p && f.action === 'write')!;
    expect(file('/etc/kubernetes/pki/ca.key')).toMatchObject({
      mode: '0600',
      secret: true,
      holds: `a private key (${Buffer.byteLength(KEY)} bytes), not shown`,
    });
    expect(file('/etc/kubernetes/admin.conf')).toMatchObject({ secret: true, holds: expect.stringMatching(/^a kubeconfig with an embedded client key/) });
    expect(file('/etc/kubernetes/bootstrap-kubelet.conf')).toMatchObject({ secret: true, holds: expect.stringMatching(/^a kubeconfig with a token/) });
    expect(file('/etc/kubernetes/pki/ca.crt')).toMatchObject({ holds: `a certificate (${Buffer.byteLength(CERT)} bytes)` });
    expect(file('/etc/kubernetes/pki/ca.crt').secret).toBeUndefined();
    expect(file('/etc/kubernetes/manifests/etcd.yaml').diff).toContain('-image: etcd:3.5\n+image: etcd:3.6\n');
    expect(report.commands).toEqual([{ service: 'kubelet', action: 'restart' }]);
    expect(report.objects).toEqual([
      { verb: 'apply', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' },
      { verb: 'patch', apiVersion: 'v1', kind: 'Node', name: 'cp-1' },
    ]);
    expect(report.etcd).toEqual([
      { verb: 'member add', member: 'https://10.0.0.2:2380', learner: true },
      { verb: 'member promote', member: 'https://10.0.0.2:2380' },
    ]);
  });

  it('prints sections in order, never a secret, diffs as upgrade diff prints them', async () => {
    const text = renderReport(dryRunReport(await recordedRun()), 'text');
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('abcdef.0123456789abcdef');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).toContain('[dryrun] would write /etc/kubernetes/pki/ca.key (mode 0600): new, a private key');
    expect(text).toContain('--- /etc/kubernetes/manifests/etcd.yaml\tcurrent\n+++ /etc/kubernetes/manifests/etcd.yaml\tnew\n');
    expect(text).toContain('[dryrun] would restart service kubelet\n');
    expect(text).toContain('[dryrun] would apply ConfigMap kube-system/kubeadm-config (v1)\n');
    expect(text).toContain('[dryrun] would add etcd member https://10.0.0.2:2380 as a learner\n[dryrun] would promote etcd member https://10.0.0.2:2380\n');
    const sections = ['[dryrun] Files:', '[dryrun] Node commands:', '[dryrun] API objects:', '[dryrun] etcd members:'].map((s) => text.indexOf(s));
    expect(sections.every((at, i) => at > 0 && (i === 0 || at > sections[i - 1]))).toBe(true);
  });

  it('marks each of its own lines with [dryrun] once; diff lines carry none', async () => {
    const lines = renderReport(dryRunReport(await recordedRun()), 'text')
      .trimEnd()
      .split('\n');
    for (const line of lines) expect(line.split('[dryrun]').length, line).toBeLessThanOrEqual(2);
    const own = lines.filter((line) => !/^(---|\+\+\+|@@|[-+ ])/.test(line));
    expect(own.length).toBeGreaterThan(10);
    for (const line of own) expect(line).toMatch(/^\[dryrun\] [^[]/);
  });

  it('is the same report as JSON and YAML data', async () => {
    const report = dryRunReport(await recordedRun());
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(report);
    expect(parseYaml(renderReport(report, 'yaml'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
