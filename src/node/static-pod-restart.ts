/**
 * Restarting a control-plane static Pod without changing what it runs: a stamp in its manifest's annotations makes
 * the kubelet see a new manifest (a new config hash) and start the component again, which then loads the
 * certificates on disk. The restart is waited for through the API, as an upgrade waits.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { Host } from '../host/host.js';
import { MANIFEST_MODE, manifestPath, renderManifest } from '../manifests/static-pods.js';
import type { Log } from './log.js';
import { currentHash, waitHealthy } from './static-pod-health.js';
import { readManifest } from './static-pod-files.js';
import type { StaticPodComponent } from './static-pods.js';

/** When bosun last restarted the component to load renewed certificates. */
export const CERTIFICATES_RENEWED_ANNOTATION = 'bosun.dev/certificates-renewed-at';

/** Restarts `component` on `node` and waits until it runs again and is Ready (throws ComponentNotHealthy otherwise). */
export async function restartStaticPod(host: Host, cluster: Cluster, component: StaticPodComponent, node: string, timeoutMs: number, log: Log): Promise<void> {
  const current = await readManifest(host, component);
  if (!current) return log(`[certs] ${manifestPath(component)} does not exist: ${component} is not restarted`);
  const previousHash = await currentHash(cluster, component, node);
  const { pod } = current;
  pod.metadata.annotations = { ...pod.metadata.annotations, [CERTIFICATES_RENEWED_ANNOTATION]: new Date().toISOString() };
  log(`[certs] Restarting ${component} to load its renewed certificates, and waiting for it to be Ready`);
  await host.writeFileAtomic(manifestPath(component), renderManifest(pod), MANIFEST_MODE);
  await waitHealthy(cluster, component, node, { previousHash }, Date.now() + timeoutMs);
  log(`[certs] ${component} is Ready`);
}
