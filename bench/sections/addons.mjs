// `bosun addon install NAME` of every catalog addon on a fresh sandbox (1 kwok worker, the sandbox's pod subnet
// 10.244.0.0/16), then the same command again, which must change nothing: wall time and the API requests each run
// reports, and "changed nothing" judged by the resourceVersion of every object the record ConfigMap
// kube-system/bosun-addons lists for the addon (and of the record itself) before and after the second run.
// An operator runs one pod network, so the cluster gets Flannel (with CoreDNS, kube-proxy, kube-proxy for Windows
// and NodeLocal DNSCache) and Calico is measured alone on a second fresh sandbox. CoreDNS and kube-proxy were
// already applied by the sandbox's `bosun init`: their first run is a re-apply onto what init made.
// Beside it the real peer: `kubectl apply --server-side --field-manager=bench -f` of the same objects (from
// `bosun addon install NAME --dry-run -o yaml`), twice, on a second fresh sandbox made the same way; CoreDNS and
// kube-proxy are there from its `bosun init`, so kubectl applies onto the objects they have, as bosun's first run did. Objects of a kind that a CRD of the same set defines (Calico's
// Installation) go in a second `kubectl apply` once those CRDs are Established, as Tigera's guide applies its custom
// resources after the operator's manifest. kubectl does not wait for rollouts; bosun does (CoreDNS, kube-proxy).
// A fresh sandbox rather than `bosun addon remove`: a Calico CRD deleted seconds after it was created was once seen
// to stay Terminating ("storage is (re)initializing") for minutes while the API server's finalizer controller backed off.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { BOSUN, BOSUN_CACHE, run, seconds, table } from '../lib.mjs';

const VERSION = 'v1.36.3';
const CLUSTERS = [['coredns', 'kube-proxy', 'flannel', 'kube-proxy-windows', 'nodelocaldns'], ['calico']];
const RECORD = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-addons' };

async function sandboxUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-addons-'));
  const { ms } = await run(process.execPath, [BOSUN, 'sandbox', 'up', '--dir', dir, '--version', VERSION, '--workers', '1']);
  const kubeconfig = path.join(dir, 'nodes', 'control-plane', 'etc', 'kubernetes', 'admin.conf');
  const kubectlPath = path.join(BOSUN_CACHE, 'bin', 'kubernetes', VERSION, 'kubectl');
  return { dir, ms, kubeconfig, kubectl: (...args) => run(kubectlPath, ['--kubeconfig', kubeconfig, ...args]) };
}

async function down(dir) {
  await run(process.execPath, [BOSUN, 'sandbox', 'down', '--dir', dir, '--purge']).catch((err) => console.error(err.message));
  await rm(dir, { recursive: true, force: true });
}

/** `bosun addon …` on the sandbox; its wall time, API requests and output. */
async function addon(sb, ...args) {
  const { ms, stdout } = await run(process.execPath, [BOSUN, 'addon', ...args, '--kubeconfig', sb.kubeconfig]);
  return { ms, stdout, requests: Number(/(\d+) API request\(s\) by this process/.exec(stdout)?.[1]) };
}

/** `kind.version.group/name` as kubectl takes it. */
function resource(ref) {
  const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
  return `${ref.kind.toLowerCase()}${group ? `.${version}.${group}` : ''}/${ref.name}`;
}

const key = (ref) => `${ref.kind} ${ref.namespace ?? ''}/${ref.name}`;

/** The objects bosun recorded applying for the addon. */
async function recorded(sb, name) {
  const { stdout } = await sb.kubectl('get', '-n', RECORD.namespace, 'configmap', RECORD.name, '-o', 'json');
  return parse(JSON.parse(stdout).data[name]).objects;
}

