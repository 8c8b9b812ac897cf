/**
 * `bosun apply` from six fresh machines (`bosun sandbox hosts`: sshd, systemctl, no kubelet, no cluster): one apply
 * builds 3 control-plane nodes (three voting etcd members, every API server ready, joined one at a time through
 * upload-certs) and 3 workers, all Ready on the kubelet bosun installed, its progress as JSON events; a second apply changes nothing: no file of any host's rootfs, no API
 * object of any namespace (see nodeFiles and apiObjects for what is left out, and why). Bad input and
 * --dry-run: apply-refusals.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { EtcdClient } from '../../src/etcd/etcd.js';
import { CERTS_TOKEN_DESCRIPTION } from '../../src/tokens/certs-secret.js';
import { tokenFromSecret } from '../../src/tokens/secret.js';
import type { Secret } from '../../src/kube/objects.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { AGENT_REQUEST_DIR } from '../../src/sandbox/systemctl.js';
import { parseYaml } from '../../src/util/yaml.js';
import type { ProgressEvent } from '../../src/workflow/events.js';
import { parseEventLine } from '../../src/workflow/renderers/json.js';
import { rootfsDigests } from '../support/rootfs-digest.js';
import { bosun, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';
const CONTROL_PLANES = ['control-plane', 'control-plane-2', 'control-plane-3'];
const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
const HOSTS = [...CONTROL_PLANES, ...WORKERS];

/**
 * Node paths whose contents change without anyone acting on the host, left out of the files compared:
 * - /var/lib/etcd: etcd's WAL and snapshots take every write to the cluster, and the cluster writes on its own
 *   (node and leader-election leases every few seconds); the cluster's state is compared object by object instead.
 * - AGENT_REQUEST_DIR (/run/sandbox-agent): the sandbox's systemctl and curl hand their requests to the node agent
 *   there and delete them once answered; a run directory, empty between commands.
 * Everything else (/etc, /usr/bin, /var/lib/kubelet, /bin, /tmp, /root) is compared: content, mode and link targets.
 */
const SETTLE_MS = 5_000;
const SETTLE_TIMEOUT_MS = 180_000;

const CHANGING_PATHS = ['/var/lib/etcd', AGENT_REQUEST_DIR];

/**
 * API objects that change without anyone acting on the cluster, left out of the resourceVersions compared:
 * Leases (each kubelet's heartbeat in kube-node-lease, the scheduler's and controller-manager's leader election
 * and every API server's identity lease in kube-system are renewed every few seconds) and Events (controllers and
 * kubelets record them as they see fit, and they expire).
 */
const CHANGING_KINDS = new Set(['coordination.k8s.io/Lease', 'v1/Event', 'events.k8s.io/Event']);

interface ListedObject {
  metadata: { namespace?: string; name: string; resourceVersion: string; managedFields?: unknown };
  status?: { conditions?: Array<{ lastHeartbeatTime?: string }> };
}

/**
 * What is compared of an object: its resourceVersion; for a Node, all of it but its heartbeat, which whoever plays
 * its kubelet writes on a clock (a kubelet every 5 minutes unchanged, the sandbox's kwok every 10): the times in its
 * conditions, and so its resourceVersion and the time of its managedFields entry.
 */
function comparable(kind: string, object: ListedObject): string {
  if (kind !== 'Node') return object.metadata.resourceVersion;
  const { resourceVersion: _version, managedFields: _fields, ...metadata } = object.metadata;
  const conditions = object.status?.conditions?.map(({ lastHeartbeatTime: _time, ...condition }) => condition);
  return sha256(Buffer.from(JSON.stringify({ ...object, metadata, status: { ...object.status, conditions } })));
}

let dir: string;
let clusterFile: string;
let knownHosts: string;
let hostsResult: CliResult;

const nodeRoot = (name: string) => sandboxPaths(dir).nodeRoot(name);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const apply = (...args: string[]) => bosun('apply', '-f', clusterFile, '--known-hosts', knownHosts, ...args);
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;

const nodeFiles = (name: string) => rootfsDigests(nodeRoot(name), CHANGING_PATHS);

interface ResourceList {
  groupVersion: string;
  resources: Array<{ name: string; kind: string; verbs: string[] }>;
}

