import { describe, expect, it } from 'vitest';
import { KubeCluster } from '../../../src/cluster/kube.js';
import type { Request, Transport } from '../../../src/cluster/transport.js';
import { Informer } from '../../../src/drain/executor/informer.js';

const CORE = JSON.stringify({
  resources: [
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'pods/eviction', kind: 'Eviction', namespaced: true },
    { name: 'nodes', kind: 'Node', namespaced: false },
  ],
});

/** A scripted API server for the door's drain calls: answers by request, streams scripted watch events. */
function fake(answer: (req: Request) => { status: number; body: string }, watches: Array<Array<Record<string, unknown>>> = []) {
  const requests: Request[] = [];
  const streamed: string[] = [];
  const transport: Transport = {
    server: 'https://api.test:6443',
    async request(req) {
      requests.push(req);
      if (req.path === '/api/v1') return { status: 200, body: CORE };
      return answer(req);
    },
    async stream(path, onLine, signal) {
      streamed.push(path);
      for (const event of watches.shift() ?? []) if (onLine(JSON.stringify(event))) return { status: 200, body: '' };
      // The server keeps the watch open until the client stops.
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return { status: 0, body: 'aborted' };
    },
  };
  return { cluster: new KubeCluster(transport), requests, streamed };
}

const pod = (name: string, uid: string, rv: string) => ({ metadata: { name, namespace: 'default', uid, resourceVersion: rv } });

describe('the cluster door for drains', () => {
  it('evicts through policy/v1 and returns every answer, with Retry-After and causes', async () => {
    const answers = [
      { status: 201, body: '{}' },
      {
        status: 429,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'TooManyRequests',
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
          details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
        }),
      },
      { status: 429, body: JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'not observed', details: { retryAfterSeconds: 10 } }) },
      { status: 429, body: 'Too many requests, please try again later.' },
    ];
    const { cluster, requests } = fake(() => answers.shift()!);
    const ref = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1' };
    expect(await cluster.evict(ref, { gracePeriodSeconds: 5 })).toEqual({ code: 201, reason: 'Evicted', message: '', causes: [] });
    expect(await cluster.evict(ref)).toMatchObject({ code: 429, causes: [{ reason: 'DisruptionBudget' }], retryAfterSeconds: undefined });
    expect(await cluster.evict(ref)).toMatchObject({ code: 429, retryAfterSeconds: 10 });
    expect(await cluster.evict(ref)).toMatchObject({ code: 429, reason: 'HTTP429', causes: [] });
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts[0].path).toBe('/api/v1/namespaces/default/pods/web-1/eviction');
    expect(JSON.parse(posts[0].body!)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'default' },
      deleteOptions: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 5 },
    });
    // No grace period unless asked (the pod's own applies), and never a uid precondition.
    expect(JSON.parse(posts[1].body!).deleteOptions).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
  });

  it('patches with a JSON merge patch, on the object or its status, as bosun', async () => {
    const { cluster, requests } = fake((req) => ({ status: 200, body: req.body! }));
    await cluster.patch({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, { spec: { unschedulable: true } });
    await cluster.patch({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, { status: { nodeInfo: { kubeletVersion: 'v1.37.1' } } }, { subresource: 'status' });
    const patches = requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.contentType])).toEqual([
      ['/api/v1/nodes/n1?fieldManager=bosun', 'application/merge-patch+json'],
      ['/api/v1/nodes/n1/status?fieldManager=bosun', 'application/merge-patch+json'],
    ]);
  });

  it("lists then watches a collection from the list's version, and an Informer follows it", async () => {
    const list = { metadata: { resourceVersion: '10' }, items: [pod('a', 'u1', '9'), pod('b', 'u2', '10')] };
    const { cluster, streamed } = fake(
      () => ({ status: 200, body: JSON.stringify(list) }),
      [
        [
          { type: 'DELETED', object: pod('a', 'u1', '11') },
          { type: 'ADDED', object: pod('a', 'u3', '12') },
        ],
      ],
    );
    const informer = new Informer(cluster, 'v1', 'Pod', { fieldSelector: 'spec.nodeName=n1' });
    const replaced = await informer.until(() => informer.get('default', 'a')?.metadata.uid === 'u3' && 'replaced');
    expect(replaced).toBe('replaced');
    expect(
      informer
        .values()
        .map((p) => `${p.metadata.name}/${p.metadata.uid}`)
        .sort(),
    ).toEqual(['a/u3', 'b/u2']);
    expect(streamed[0]).toMatch(
      /^\/api\/v1\/pods\?watch=true&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=300&fieldSelector=spec.nodeName%3Dn1$/,
    );
    const controller = new AbortController();
    const waiting = informer.until(() => false, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    informer.close();
  });
});
