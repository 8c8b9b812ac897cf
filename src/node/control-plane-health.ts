/**
 * Whether a control plane's components are healthy: one look at each (a probe), and the wait that repeats a look
 * until it says healthy or time runs out. `init`, a joining control plane and `upgrade` wait with these.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/errors.js';
import type { Arg } from '../config/types.js';
import type { Host } from '../host/host.js';
import { httpsURL } from '../kubeconfig/specs.js';
import { argValue } from '../manifests/args.js';

/** One look at a component: true when healthy, else what was seen (for the message when time runs out). */
export type Probe = () => Promise<true | string>;

/** The outcome of one component's wait: healthy, or the last thing it said. */
export type Outcome = { healthy: true } | { healthy: false; last: string };

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

/** Looks every `intervalMs` until the probe says healthy or `deadline` (epoch ms) has passed. */
export async function pollUntil(probe: Probe, deadline: number, intervalMs: number): Promise<Outcome> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const seen = await probe();
    if (seen === true) return { healthy: true };
    last = seen;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  return { healthy: false, last };
}

/** What a failing health endpoint said: its failing checks (`[-]` lines), else the start of its body. */
function failureDetail(body: string): string {
  const failing = body
    .split('\n')
    .filter((line) => line.startsWith('[-]'))
    .join('; ');
  if (failing) return `: ${failing}`;
  return body.trim() ? `: ${body.trim().slice(0, 300)}` : '';
}

/** The API server answers 200 on each of `paths` (/livez, then /readyz) asked in order; a refused connection is not healthy yet. */
export function apiServerProbe(cluster: () => Promise<Cluster>, paths: string[] = ['/livez', '/readyz']): Probe {
  return async () => {
    try {
      const api = await cluster();
      for (const path of paths) {
        const res = await api.raw(path);
        if (res.status !== 200) return `${path} answered ${res.status}${failureDetail(res.body)}`;
      }
      return true;
    } catch (err) {
      if (err instanceof ClusterError) return err.message;
      throw err;
    }
  };
}

/** A component's health endpoint on the node, asked through the Host (as kubeadm asks it, from the node). */
export function endpointProbe(host: Host, url: string): Probe {
  return async () => {
    const probe = await host.exec('curl', ['-sk', '--max-time', '2', '-o', '/dev/null', '-w', '%{http_code}', url], { check: false });
    if (probe.code === 0 && probe.stdout.trim() === '200') return true;
    return probe.code === 0 ? `${url} answered ${probe.stdout.trim()}` : `${url}: ${probe.stderr.trim() || `curl exited ${probe.code}`}`;
  };
}

/** The health URL of the controller-manager or scheduler as its args place it (bind address, secure port). */
export function componentHealthURL(args: Arg[] | undefined, port: number, path: string): string {
  return `${httpsURL(argValue(args, 'bind-address') || '127.0.0.1', Number(argValue(args, 'secure-port') || port))}${path}`;
}

/** A leader Lease is live when held and renewed within its duration. */
function leaseIsLive(lease: Lease | undefined, now: number): boolean {
  const spec = lease?.spec;
  if (!spec?.holderIdentity || !spec.renewTime) return false;
  return Date.parse(spec.renewTime) + (spec.leaseDurationSeconds ?? 15) * 1000 > now;
}

function describeLease(lease: Lease | undefined): string {
  if (!lease?.spec?.holderIdentity) return 'its leader Lease is not held yet';
  const age = lease.spec.renewTime ? `${Math.round((Date.now() - Date.parse(lease.spec.renewTime)) / 1000)}s ago` : 'never';
  return `its leader Lease is held by ${lease.spec.holderIdentity}, last renewed ${age}`;
}

/** A component with leader election reports itself through its Lease in kube-system: watched, so a renewal is seen at once. */
export async function leaseHealthy(cluster: Cluster, name: string, deadline: number): Promise<Outcome> {
  let seen: Lease | undefined;
  try {
    await cluster.watchUntil<Lease>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name },
      (lease) => {
        seen = lease;
        return leaseIsLive(lease, Date.now());
      },
      Math.max(0, deadline - Date.now()),
    );
    return { healthy: true };
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    return { healthy: false, last: err.reason === 'Timeout' ? describeLease(seen) : err.message };
  }
}