/** `Kind namespace/name` → resourceVersion of every ref that is there, one kubectl get per namespace. */
async function resourceVersions(sb, refs) {
  const versions = {};
  for (const ns of new Set(refs.map((r) => r.namespace ?? ''))) {
    const names = refs.filter((r) => (r.namespace ?? '') === ns).map(resource);
    const { stdout } = await sb.kubectl('get', ...(ns ? ['-n', ns] : []), ...names, '-o', 'json', '--ignore-not-found');
    const out = stdout.trim() ? JSON.parse(stdout) : { items: [] };
    for (const o of out.items ?? [out]) versions[key({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })] = o.metadata.resourceVersion;
  }
  return versions;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** bosun's first and second install of one addon, the second checked to change nothing; the objects it applies. */
async function bosunRuns(sb, name) {
  const first = await addon(sb, 'install', name);
  const refs = [...(await recorded(sb, name)), RECORD];
  const before = await resourceVersions(sb, refs);
  const second = await addon(sb, 'install', name);
  const unchanged = same(before, await resourceVersions(sb, refs));
  const { stdout: yaml } = await addon(sb, 'install', name, '--dry-run', '-o', 'yaml');
  return { name, first, second, unchanged, refs, objects: parseAllDocuments(yaml).map((d) => d.toJS()) };
}

/** The objects in kubectl's two steps: what a CRD of the set does not define, then what it does once Established. */
function stages(objects) {
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const custom = (o) => crds.some((c) => o.apiVersion.startsWith(`${c.spec.group}/`) && o.kind === c.spec.names.kind);
  return { plain: objects.filter((o) => !custom(o)), custom: objects.filter(custom), crds: crds.map((c) => `crd/${c.metadata.name}`) };
}

/** One `kubectl apply --server-side` of the addon's objects (in two steps when it has custom resources); its wall time. */
async function kubectlApply(sb, dir, name, objects) {
  const { plain, custom, crds } = stages(objects);
  const file = async (part, docs) => {
    const f = path.join(dir, `${name}-${part}.yaml`);
    await writeFile(f, docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
    return f;
  };
  // --force-conflicts: on the objects bosun applied first (CoreDNS and kube-proxy, made by init), fields the API
  // server stores without their zero value (a volumeMount's readOnly: false, a fieldRef's apiVersion) conflict with
  // manager bosun even though the manifest says the same; an operator re-applying kubeadm's objects hits the same.
  const apply = async (f) => sb.kubectl('apply', '--server-side', '--field-manager=bench', '--force-conflicts', '-f', f);
  const plainFile = await file('objects', plain);
  const customFile = custom.length ? await file('custom', custom) : undefined;
  const started = performance.now();
  await apply(plainFile);
  if (customFile) {
    await sb.kubectl('wait', '--for=condition=Established', ...crds, '--timeout=300s');
    await apply(customFile);
  }
  return performance.now() - started;
}

/** kubectl's first and second apply of the addon's objects, the second checked like bosun's (the record is not kubectl's). */
async function kubectlRuns(sb, r) {
  const refs = r.refs.filter((ref) => ref !== RECORD);
  const first = await kubectlApply(sb, sb.dir, r.name, r.objects);
  const before = await resourceVersions(sb, refs);
  const second = await kubectlApply(sb, sb.dir, r.name, r.objects);
  return { first, second, unchanged: same(before, await resourceVersions(sb, refs)) };
}

const firstError = (message) => message.split('\n').find((line) => line.startsWith('error')) ?? message.split('\n')[0];

/** Every addon of one cluster: bosun twice each on one fresh sandbox, kubectl twice each on another. */
async function measureCluster(names) {
  const results = [];
  const forBosun = await sandboxUp();
  try {
    console.log(`  sandbox for ${names.join(', ')} made in ${seconds(forBosun.ms)} (not counted)`);
    for (const name of names) results.push(await bosunRuns(forBosun, name));
  } finally {
    await down(forBosun.dir);
  }
  const forKubectl = await sandboxUp();
  try {
    const kubectlOf = (r) => kubectlRuns(forKubectl, r).catch((err) => ({ failed: firstError(err.message) }));
    const rows = [];
    for (const r of results) rows.push({ ...r, kubectl: await kubectlOf(r) });
    return rows;
  } finally {
    await down(forKubectl.dir);
  }
}

const yesNo = (b) => (b ? 'yes' : 'no');
const runCell = (r) => `${seconds(r.ms)} / ${r.requests}`;

export const addonsSection = {
  name: 'addons',
  title: 'bosun addon install of every catalog addon on a fresh sandbox, run twice (the second must change nothing), against kubectl apply --server-side',
  async run() {
    const rows = [];
    for (const names of CLUSTERS) rows.push(...(await measureCluster(names)));
    table(
      ['addon', 'objects', 'bosun 1st s / requests', 'bosun 2nd s / requests', 'changed nothing', 'kubectl apply 1st', 'kubectl apply 2nd', 'changed nothing'],
      rows.map((r) => [
        r.name,
        r.objects.length,
        runCell(r.first),
        runCell(r.second),
        yesNo(r.unchanged),
        ...(r.kubectl.failed ? ['failed', '—', '—'] : [seconds(r.kubectl.first), seconds(r.kubectl.second), yesNo(r.kubectl.unchanged)]),
      ]),
    );
    for (const r of rows.filter((row) => row.kubectl.failed)) console.log(`  kubectl apply of ${r.name} failed: ${r.kubectl.failed}`);
    const total = (pick) => rows.reduce((sum, r) => sum + pick(r), 0);
    console.log(
      `  total: bosun ${seconds(total((r) => r.first.ms))} then ${seconds(total((r) => r.second.ms))} ` +
        `(${total((r) => r.first.requests)} then ${total((r) => r.second.requests)} API requests); ` +
        `kubectl ${seconds(total((r) => r.kubectl.first ?? 0))} then ${seconds(total((r) => r.kubectl.second ?? 0))}`,
    );
    console.log(`  the second bosun run changed nothing: ${yesNo(rows.every((r) => r.unchanged))}`);
  },
};
