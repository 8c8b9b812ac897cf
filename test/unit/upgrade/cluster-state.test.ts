import { describe, expect, it } from 'vitest';
import { KubeCluster } from '../../../src/cluster/kube.js';
import { RecordingCluster } from '../../../src/cluster/recording.js';
import type { Transport } from '../../../src/cluster/transport.js';
import { readClusterState } from '../../../src/commands/upgrade/cluster-state.js';

/** A kubeconfig's server where nothing listens: every request is refused. */
const refused: Transport = {
  server: 'https://127.0.0.1:1',
  async request() {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 1 });
  },
  async stream() {
    throw new Error('not used');
  },
};

describe('reading the cluster for an upgrade', () => {
  it('in a dry run with no API server answering, says so and names the server, not a ConfigMap without a ClusterConfiguration', async () => {
    const err = (await readClusterState(new RecordingCluster(new KubeCluster(refused))).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^the API server did not report its version .*no API server answered: https:\/\/127\.0\.0\.1:1: connection refused/);
    expect(err.message).not.toMatch(/has no ClusterConfiguration/);
  });
});
