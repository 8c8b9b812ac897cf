/**
 * `bosun apply` on two fresh sandbox hosts (one control-plane, one worker): bad input is refused before any host
 * changes (every file of every host's rootfs compared by checksum, mode and link target), with an exit code that
 * says whose fault it is (1: the file; 3: the machines) and a message naming the host and the field; `--dry-run`
 * changes nothing and prints no secret. Then the cluster it builds is one the real kubeadm (the pinned version)
 * works with: `kubeadm token list`, `kubeadm certs check-expiration` on the control-plane host's files and
 * `kubeadm upgrade plan` against the cluster.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { emitYaml, parseYaml } from '../../src/util/yaml.js';
import { rootfsDigests } from '../support/rootfs-digest.js';
import { bosun, runCommand, waitForFile, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';
const NEXT_VERSION = 'v1.37.1';
const HOSTS = ['control-plane', 'worker-1'];
/** A bootstrap token, or a certificate key (64 hex digits), or a private key: none may show in the output. */
const SECRET = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b|\b[0-9a-f]{64}\b|PRIVATE KEY/;

interface ClusterDoc {
  spec: {
    hosts: Array<{ name: string; role: string; ssh: { address: string; port: number }; kubelet: Record<string, unknown> }>;
    kubeadm: Array<Record<string, unknown> & { networking?: Record<string, unknown> }>;
  };
}

let dir: string;
let clusterFile: string;
let knownHosts: string;
/** Every host's disk as the sandbox made it, before any apply. */
let fresh: Record<string, Record<string, string>>;

const nodeRoot = (name: string) => sandboxPaths(dir).nodeRoot(name);
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;

/** The kernel's, not the disk's. */
const KERNEL_PATHS = ['/proc', '/dev'];

const disks = () => Object.fromEntries(HOSTS.map((name) => [name, rootfsDigests(nodeRoot(name), KERNEL_PATHS)]));

/** The sandbox's cluster file with `change` made to it, written beside it as `name`. */
function variant(name: string, change: (doc: ClusterDoc) => void): string {
  const doc = parseYaml(readFileSync(clusterFile, 'utf8')) as ClusterDoc;
  change(doc);
  const file = path.join(dir, name);
  writeFileSync(file, emitYaml(doc));
  return file;
}

/** Runs apply (with --yes: only the refusal stops it) and checks its exit code and message, and that no host's disk changed. */
async function refused(args: string[], code: number, message: RegExp): Promise<CliResult> {
  const result = await bosun('apply', '--yes', ...args);
  expect(result.code, failed(result)).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stdout + result.stderr).not.toMatch(SECRET);
  expect(disks()).toEqual(fresh);
  return result;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-apply-refusals-'));
  const made = await bosun('sandbox', 'hosts', '2', '--dir', dir, '--version', VERSION);
  expect(made.code, failed(made)).toBe(0);
  clusterFile = sandboxPaths(dir).cluster;
  knownHosts = sandboxPaths(dir).knownHosts;
  // The control-plane host's static-pod runner (the sandbox's, started detached) makes the empty manifests
  // directory it watches once it runs: the disks are as the sandbox leaves them after that.
  const manifests = path.join(nodeRoot('control-plane'), 'etc/kubernetes/manifests');
  await waitForFile(path.dirname(path.dirname(manifests)), async () => existsSync(manifests) || undefined, 60_000, 'the runner watching its manifests');
  fresh = disks();
});

afterAll(async () => {
  if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
});

