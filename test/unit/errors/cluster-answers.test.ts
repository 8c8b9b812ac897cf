import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/cluster.js';
import { ClusterError } from '../../../src/cluster/errors.js';
import { KubeCluster } from '../../../src/cluster/kube.js';
import type { Request, Response, Transport } from '../../../src/cluster/transport.js';
import { targetVersion } from '../../../src/commands/upgrade/nodes/plan-text.js';

const CORE = JSON.stringify({ resources: [{ name: 'nodes', kind: 'Node', namespaced: false }] });
const HTML = '<html><body>502 Bad Gateway</body></html>';

/** An API server behind a proxy that answers `answer` for everything but discovery. */
function proxied(answer: (req: Request) => Response | Error): Transport {
  return {
    server: 'https://api.test:6443',
    async request(req) {
      if (req.path === '/api/v1') return { status: 200, body: CORE };
      const res = answer(req);
      if (res instanceof Error) throw res;
      return res;
    },
    async stream(_path, onLine) {
      onLine('<html>');
      return { status: 200, body: '' };
    },
  };
}

const failure = async (work: Promise<unknown>): Promise<ClusterError> => {
  const err = await work.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
};

const node = { apiVersion: 'v1', kind: 'Node', name: 'cp-1' };

describe('answers bosun cannot read, and no answer', () => {
  it('a body that is not JSON is a ClusterError naming the call, not the JSON parser’s message', async () => {
    const cluster = new KubeCluster(proxied(() => ({ status: 200, body: HTML })));
    const get = await failure(cluster.get(node));
    expect(get.message).toBe('get Node cp-1: BadAnswer (200): https://api.test:6443 answered HTTP 200 with a body that is not JSON');
    const list = await failure(cluster.list('v1', 'Node'));
    expect(list.message).toMatch(/^list Node \*: BadAnswer \(200\): .* not JSON$/);
    const patch = await failure(cluster.patch(node, { metadata: {} }));
    expect(patch.reason).toBe('BadAnswer');
    for (const err of [get, list, patch]) expect(err.message).not.toMatch(/Unexpected token|SyntaxError|is not valid JSON/);
  });

  it('a watch event that is not JSON likewise', async () => {
    const cluster = new KubeCluster(proxied(() => ({ status: 200, body: JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }) })));
    const err = await failure(cluster.watchUntil(node, () => false, 5000));
    expect(err.reason).toBe('BadAnswer');
    expect(err.message).not.toMatch(/Unexpected token|SyntaxError/);
  });

  it('a refused connection in words, naming the server; exit 3', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '10.0.0.1',
      port: 6443,
    });
    const err = await failure(new KubeCluster(proxied(() => refused)).get(node));
    expect(err.message).toBe('get Node cp-1: Unreachable: https://api.test:6443: connection refused');
    expect(err.exitCode).toBe(3);
  });

  it('credentials a server repeats in its answer are not in the error: a bearer token, a bootstrap token, a key', async () => {
    const token = 'abcdef.0123456789abcdef';
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBx\n-----END EC PRIVATE KEY-----';
    const echoes: Response[] = [
      { status: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', code: 403, message: `forbidden: Bearer ${token}` }) },
      { status: 401, body: JSON.stringify({ kind: 'Status', reason: 'Unauthorized', code: 401, message: `token ${token} is not valid` }) },
      { status: 500, body: `<html>Authorization: Basic dXNlcjpwYXNzd29yZA== ${key}</html>` },
    ];
    for (const answer of echoes) {
      const err = await failure(new KubeCluster(proxied(() => answer)).get(node));
      expect(err.message).toMatch(/^get Node cp-1: \w+ \(\d+\): /);
      for (const secret of ['0123456789abcdef', 'dXNlcjpwYXNzd29yZA', 'MHcCAQEEIBx']) expect(err.message).not.toContain(secret);
    }
  });
});

describe('upgrade nodes reading the versions', () => {
  const clusterAnswering = (version: string, config = 'kubernetesVersion: v1.37.1\n') =>
    ({
      get: async () => ({ data: { ClusterConfiguration: config } }),
      raw: async () => ({ status: 200, body: version }),
    }) as unknown as Cluster;

  it('a /version that is not JSON, or a ClusterConfiguration that is not YAML, names where', async () => {
    await expect(targetVersion(clusterAnswering(HTML), undefined)).rejects.toThrow(
      "the API server's /version (HTTP 200): cannot read gitVersion: the document does not parse",
    );
    await expect(targetVersion(clusterAnswering('{"gitVersion": "v1.37.1"}', 'a: b: c'), undefined)).rejects.toThrow(
      'ConfigMap kube-system/kubeadm-config: cannot read kubernetesVersion: the document does not parse',
    );
    await expect(targetVersion(clusterAnswering('{"gitVersion": "v1.37.1"}'), undefined)).resolves.toBe('v1.37.1');
  });
});
