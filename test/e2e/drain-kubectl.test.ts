/**
 * `bosun drain` against the real `kubectl drain` on identical nodes of one sandbox (same pods, same budgets):
 * the same pods evicted, the same refusals, the same exit status, the node left cordoned alike.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bosun, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';

const WAIT = '--timeout=180s';
const WORKERS = 16;
const PAUSE = 'registry.k8s.io/pause:3.10';

let sandbox: Sandbox;
let spare: string[] = [];

const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
const apply = (yaml: string) => sandbox.apply(yaml);

const deployment = (name: string, replicas: number, opts: { node?: string; emptyDir?: boolean; labels?: Record<string, string> } = {}) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: ${JSON.stringify({ app: name, ...opts.labels })}}
    spec:
      ${opts.node ? `nodeSelector: {kubernetes.io/hostname: ${opts.node}}` : ''}
      containers: [{name: c, image: ${PAUSE}}]
      ${opts.emptyDir ? 'volumes: [{name: s, emptyDir: {}}]' : ''}
---`;
const barePod = (name: string, node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}
spec: {nodeName: ${node}, containers: [{name: c, image: ${PAUSE}}]}
---`;
const pdb = (name: string, spec: string, matchLabels: Record<string, string>) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: default}
spec: {${spec}, selector: {matchLabels: ${JSON.stringify(matchLabels)}}}
---`;

/** Pods on a node, once every one is Running. */
async function podsOn(node: string, count: number): Promise<string[]> {
  for (;;) {
    const out = await kubectl(
      'get',
      'pods',
      '-A',
      '--field-selector',
      `spec.nodeName=${node}`,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}',
    );
    const rows = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
    if (rows.length >= count && rows.every(([, phase]) => phase === 'Running')) return rows.map(([name]) => name);
    await kubectl('wait', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`, '--for=jsonpath={.status.phase}=Running', WAIT).catch(() => undefined);
  }
}

/** A pod's workload name: the tag and the generated suffixes dropped (`web-kc-5d9c7-x2x4z` → `web`, `agent-abcde` → `agent`). */
function workload(name: string, tag: string): string {
  const tagged = new RegExp(`-${tag}(-[a-z0-9]{4,10}){0,2}$`);
  if (tagged.test(name)) return name.replace(tagged, '');
  return name.replace(/-[a-z0-9]{5}$/, '');
}

interface Outcome {
  code: number;
  evicted: string[];
  /** Refusals: message → workloads. */
  refusals: Record<string, string[]>;
  /** Per-pod failures, pod names replaced by their workload. */
  failures: string[];
  cordoned: boolean;
}

async function outcome(result: CliResult, node: string, tag: string): Promise<Outcome> {
  const evicted = [...result.stdout.matchAll(/^pod\/(\S+) (?:evicted|deleted)$/gm)].map((m) => workload(m[1], tag)).sort();
  const refusals: Record<string, string[]> = {};
  const line = result.stderr.match(/^error: unable to drain node "[^"]+" due to error: (.*), continuing command\.\.\.$/m)?.[1] ?? '';
  for (const m of line.matchAll(/cannot delete (.+?): ((?:[\w.-]+\/[\w.-]+(?:, )?)+)(?=, cannot delete|\]|$)/g)) {
    refusals[m[1].replace(`-${tag}`, '')] = m[2]
      .split(', ')
      .map((p) => workload(p.split('/')[1], tag))
      .sort();
  }
  const failures = [
    ...result.stderr.matchAll(
      /error when (?:evicting pods\/"([^"]+)" -n "default"|waiting for pod "([^"]+)" in namespace "default" to terminate): (.*?)(?=, error when|\]|, continuing|$)/gm,
    ),
  ]
    .map((m) => `${workload(m[1] ?? m[2], tag)}: ${m[3]}`)
    .sort();
  const unschedulable = await kubectl('get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}');
  return { code: result.code, evicted, refusals, failures: [...new Set(failures)], cordoned: unschedulable === 'true' };
}

/**
 * Builds the same scenario on two spare nodes (`kc` for kubectl, `bo` for bosun), drains one with each, and
 * returns both outcomes.
 */
let scenarios = 0;

async function compare(
  setup: (node: string, tag: string) => Promise<number>,
  flags: string[],
): Promise<{ kubectl: Outcome; bosun: Outcome; bosunRun: CliResult }> {
  const [a, b] = spare.splice(0, 2);
  const [kc, bo] = [`kc${++scenarios}`, `bo${scenarios}`];
  const [ka, kb] = [await setup(a, kc), await setup(b, bo)];
  await podsOn(a, ka);
  await podsOn(b, kb);
  // While kubectl drains a, b is cordoned: a replacement of a's pods placed on b would be in b's drain too.
  await kubectl('cordon', b);
  const viaKubectl = await sandbox.kubectlRun('drain', a, ...flags);
  await kubectl('uncordon', b);
  const viaBosun = await bosun('drain', b, '--kubeconfig', sandbox.kubeconfig, ...flags);
  return { kubectl: await outcome(viaKubectl, a, kc), bosun: await outcome(viaBosun, b, bo), bosunRun: viaBosun };
}

describe('bosun drain compared with kubectl drain', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: WORKERS });
    spare = Array.from({ length: WORKERS - 1 }, (_, i) => `worker-${i + 2}`);
    await apply(`
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: ${PAUSE}}]}
`);
    await kubectl('rollout', 'status', 'ds/agent', WAIT);
    // Nodes must hold only what a scenario puts there: CoreDNS would land on some and not others.
    await kubectl('-n', 'kube-system', 'scale', 'deployment/coredns', '--replicas=0');
    await kubectl('-n', 'kube-system', 'wait', 'pods', '-l', 'k8s-app=kube-dns', '--for=delete', WAIT);
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  const mixed = async (node: string, tag: string) => {
    await apply(
      deployment(`web-${tag}`, 2, { node }) +
        barePod(`bare-${tag}`, node) +
        barePod(`lone-${tag}`, node) +
        deployment(`cache-${tag}`, 1, { node, emptyDir: true }),
    );
    return 7; // 2 web, 2 bare, 1 cache, agent, kube-proxy
  };

  it('refuses DaemonSet, unmanaged and emptyDir pods alike, evicting nothing and leaving the node cordoned', async () => {
    const { kubectl: k, bosun: b } = await compare(mixed, []);
    expect(k.code).toBe(1);
    expect(Object.keys(k.refusals).sort()).toEqual([
      'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)',
      'Pods that declare no controller (use --force to override)',
      'Pods with local storage (use --delete-emptydir-data to override)',
    ]);
    expect(b).toEqual(k);
  });

  it('evicts the same pods with --ignore-daemonsets --force --delete-emptydir-data', async () => {
    const { kubectl: k, bosun: b } = await compare(mixed, ['--ignore-daemonsets', '--force', '--delete-emptydir-data']);
    expect(k).toMatchObject({ code: 0, evicted: ['bare', 'cache', 'lone', 'web', 'web'], cordoned: true });
    expect(b).toEqual(k);
  });

  it('evicts only the pods --pod-selector names', async () => {
    const setup = async (node: string, tag: string) => {
      await apply(deployment(`sel-${tag}`, 2, { node, labels: { pick: 'yes' } }) + deployment(`other-${tag}`, 2, { node }) + barePod(`bare-${tag}`, node));
      return 7;
    };
    const { kubectl: k, bosun: b } = await compare(setup, ['--ignore-daemonsets', '--pod-selector', 'pick=yes']);
    expect(k).toMatchObject({ code: 0, evicted: ['sel', 'sel'] });
    expect(b).toEqual(k);
  });

  it('gives up at --timeout on a budget that allows nothing, evicting nothing', async () => {
    const setup = async (node: string, tag: string) => {
      await apply(deployment(`held-${tag}`, 2, { node }) + pdb(`held-${tag}`, 'minAvailable: 2', { app: `held-${tag}` }));
      return 4;
    };
    const { kubectl: k, bosun: b, bosunRun } = await compare(setup, ['--ignore-daemonsets', '--timeout=4s']);
    expect(k).toMatchObject({ code: 1, evicted: [], failures: ['held: global timeout reached: 4s'], cordoned: true });
    expect(b).toEqual(k);
    // bosun says what each pod waited for.
    expect(bosunRun.stderr).toMatch(/waits: PodDisruptionBudget default\/held-bo\d+ allows 0 disruption\(s\) \(needs 2 healthy, has 2 of 2\)/);
    expect(bosunRun.stderr).toMatch(/node .* stays cordoned/);
  });

  it('deletes past the budget with --disable-eviction', async () => {
    const setup = async (node: string, tag: string) => {
      await apply(deployment(`forced-${tag}`, 2, { node }) + pdb(`forced-${tag}`, 'minAvailable: 2', { app: `forced-${tag}` }));
      return 4;
    };
    const { kubectl: k, bosun: b } = await compare(setup, ['--ignore-daemonsets', '--disable-eviction']);
    expect(k).toMatchObject({ code: 0, evicted: ['forced', 'forced'] });
    expect(b).toEqual(k);
  });

  it('fails a pod under two budgets at once, as the API refuses it', async () => {
    const setup = async (node: string, tag: string) => {
      await apply(
        deployment(`two-${tag}`, 1, { node, labels: { both: tag } }) +
          pdb(`two-a-${tag}`, 'maxUnavailable: 1', { app: `two-${tag}` }) +
          pdb(`two-b-${tag}`, 'maxUnavailable: 1', { both: tag }),
      );
      await kubectl('wait', 'pdb', `two-a-${tag}`, `two-b-${tag}`, '--for=jsonpath={.status.observedGeneration}=1', WAIT);
      return 3;
    };
    const { kubectl: k, bosun: b } = await compare(setup, ['--ignore-daemonsets']);
    expect(k).toMatchObject({
      code: 1,
      evicted: [],
      failures: ['two: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'],
    });
    expect(b).toEqual(k);
  });

  it('waits for budgets that allow one pod at a time, and evicts the same pods', async () => {
    // Each node gets its own copy of the apps, placed there alone; their replacements go anywhere else.
    const others = (node: string) => Array.from({ length: WORKERS }, (_, i) => `worker-${i + 1}`).filter((n) => n !== node);
    const setup = async (node: string, tag: string) => {
      await kubectl('cordon', ...others(node));
      await apply(deployment(`paced-${tag}`, 4) + pdb(`paced-${tag}`, 'maxUnavailable: 1', { app: `paced-${tag}` }) + deployment(`free-${tag}`, 3));
      await podsOn(node, 9);
      await kubectl('uncordon', ...others(node));
      return 9;
    };
    const { kubectl: k, bosun: b, bosunRun } = await compare(setup, ['--ignore-daemonsets']);
    expect(k).toMatchObject({ code: 0, evicted: ['free', 'free', 'free', 'paced', 'paced', 'paced', 'paced'] });
    expect(b).toEqual(k);
    expect(bosunRun.stderr).toMatch(/waits: PodDisruptionBudget default\/paced-bo\d+/);
  });

  it('skips mirror pods on a control-plane node', async () => {
    const viaKubectl = await sandbox.kubectlRun('drain', 'control-plane', '--ignore-daemonsets');
    const k = await outcome(viaKubectl, 'control-plane', 'kc');
    await kubectl('uncordon', 'control-plane');
    const b = await outcome(await bosun('drain', 'control-plane', '--ignore-daemonsets', '--kubeconfig', sandbox.kubeconfig), 'control-plane', 'bo');
    expect(k).toMatchObject({ code: 0, cordoned: true });
    expect(b).toEqual(k);
    expect(await kubectl('get', 'pods', '-n', 'kube-system', 'kube-apiserver-control-plane', '-o', 'name')).toMatch(/kube-apiserver/);
    await kubectl('uncordon', 'control-plane');
  });

  it('cordons and uncordons as kubectl does', async () => {
    const [node] = spare.splice(0, 1);
    const run = async (...args: string[]) => (await bosun(...args, '--kubeconfig', sandbox.kubeconfig)).stdout.trim();
    expect(await run('cordon', node)).toBe(`node/${node} cordoned`);
    expect(await run('cordon', node)).toBe(`node/${node} already cordoned`);
    expect(await run('uncordon', node)).toBe(`node/${node} uncordoned`);
    expect(await run('uncordon', node)).toBe(`node/${node} already uncordoned`);
    const missing = await bosun('drain', 'no-such-node', '--kubeconfig', sandbox.kubeconfig);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: nodes "no-such-node" not found\n');
  });
});