async function getJson<T>(cluster: Cluster, apiPath: string): Promise<T> {
  const answer = await cluster.raw(apiPath);
  if (answer.status !== 200) throw new Error(`GET ${apiPath}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return JSON.parse(answer.body) as T;
}

/** What is compared (comparable) of every object of every listable kind (preferred version) in every namespace, but CHANGING_KINDS. */
async function apiObjects(cluster: Cluster): Promise<Record<string, string>> {
  const groups = await getJson<{ groups: Array<{ preferredVersion: { groupVersion: string } }> }>(cluster, '/apis');
  const lists = [await getJson<ResourceList>(cluster, '/api/v1')];
  for (const g of groups.groups) lists.push(await getJson<ResourceList>(cluster, `/apis/${g.preferredVersion.groupVersion}`));
  const objects: Record<string, string> = {};
  for (const list of lists) {
    const prefix = list.groupVersion === 'v1' ? '/api/v1' : `/apis/${list.groupVersion}`;
    const group = list.groupVersion.includes('/') ? list.groupVersion.split('/')[0] : 'v1';
    for (const r of list.resources.filter((r) => !r.name.includes('/') && r.verbs.includes('list') && !CHANGING_KINDS.has(`${group}/${r.kind}`))) {
      const items = (await getJson<{ items: ListedObject[] }>(cluster, `${prefix}/${r.name}`)).items;
      for (const item of items) objects[`${list.groupVersion} ${r.kind} ${item.metadata.namespace ?? ''}/${item.metadata.name}`] = comparable(r.kind, item);
    }
  }
  return objects;
}

/** The keys whose values differ between two records (missing on either side included). */
function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]).sort();
}

interface Snapshot {
  files: Record<string, Record<string, string>>;
  objects: Record<string, string>;
}

async function snapshot(cluster: Cluster): Promise<Snapshot> {
  return { files: Object.fromEntries(HOSTS.map((name) => [name, nodeFiles(name)])), objects: await apiObjects(cluster) };
}

/**
 * The cluster's state once it has settled: controllers go on acting for a while after every Node is Ready (the
 * node-lifecycle controller lifts not-ready taints, the scheduler then binds pending Pods), and a change of theirs
 * during the second apply would be blamed on it. Snapshots are taken until two in a row, SETTLE_MS apart, are equal.
 */
async function settled(cluster: Cluster): Promise<Snapshot> {
  let last = await snapshot(cluster);
  for (const deadline = Date.now() + SETTLE_TIMEOUT_MS; ;) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const next = await snapshot(cluster);
    const moving = [...HOSTS.flatMap((name) => changed(last.files[name], next.files[name]).map((f) => `${name}:${f}`)), ...changed(last.objects, next.objects)];
    if (!moving.length) return next;
    if (Date.now() > deadline) throw new Error(`the cluster did not settle within ${SETTLE_TIMEOUT_MS / 1000}s; still changing: ${moving.join(', ')}`);
    last = next;
  }
}

async function adminCluster(server?: string): Promise<Cluster> {
  const kubeconfig = path.join(nodeRoot('control-plane'), 'etc/kubernetes/admin.conf');
  const text = readFileSync(kubeconfig, 'utf8');
  return clusterFromKubeconfig(server ? text.replace(/server: .*/, `server: ${server}`) : text, { source: server ?? kubeconfig });
}

describe('bosun apply on six fresh machines', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-apply-'));
    hostsResult = await bosun('sandbox', 'hosts', '6', '--control-planes', '3', '--dir', dir, '--version', VERSION);
    clusterFile = sandboxPaths(dir).cluster;
    knownHosts = sandboxPaths(dir).knownHosts;
  });

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  });

  it('sandbox hosts makes machines without a kubelet or a cluster, and prints their cluster file', () => {
    expect(hostsResult.code, failed(hostsResult)).toBe(0);
    expect(hostsResult.stdout).toContain(`bosun apply -f ${clusterFile} --known-hosts ${knownHosts}`);
    // After the binaries' progress lines, the cluster file as written.
    expect(hostsResult.stdout.endsWith(readFileSync(clusterFile, 'utf8'))).toBe(true);
    for (const name of HOSTS) {
      expect(existsSync(path.join(nodeRoot(name), 'bin/busybox')), name).toBe(true);
      expect(existsSync(path.join(nodeRoot(name), 'usr/bin/kubelet')), name).toBe(false);
      expect(existsSync(path.join(nodeRoot(name), 'etc/kubernetes/admin.conf')), name).toBe(false);
    }
  });

  it('builds 3 control-plane nodes (three voting etcd members, every API server ready) and 3 workers, all Ready', { timeout: 900_000 }, async () => {
    const result = await apply('--yes', '--parallel', '3', '--progress=json');
    expect(result.code, failed(result)).toBe(0);
    // The certificate key (64 hex digits) and the token stay off the output.
    expect(result.stdout + result.stderr).not.toMatch(/\b[0-9a-f]{64}\b|\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    // --progress=json: stderr is one event per line; every host's steps started and finished.
    const lines = result.stderr.split('\n').filter(Boolean);
    const events = lines.map(parseEventLine);
    expect(lines.filter((_, i) => events[i] === undefined)).toEqual([]);
    const ended = (events as ProgressEvent[]).filter((e) => e.type === 'finished').map((e) => e.path);
    for (const name of HOSTS) {
      const joinStep = name === 'control-plane' ? 'init' : 'join';
      expect(ended, name).toEqual(expect.arrayContaining([`node/${name}/kubelet`, `node/${name}/${joinStep}`, `node/${name}/ready`]));
    }
    expect(result.stdout).toMatch(/HOST +ROLE +KUBELET +READY +TIME\ncontrol-plane +control-plane +v1\.36\.3 +Ready +\d+\.\ds/);
    for (const name of HOSTS) expect(result.stdout, name).toMatch(new RegExp(`\\n${name} +(control-plane|worker) +v1\\.36\\.3 +Ready +\\d+\\.\\ds`));

    const cluster = await adminCluster();
    const nodes = await cluster.list<Node>('v1', 'Node');
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...HOSTS].sort());
    for (const node of nodes) {
      expect(isNodeReady(node), node.metadata.name).toBe(true);
      expect(node.status?.nodeInfo?.kubeletVersion, node.metadata.name).toBe(VERSION);
    }
    const kubelet = sha256(readFileSync(path.join(artifactDir(kubernetesArtifact(VERSION)), 'kubelet')));
    for (const name of HOSTS) expect(sha256(readFileSync(path.join(nodeRoot(name), 'usr/bin/kubelet'))), name).toBe(kubelet);

    const pki = path.join(nodeRoot('control-plane'), 'etc/kubernetes/pki');
    const hosts = (parseYaml(readFileSync(clusterFile, 'utf8')) as { spec: { hosts: Array<{ role: string; ssh: { address: string } }> } }).spec.hosts;
    const addresses = hosts.filter((h) => h.role === 'control-plane').map((h) => h.ssh.address);
    const etcd = new EtcdClient([`https://${addresses[0]}:2379`], {
      ca: readFileSync(path.join(pki, 'etcd/ca.crt')),
      cert: readFileSync(path.join(pki, 'apiserver-etcd-client.crt')),
      key: readFileSync(path.join(pki, 'apiserver-etcd-client.key')),
    });
    const members = await etcd.memberList();
    expect(members.map((m) => [m.name, m.isLearner]).sort()).toEqual(CONTROL_PLANES.map((name) => [name, false]));
    for (const address of addresses) expect((await (await adminCluster(`https://${address}:6443`)).raw('/readyz')).status, address).toBe(200);

    // Left: only upload-certs' proxy token, which kubeadm also leaves to expire the kubeadm-certs Secret; the run's token is gone.
    const tokens = (await cluster.list<Secret>('v1', 'Secret', { namespace: 'kube-system' }))
      .filter((secret) => secret.type === 'bootstrap.kubernetes.io/token')
      .map((secret) => tokenFromSecret(secret).description);
    expect(tokens).toEqual([CERTS_TOKEN_DESCRIPTION]);
  });

  it('a second apply changes nothing and says so: every file of every host, every API object', { timeout: 600_000 }, async () => {
    const cluster = await adminCluster();
    const before = await settled(cluster);
    // The comparison is only worth something if it sees the cluster: kubeadm's objects and every host's files.
    expect(Object.keys(before.objects)).toEqual(
      expect.arrayContaining(['v1 ConfigMap kube-system/kubeadm-config', 'apps/v1 DaemonSet kube-system/kube-proxy']),
    );
    for (const name of HOSTS)
      expect(Object.keys(before.files[name]), name).toEqual(expect.arrayContaining(['/etc/kubernetes/kubelet.conf', '/usr/bin/kubelet']));
    const result = await apply('--yes');
    expect(result.code, failed(result)).toBe(0);
    expect(result.stdout).toContain('nothing to do');
    expect(result.stdout).not.toContain('[preflight]');
    const after = await snapshot(cluster);
    for (const name of HOSTS) expect(changed(before.files[name], after.files[name]), name).toEqual([]);
    expect(changed(before.objects, after.objects)).toEqual([]);
  });
});