describe('bosun apply refuses bad input before any host changes', () => {
  it('two hosts of one name: exit 1, naming the file, the field and the name', async () => {
    const file = variant('twice.yaml', (doc) => (doc.spec.hosts[1].name = 'control-plane'));
    await refused(['-f', file, '--known-hosts', knownHosts], EXIT_CODES.user, /twice\.yaml: Cluster: spec\.hosts\[1\]: "control-plane" is listed twice/);
  });

  it('no control-plane host: exit 1, naming the field and the hosts', async () => {
    const file = variant('workers.yaml', (doc) => (doc.spec.hosts[0].role = 'worker'));
    await refused(
      ['-f', file, '--known-hosts', knownHosts],
      EXIT_CODES.user,
      /workers\.yaml: Cluster: spec\.hosts: no host has role control-plane \(control-plane, worker-1: all workers\)/,
    );
  });

  it('a kubeadm configuration error: exit 1, naming the file, the document and the field', async () => {
    const file = variant('subnet.yaml', (doc) => (doc.spec.kubeadm[0].networking = { podSubnet: '10.244.0.0/33' }));
    await refused(
      ['-f', file, '--known-hosts', knownHosts],
      EXIT_CODES.user,
      /subnet\.yaml \(spec\.kubeadm\): ClusterConfiguration: networking\.podSubnet: .*10\.244\.0\.0\/33/,
    );
  });

  it('an unreachable host (no sshd at its address and port): exit 3, naming the host and its ssh field', async () => {
    const file = variant('unreachable.yaml', (doc) => (doc.spec.hosts[1].ssh.port = 2222));
    await refused(
      ['-f', file, '--known-hosts', knownHosts],
      EXIT_CODES.precondition,
      /cannot reach 1 of 2 hosts; nothing was changed:\n {2}\S*unreachable\.yaml: spec\.hosts\[1\]\.ssh: worker-1 \(root@[\d.]+:2222\): .*(refused|ECONNREFUSED)/,
    );
  });

  it('a host key that does not match known_hosts: exit 3, naming the host, its ssh field and the known_hosts line', async () => {
    const doc = parseYaml(readFileSync(clusterFile, 'utf8')) as ClusterDoc;
    const lines = readFileSync(knownHosts, 'utf8').trimEnd().split('\n');
    const keyOf = (address: string) =>
      lines
        .find((l) => l.startsWith(`${address} `))!
        .split(' ')
        .slice(1)
        .join(' ');
    const [cp, worker] = doc.spec.hosts.map((h) => h.ssh.address);
    const wrong = path.join(dir, 'wrong_known_hosts');
    // The worker's line holds the control-plane host's key.
    writeFileSync(wrong, lines.map((l) => (l.startsWith(`${worker} `) ? `${worker} ${keyOf(cp)}` : l)).join('\n') + '\n');
    const line = lines.findIndex((l) => l.startsWith(`${worker} `)) + 1;
    await refused(
      ['-f', clusterFile, '--known-hosts', wrong],
      EXIT_CODES.precondition,
      new RegExp(
        `cannot reach 1 of 2 hosts; nothing was changed:\\n.*spec\\.hosts\\[1\\]\\.ssh: worker-1 .*HOST KEY CHANGED: .*wrong_known_hosts line ${line} `,
      ),
    );
  });

  it('host keys known_hosts does not hold: exit 3, every host named with the fingerprint it presents', async () => {
    const empty = path.join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const result = await refused(['-f', clusterFile, '--known-hosts', empty], EXIT_CODES.precondition, /cannot reach 2 of 2 hosts; nothing was changed/);
    for (const [i, name] of HOSTS.entries()) expect(result.stderr).toMatch(new RegExp(`spec\\.hosts\\[${i}\\]\\.ssh: ${name} .*unknown host key: .*SHA256:`));
  });

  it('a host that lacks what it needs (no kubelet, and the file says install: none): exit 3, the preflight table names it', async () => {
    const file = variant('no-kubelet.yaml', (doc) => (doc.spec.hosts[1].kubelet = { install: 'none' }));
    await refused(
      ['-f', file, '--known-hosts', knownHosts],
      EXIT_CODES.precondition,
      /\[preflight\] 1 of 2 hosts lack what they need; nothing was changed:\n(.*\n)*worker-1 +FAILED +ERROR \[KubeletInstall\] no kubelet at \/usr\/bin\/kubelet, and the cluster file says kubelet\.install: none/,
    );
  });
});

describe('bosun apply --dry-run', () => {
  it('prints the preflight table, the plan and the dry-run report; changes nothing; prints no secret', async () => {
    const result = await bosun('apply', '-f', clusterFile, '--known-hosts', knownHosts, '--dry-run');
    expect(result.code, failed(result)).toBe(0);
    expect(result.stdout).toMatch(/HOST +PREFLIGHT +WHAT IT LACKS\ncontrol-plane +ok/);
    expect(result.stdout).toMatch(/control-plane +control-plane +install v1\.36\.3 +init/);
    expect(result.stdout).toMatch(/worker-1 +worker +install v1\.36\.3 +join as worker/);
    expect(result.stdout).toContain('[dryrun] would apply Secret kube-system/bootstrap-token-');
    expect(result.stdout + result.stderr).not.toMatch(SECRET);
    expect(disks()).toEqual(fresh);
  });

  it('with a second control-plane host (a certificate key made for the run): changes nothing; prints no secret', async () => {
    const file = variant('two-control-planes.yaml', (doc) => (doc.spec.hosts[1].role = 'control-plane'));
    const result = await bosun('apply', '-f', file, '--known-hosts', knownHosts, '--dry-run');
    expect(result.code, failed(result)).toBe(0);
    expect(result.stdout).toMatch(/worker-1 +control-plane +install v1\.36\.3 +join as control-plane/);
    expect(result.stdout + result.stderr).not.toMatch(SECRET);
    expect(disks()).toEqual(fresh);
  });
});

