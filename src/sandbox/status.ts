import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { connectCluster } from '../cluster/connect.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import { LocalHost } from '../host/local.js';
import type { PodReport } from './mirror.js';
import { sandboxPaths } from './paths.js';
import { isRunning } from './processes.js';
import { requireState } from './state.js';

export interface SandboxStatus {
  version: string;
  processes: Array<{ name: string; pid: number; running: boolean }>;
  nodes: Array<{ name: string; role: string; simulated: boolean; address?: string; pods: PodReport[] }>;
  /** The API server's /readyz answer, or why there was none. */
  readyz: { ok: boolean; detail: string };
}

export async function sandboxStatus(dir: string): Promise<SandboxStatus> {
  const state = await requireState(dir);
  const paths = sandboxPaths(dir);
  const nodes = await Promise.all(
    state.nodes.map(async (n) => {
      const file = path.join(paths.runDir(n.name), 'pods.json');
      const pods = existsSync(file) ? ((JSON.parse(await fs.readFile(file, 'utf8')) as { pods: PodReport[] }).pods ?? []) : [];
      return { name: n.name, role: n.role, simulated: n.simulated, address: n.network?.address, pods };
    }),
  );
  let readyz = { ok: false, detail: 'no admin.conf yet' };
  const cp = state.nodes.find((n) => n.role === 'control-plane');
  const admin = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;
  if (cp && existsSync(path.join(paths.nodeRoot(cp.name), admin))) {
    try {
      const cluster = await connectCluster(new LocalHost(paths.nodeRoot(cp.name)), admin);
      const res = await cluster.raw('/readyz');
      readyz = { ok: res.status === 200, detail: res.status === 200 ? 'ok' : `HTTP ${res.status}` };
    } catch (err) {
      readyz = { ok: false, detail: (err as Error).message };
    }
  }
  const processes = state.processes.map((p) => ({ name: p.name, pid: p.pid, running: isRunning(p) }));
  return { version: state.kubernetesVersion, processes, nodes, readyz };
}

function describeContainer(c: PodReport['containers'][number]): string {
  const state = c.state === 'running' ? `running pid ${c.pid}${c.ready ? ', ready' : ', not ready'}` : `${c.state} (${c.reason ?? ''})`;
  const last = c.lastTermination ? `, last exit ${c.lastTermination.exitCode}` : '';
  return `${c.name}: ${state}, restarts ${c.restartCount}${last}${c.message ? `: ${c.message}` : ''}`;
}

export function formatStatus(s: SandboxStatus): string {
  const lines = [`Kubernetes ${s.version}; API server /readyz: ${s.readyz.detail}`];
  for (const p of s.processes) lines.push(`  ${p.name} (pid ${p.pid}): ${p.running ? 'running' : 'stopped'}`);
  for (const n of s.nodes) {
    lines.push(`node ${n.name} (${n.role}${n.simulated ? ', simulated by kwok' : `, ${n.address}`})`);
    for (const pod of n.pods) {
      if (pod.error) lines.push(`  ${pod.file}: not started: ${pod.error}`);
      for (const c of pod.containers) lines.push(`  ${pod.file}: ${describeContainer(c)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Healthy: every process runs, the API is ready, every real node's containers run and are ready. */
export function isHealthy(s: SandboxStatus): boolean {
  return (
    s.readyz.ok &&
    s.processes.every((p) => p.running) &&
    s.nodes.every((n) => n.pods.every((p) => !p.error && p.containers.every((c) => c.state === 'running' && c.ready)))
  );
}
