/**
 * How an upgrade knows a restarted component is back: its mirror Pod shows a new config hash (the kubelet runs
 * the new manifest) and is Ready; the API server also answers /readyz. Everything is read through the API, so
 * it works the same wherever bosun runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, KubeObject, ObjectRef } from '../cluster/cluster.js';
import type { Pod } from '../kube/workloads.js';
import { ClusterError } from '../cluster/errors.js';
import { formatDuration } from '../config/duration.js';
import { CONFIG_HASH_ANNOTATION } from '../kube/labels.js';
import { apiServerProbe, pollUntil } from './control-plane-health.js';
import type { StaticPodComponent } from './static-pods.js';

/** A restarted component that exited this often has failed, whatever the timeout says. */
const CRASH_RESTARTS = 5;
const READYZ_POLL_MS = 250;
/** How soon a watch refused by a just-started API server is tried again. */
const RETRY_MS = 250;

const NAMESPACE = 'kube-system';

/** A component did not come back; `detail` says what was last seen. */
export class ComponentNotHealthy extends Error {
  constructor(
    readonly component: StaticPodComponent,
    readonly detail: string,
  ) {
    super(`${component} ${detail}`);
  }
}

const mirrorPodRef = (component: StaticPodComponent, node: string): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: NAMESPACE,
  name: `${component}-${node}`,
});

const configHash = (pod: KubeObject | undefined) => pod?.metadata.annotations?.[CONFIG_HASH_ANNOTATION];

/** The mirror Pod's config hash now, if there is one (the API server may be the one restarting: no answer is no hash). */
export async function currentHash(cluster: Cluster, component: StaticPodComponent, node: string): Promise<string | undefined> {
  try {
    return configHash(await cluster.get(mirrorPodRef(component, node)));
  } catch (err) {
    if (err instanceof ClusterError) return undefined;
    throw err;
  }
}

function crashes(pod: Pod): string | undefined {
  const status = pod.status?.containerStatuses?.[0];
  if (!status || (status.restartCount ?? 0) < CRASH_RESTARTS) return undefined;
  const last = status.lastState?.terminated;
  return `keeps exiting: ${status.restartCount} restarts${last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : ''}`;
}

/**
 * Waits until the component's mirror Pod runs a manifest other than `previousHash` (or, with `expectHash`, exactly
 * that one) and is Ready, then (API server) until /readyz says ok. Throws ComponentNotHealthy at the deadline or
 * when the new Pod keeps crashing.
 */
export async function waitHealthy(
  cluster: Cluster,
  component: StaticPodComponent,
  node: string,
  want: { previousHash?: string; expectHash?: string },
  deadline: number,
): Promise<void> {
  const started = Date.now();
  let seen: Pod | undefined;
  const isNew = (pod: Pod | undefined) => {
    const hash = configHash(pod);
    return hash !== undefined && (want.expectHash !== undefined ? hash === want.expectHash : hash !== want.previousHash);
  };
  for (;;) {
    try {
      await cluster.watchUntil<Pod>(
        mirrorPodRef(component, node),
        (pod) => {
          seen = pod;
          if (!isNew(pod)) return false;
          const crash = crashes(pod!);
          if (crash) throw new ComponentNotHealthy(component, crash);
          return pod!.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        },
        Math.max(0, deadline - Date.now()),
      );
      break;
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      // An API server that has just started serves before its authorization caches are filled: 401 and 403 pass.
      if ((err.code === 401 || err.code === 403) && Date.now() < deadline) {
        await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (err.reason !== 'Timeout' && Date.now() < deadline) throw new ComponentNotHealthy(component, `could not be watched: ${err.message}`);
      const waited = formatDuration(BigInt(Math.round((Date.now() - started) / 1000)) * 1_000_000_000n);
      const detail = !isNew(seen)
        ? `was not restarted by the kubelet within ${waited}: its mirror Pod's ${CONFIG_HASH_ANNOTATION} is still ${configHash(seen) ?? '(none)'}`
        : `was restarted but did not become Ready within ${waited}`;
      throw new ComponentNotHealthy(component, detail);
    }
  }
  if (component === 'kube-apiserver') {
    const ready = await pollUntil(
      apiServerProbe(async () => cluster, ['/readyz']),
      deadline,
      READYZ_POLL_MS,
    );
    if (!ready.healthy) throw new ComponentNotHealthy(component, `is not ready: ${ready.last}`);
  }
}