/** The pinned kubeadm of `version`, beside the kubelet the sandbox installs. */
const kubeadm = (version: string, ...args: string[]) => runCommand([path.join(artifactDir(kubernetesArtifact(version)), 'kubeadm'), ...args]);

/** A kubeadm table's rows (after the header line starting with `header`, up to the blank line), split on runs of spaces. */
function tableRows(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${header} `));
  expect(start, `a table headed ${header} in\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end).map((l) => l.trim().split(/\s{2,}/));
}

describe('the real kubeadm accepts the cluster bosun apply builds', () => {
  // kubeadm chroots into the control-plane host's rootfs (--rootfs): its /etc/kubernetes, its admin.conf (which
  // reaches the API server over the sandbox's bridge) and its kubelet.conf, whose client certificate names the node
  // `upgrade plan` looks up (this machine's hostname is no node's name).
  const rootfs = () => ['--rootfs', nodeRoot('control-plane')];

  beforeAll(async () => {
    const result = await bosun('apply', '-f', clusterFile, '--known-hosts', knownHosts, '--yes');
    expect(result.code, failed(result)).toBe(0);
  });

  it('kubeadm token list: no token left (the run deleted its own)', async () => {
    const result = await kubeadm(VERSION, 'token', 'list', ...rootfs());
    expect(result.code, failed(result)).toBe(0);
    expect(result.stdout.trim()).toBe('');
  });

  it("kubeadm certs check-expiration on the control-plane host's files: every certificate and CA, none expired", async () => {
    const result = await kubeadm(VERSION, 'certs', 'check-expiration', ...rootfs());
    expect(result.code, failed(result)).toBe(0);
    const certs = tableRows(result.stdout, 'CERTIFICATE');
    expect(certs.map(([name]) => name).sort()).toEqual(
      [
        'admin.conf',
        'apiserver',
        'apiserver-etcd-client',
        'apiserver-kubelet-client',
        'controller-manager.conf',
        'etcd-healthcheck-client',
        'etcd-peer',
        'etcd-server',
        'front-proxy-client',
        'scheduler.conf',
        'super-admin.conf',
      ].sort(),
    );
    for (const [name, , residual, , managed] of certs) {
      // A year's certificates: "364d" (an expired one shows "<invalid>").
      expect(Number(/^(\d+)d$/.exec(residual)?.[1]), `${name}: ${residual}`).toBeGreaterThan(360);
      expect(managed, name).toBe('no');
    }
    const cas = tableRows(result.stdout, 'CERTIFICATE AUTHORITY');
    expect(cas.map(([name]) => name)).toEqual(['ca', 'etcd-ca', 'front-proxy-ca']);
    for (const [name, , residual] of cas) expect(residual, name).toMatch(/^9y$/);
  });

  it('kubeadm upgrade plan: the cluster at its version, the CoreDNS and etcd kubeadm ships for it, a path to the next minor', async () => {
    // The target version is given: without it kubeadm asks dl.k8s.io for the latest release (and falls back offline).
    const same = await kubeadm(VERSION, 'upgrade', 'plan', VERSION, ...rootfs());
    expect(same.code, failed(same)).toBe(0);
    expect(same.stdout).toContain(`[upgrade/versions] Cluster version: ${VERSION.slice(1)}`);
    expect(same.stdout).toContain(`[upgrade/versions] Target version: ${VERSION}`);

    const images = await kubeadm(VERSION, 'config', 'images', 'list', '--kubernetes-version', VERSION);
    expect(images.code, failed(images)).toBe(0);
    const tag = (image: string) => new RegExp(`/${image}:(\\S+)`).exec(images.stdout)![1];
    const next = await kubeadm(NEXT_VERSION, 'upgrade', 'plan', NEXT_VERSION, ...rootfs());
    expect(next.code, failed(next)).toBe(0);
    expect(tableRows(next.stdout, 'COMPONENT   NODE')).toEqual(HOSTS.map((name) => ['kubelet', name, VERSION, NEXT_VERSION]));
    const components = tableRows(next.stdout.slice(next.stdout.indexOf('Upgrade to the latest version')), 'COMPONENT');
    const current = Object.fromEntries(components.map((row) => [row[0], row.at(-2)]));
    expect(current).toMatchObject({
      'kube-apiserver': VERSION,
      'kube-controller-manager': VERSION,
      'kube-scheduler': VERSION,
      CoreDNS: tag('coredns'),
      etcd: tag('etcd'),
    });
    expect(next.stdout).toContain(`kubeadm upgrade apply ${NEXT_VERSION}`);
  });
});
