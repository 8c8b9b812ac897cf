/**
 * `--dry-run` end to end: `bosun init --dry-run` and `bosun join --dry-run` print the files, API objects and etcd
 * member changes the real run makes, and write nothing. One sandbox for the file: its control-plane node was set
 * up by the real `bosun init` with the config the init dry run is given; the worker's real join follows its dry run
 * on the same (still empty) rootfs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMachineFile } from '../../src/sandbox/machine.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import type { DryRunReport } from '../../src/workflow/dry-run-report.js';
import { bosun, type CliResult, startSandbox, type Sandbox } from '../support/sandbox.js';

/** Every file under a directory, as node paths (`/etc/kubernetes/admin.conf`), with its mode. */
function filesUnder(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => path.join(e.parentPath, e.name))
      .map((file) => [`/${path.relative(dir, file)}`, (statSync(file).mode & 0o7777).toString(8).padStart(4, '0')]),
  );
}

/** The report a `-o json` dry run printed: stdout is the report alone (progress goes to stderr), so `| jq` works. */
function reportOf(result: CliResult): DryRunReport {
  expect(result.code, `${result.stdout.slice(-2000)}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as DryRunReport;
}

/** The files a run leaves on the node by its report: what it writes, less what it removes afterwards. */
function filesLeft(report: DryRunReport): Map<string, string> {
  const left = new Map<string, string>();
  for (const f of report.files) {
    if (f.action === 'write') left.set(f.path, f.mode!);
    if (f.action === 'remove') left.delete(f.path);
  }
  return left;
}

/** Bootstrap tokens are random per run: their Secrets are compared by kind. */
const objectName = (o: { kind: string; namespace?: string; name: string }) =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name.replace(/^bootstrap-token-[a-z0-9]{6}$/, 'bootstrap-token-*')}`;

describe('bosun --dry-run shows what the real run does, and does nothing', () => {
  let sandbox: Sandbox;
  const root = (node: string) => sandboxPaths(sandbox.dir).nodeRoot(node);
  const kubectl = async (...args: string[]) => {
    const result = await sandbox.kubectlRun(...args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  /** The objects of these kinds in the cluster, and those of them the `bosun` field manager owns fields of. */
  async function objectsOf(kinds: string[]): Promise<{ all: string[]; byBosun: string[] }> {
    const list = JSON.parse(await kubectl('get', kinds.join(','), '--all-namespaces', '--show-managed-fields', '-o', 'json')) as {
      items: Array<{ kind: string; metadata: { name: string; namespace?: string; managedFields?: Array<{ manager: string }> } }>;
    };
    const name = (o: (typeof list.items)[number]) => objectName({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
    return { all: list.items.map(name), byBosun: list.items.filter((o) => o.metadata.managedFields?.some((m) => m.manager === 'bosun')).map(name) };
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 0 });
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('init: prints every file, API object and etcd change; writes nothing; the real init made the same files and objects', async () => {
    const rootfs = mkdtempSync(path.join(os.tmpdir(), 'bosun-init-dry-'));
    const args = ['init', '--dry-run', '--rootfs', rootfs, '--config', path.join(sandbox.dir, 'init-config.yaml'), '--ignore-preflight-errors', 'all'];

    const text = await bosun(...args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^\[dryrun\] Would change under .*: \d+ files, 1 node command, \d+ API objects, 0 etcd member changes; nothing was changed$/m);
    expect(text.stdout).toContain('[dryrun] would write /etc/kubernetes/pki/ca.key (mode 0600): new, a private key');
    expect(text.stdout).toContain('[dryrun] would write /etc/kubernetes/admin.conf (mode 0600): new, a kubeconfig with an embedded client key');
    expect(text.stdout).toContain('+++ /etc/kubernetes/manifests/kube-apiserver.yaml\tnew');
    expect(text.stdout).toContain('[dryrun] would apply ConfigMap kube-system/kubeadm-config (v1)');
    expect(text.stdout).not.toContain('PRIVATE KEY');

    const report = reportOf(await bosun(...args, '-o', 'json'));
    expect(filesUnder(rootfs)).toEqual(new Map());

    // The real init on the sandbox's control-plane node (same config, same bosun) left these files; etcd's data and
    // the kubelet's rotated client certificate are written by etcd and the kubelet, not by bosun, and the machine's
    // own files (its shell, systemctl, the kubelet binary) were on the node before init (as a package would be).
    const realFiles = filesUnder(root('control-plane'));
    for (const file of realFiles.keys()) if (file.startsWith('/var/lib/etcd/') || file.startsWith('/var/lib/kubelet/pki/')) realFiles.delete(file);
    for (const file of realFiles.keys()) if (isMachineFile(file)) realFiles.delete(file);
    expect(filesLeft(report)).toEqual(realFiles);

    const dryObjects = report.objects.filter((o) => o.verb !== 'delete').map(objectName);
    expect(dryObjects.length).toBeGreaterThan(20);
    // Every object the dry run names, the real init made; every object bosun owns fields of is in the dry run (an
    // applied object without fields of its own, such as a bare ServiceAccount, keeps no manager entry).
    const realObjects = await objectsOf([...new Set(report.objects.map((o) => o.kind))]);
    expect(realObjects.all).toEqual(expect.arrayContaining(dryObjects));
    expect(dryObjects).toEqual(expect.arrayContaining(realObjects.byBosun));
  });

  describe('join', () => {
    let joinLine: string[];
    beforeAll(async () => {
      const created = await bosun('token', 'create', '--kubeconfig', sandbox.kubeconfig, '--print-join-command');
      expect(created.code, created.stderr).toBe(0);
      joinLine = created.stdout.trim().split(' ').slice(1);
    });

    it('of a worker: prints what it writes and starts, writes nothing; the real join then writes the same', async () => {
      const join = (...extra: string[]) =>
        bosun(...joinLine, '--rootfs', root('dry-worker'), '--node-name', 'dry-worker', '--ignore-preflight-errors', 'Port-10250', ...extra);
      const text = await join('--dry-run');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('[dryrun] would write /etc/kubernetes/bootstrap-kubelet.conf (mode 0600): new, a kubeconfig with a token');
      expect(text.stdout).toContain('[dryrun] would remove /etc/kubernetes/bootstrap-kubelet.conf');
      expect(text.stdout).toContain('[dryrun] would restart service kubelet');
      expect(text.stdout).not.toMatch(/token: [a-z0-9]{6}\./);
      const report = reportOf(await join('--dry-run', '-o', 'json'));
      expect(filesUnder(root('dry-worker'))).toEqual(new Map());
      expect(report.etcd).toEqual([]);

      const joined = await join();
      expect(joined.code, joined.stderr).toBe(0);
      await kubectl('wait', 'node/dry-worker', '--for=condition=Ready', '--timeout=120s');
      // kubelet.conf and its client certificate come from the kubelet's TLS bootstrap, not from bosun.
      const real = filesUnder(root('dry-worker'));
      for (const file of real.keys()) if (file === '/etc/kubernetes/kubelet.conf' || file.startsWith('/var/lib/kubelet/pki/')) real.delete(file);
      expect(filesLeft(report)).toEqual(real);
      for (const o of report.objects) await kubectl('get', `${o.kind}/${o.name}`, ...(o.namespace ? ['-n', o.namespace] : []));
    });

    it('of a control-plane node: shows the etcd learner added and promoted, and etcd keeps its one member', async () => {
      // The control-plane certificates, uploaded with a key the join is given.
      const key = randomBytes(32).toString('hex');
      const config = path.join(sandbox.dir, 'dry-run-upload-certs.yaml');
      const initConfig = readFileSync(path.join(sandbox.dir, 'init-config.yaml'), 'utf8');
      writeFileSync(config, initConfig.replace('kind: InitConfiguration\n', `kind: InitConfiguration\ncertificateKey: ${key}\n`), { mode: 0o600 });
      const uploaded = await bosun('init', 'phase', 'upload-certs', '--upload-certs', '--config', config, '--rootfs', root('control-plane'));
      expect(uploaded.code, uploaded.stderr).toBe(0);

      const args = [
        ...joinLine,
        '--rootfs',
        root('cp-dry'),
        '--node-name',
        'cp-dry',
        '--control-plane',
        '--certificate-key',
        key,
        '--apiserver-advertise-address',
        '10.0.0.97',
        '--ignore-preflight-errors',
        'all',
        '--dry-run',
      ];
      const text = await bosun(...args);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(
        '[dryrun] etcd members:\n[dryrun] would add etcd member https://10.0.0.97:2380 as a learner\n[dryrun] would promote etcd member https://10.0.0.97:2380\n',
      );
      expect(text.stdout).not.toContain('PRIVATE KEY');
      const report = reportOf(await bosun(...args, '-o', 'json'));
      expect(report.etcd).toEqual([
        { verb: 'member add', member: 'https://10.0.0.97:2380', learner: true },
        { verb: 'member promote', member: 'https://10.0.0.97:2380' },
      ]);
      for (const file of ['/etc/kubernetes/pki/ca.key', '/etc/kubernetes/admin.conf', '/etc/kubernetes/manifests/etcd.yaml']) {
        expect(report.files.map((f) => f.path)).toContain(file);
      }
      expect(report.objects.map(objectName)).toContain('Node cp-dry');
      expect(filesUnder(root('cp-dry'))).toEqual(new Map());
      expect((await etcdMembers()).map((m) => m.name)).toEqual(['control-plane']);
    });
  });

  /** etcd's members, asked with the control-plane node's health-check client certificate. */
  async function etcdMembers(): Promise<Array<{ name: string }>> {
    const state = JSON.parse(readFileSync(sandboxPaths(sandbox.dir).state, 'utf8')) as SandboxState;
    const pki = (file: string) => readFileSync(path.join(root('control-plane'), 'etc/kubernetes/pki', file));
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        `https://${state.nodes[0].network!.address}:2379/v3/cluster/member/list`,
        {
          method: 'POST',
          ca: pki('etcd/ca.crt'),
          cert: pki('etcd/healthcheck-client.crt'),
          key: pki('etcd/healthcheck-client.key'),
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    return (JSON.parse(body) as { members: Array<{ name: string }> }).members;
  }
});
