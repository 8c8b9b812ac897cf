/**
 * What a run of `bosun apply` finds before it plans, and what interrupted runs leave behind that a run clears.
 * An init that did not finish has its journal on the leader's disk, and then nothing is asked of the cluster (its
 * API server may not run yet); otherwise the cluster, reached with a control-plane host's admin.conf, tells its
 * Nodes and holds the journal of a run whose joins did not finish. A killed run's bootstrap token stays until it
 * expires: every run deletes the tokens of earlier runs (known by their description) with its own.
 */
import type { Cluster } from '../../cluster/cluster.js';
import { connectCluster } from '../../cluster/connect.js';
import { ClusterError } from '../../cluster/errors.js';
import type { Secret } from '../../kube/objects.js';
import type { Node } from '../../kube/workloads.js';
import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, tokenFromSecret } from '../../tokens/secret.js';
import { ADMIN_CONF } from '../join/session.js';
import { RUN_TOKEN_DESCRIPTION } from './configs.js';
import { deleteClusterJournal, readClusterJournal, readLeaderJournal, type ApplyJournal } from './journal.js';
import type { SurveyedHost } from './survey.js';

export interface FoundState {
  /** The cluster, reached with a control-plane host's admin.conf, and its Nodes. */
  cluster?: Cluster;
  nodes?: Node[];
  /** The journal of an interrupted run, if one was left. */
  journal?: ApplyJournal;
}

export async function findState(surveyed: SurveyedHost[]): Promise<FoundState> {
  const controlPlanes = surveyed.filter((s) => s.host.role === 'control-plane');
  const initializing = await readLeaderJournal(controlPlanes.map((s) => ({ name: s.host.name, node: s.node })));
  if (initializing) return { journal: initializing };
  const leader = controlPlanes.find((s) => s.survey.adminConf);
  if (!leader) return {};
  const cluster = await connectCluster(leader.node, ADMIN_CONF);
  const [nodes, journal] = await Promise.all([cluster.list<Node>('v1', 'Node'), readClusterJournal(cluster)]);
  return { cluster, nodes, journal };
}

const isRunToken = (secret: Secret) => secret.type === TOKEN_SECRET_TYPE && tokenFromSecret(secret).description === RUN_TOKEN_DESCRIPTION;

/** Deletes the bootstrap tokens `bosun apply` runs made (this one's and killed ones'); returns their ids. */
export async function deleteRunTokens(cluster: Cluster): Promise<string[]> {
  const tokens = (await cluster.list<Secret>('v1', 'Secret', { namespace: TOKEN_NAMESPACE })).filter(isRunToken);
  for (const token of tokens) {
    try {
      await cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace: TOKEN_NAMESPACE, name: token.metadata.name });
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 404)) throw err;
    }
  }
  return tokens.map((t) => tokenFromSecret(t).token.split('.')[0]);
}

/** On a cluster with nothing left to do: a killed run's token and journal go (nothing is written when none is left). */
export async function clearLeftovers(cluster: Cluster, found: FoundState, log: (line: string) => void): Promise<void> {
  const ids = await deleteRunTokens(cluster);
  if (ids.length) log(`[apply] Deleted the bootstrap tokens of interrupted runs (ids ${ids.join(', ')})`);
  if (found.journal) {
    await deleteClusterJournal(cluster);
    log('[apply] Every host of the interrupted run is a node: its journal is removed');
  }
}
