import { describe, expect, it } from 'vitest';
import { ClusterError } from '../../../src/cluster/errors.js';
import { KubeCluster } from '../../../src/cluster/kube.js';
import { RecordingCluster } from '../../../src/cluster/recording.js';
import type { Request, Response, Transport } from '../../../src/cluster/transport.js';

const WIDGETS = JSON.stringify({ resources: [{ name: 'widgets', kind: 'Widget', namespaced: false }] });
const CORE = JSON.stringify({
  resources: [
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'nodes', kind: 'Node', namespaced: false },
    { name: 'nodes/status', kind: 'Node', namespaced: false },
  ],
});

/** A scripted API server: answers by method and path prefix, records every request. */
function fakeTransport(answer: (req: Request) => Response | Error, streams: Array<(path: string) => { lines: unknown[]; status?: number }> = []) {
  const requests: Request[] = [];
  const watched: string[] = [];
  const transport: Transport = {
    server: 'https://api.test:6443',
    async request(req) {
      requests.push(req);
      if (req.path === '/api/v1') return { status: 200, body: CORE };
      if (req.path === '/apis/example.com/v1') return { status: 200, body: WIDGETS };
      const res = answer(req);
      if (res instanceof Error) throw res;
      return res;
    },
    async stream(path, onLine) {
      watched.push(path);
      const next = streams.shift();
      if (!next) return { status: 0, body: 'aborted' };
      const { lines, status = 200 } = next(path);
      for (const line of lines) if (onLine(JSON.stringify(line))) break;
      return { status, body: '' };
    },
  };
  return { transport, requests, watched };
}

const cm = (data: Record<string, string>, rv = '1') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', namespace: 'kube-system', resourceVersion: rv },
  data,
});
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'x' };

describe('KubeCluster', () => {
  it('applies by server-side apply as bosun, discovering other than built-in kinds once', async () => {
    const { transport, requests } = fakeTransport((req) => ({ status: 200, body: req.body! }));
    const cluster = new KubeCluster(transport);
    await cluster.apply(cm({ a: '1' }));
    await cluster.apply(cm({ a: '2' }), { force: true });
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    await cluster.apply(widget);
    await cluster.apply(widget);
    const patches = requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).toEqual([
      '/api/v1/namespaces/kube-system/configmaps/x?fieldManager=bosun&force=false',
      '/api/v1/namespaces/kube-system/configmaps/x?fieldManager=bosun&force=true',
      '/apis/example.com/v1/widgets/w?fieldManager=bosun&force=false',
      '/apis/example.com/v1/widgets/w?fieldManager=bosun&force=false',
    ]);
    expect(patches[0].contentType).toBe('application/apply-patch+yaml');
    expect(requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/apis/example.com/v1']);
  });

  it('reads a missing object as undefined, deletes it without error and names the object in errors', async () => {
    const status = { kind: 'Status', reason: 'Forbidden', message: 'configmaps "x" is forbidden: User "u" cannot get' };
    const { transport } = fakeTransport((req) =>
      req.method === 'PATCH' ? { status: 403, body: JSON.stringify(status) } : { status: 404, body: '{"kind":"Status","reason":"NotFound"}' },
    );
    const cluster = new KubeCluster(transport);
    expect(await cluster.get(ref)).toBeUndefined();
    await expect(cluster.delete(ref)).resolves.toBeUndefined();
    const err = await cluster.apply(cm({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).message).toBe(`apply ConfigMap kube-system/x: Forbidden (403): ${status.message}`);
    await expect(cluster.get({ apiVersion: 'v1', kind: 'Widget', name: 'w' })).rejects.toThrow(
      'get Widget w: NotServed: the API server does not serve Widget in v1',
    );
    await expect(cluster.get({ ...ref, namespace: undefined })).rejects.toThrow(/namespaced: metadata.namespace is required/);
  });

  it('reports an API server that does not answer', async () => {
    const { transport } = fakeTransport(() => new Error('connect ECONNREFUSED 10.0.0.1:6443'));
    const err = (await new KubeCluster(transport).raw('/readyz').catch((e: unknown) => e)) as ClusterError;
    expect(err.reason).toBe('Unreachable');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('watches from the list, resumes where the stream ended and re-lists when the version expired', async () => {
    let lists = 0;
    const { transport, watched } = fakeTransport(() => {
      lists++;
      const items = lists === 1 ? [] : [cm({ ready: 'no' }, '20')];
      return { status: 200, body: JSON.stringify({ metadata: { resourceVersion: lists === 1 ? '5' : '20' }, items }) };
    }, [
      () => ({ lines: [{ type: 'ADDED', object: cm({ ready: 'no' }, '7') }] }),
      () => ({ lines: [{ type: 'ERROR', object: { kind: 'Status', code: 410, metadata: {} } }] }),
      () => ({
        lines: [
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '21' } } },
          { type: 'MODIFIED', object: cm({ ready: 'yes' }, '22') },
        ],
      }),
    ]);
    const cluster = new KubeCluster(transport);
    const seen = await cluster.watchUntil<ReturnType<typeof cm>>(ref, (o) => o?.data.ready === 'yes', 60_000);
    expect(seen?.metadata.resourceVersion).toBe('22');
    expect(seen?.kind).toBe('ConfigMap');
    expect(watched.map((p) => new URLSearchParams(p.split('?')[1]).get('resourceVersion'))).toEqual(['5', '7', '20']);
    expect(new URLSearchParams(watched[0].split('?')[1]).get('fieldSelector')).toBe('metadata.name=x');
    expect(lists).toBe(2);
  });

  it('gives up at the timeout, naming the object', async () => {
    const { transport } = fakeTransport(() => ({ status: 200, body: JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }) }));
    await expect(new KubeCluster(transport).watchUntil(ref, (o) => o !== undefined, 30)).rejects.toThrow(
      /^wait for ConfigMap kube-system\/x: Timeout: condition not met within 0.03s; the object does not exist/,
    );
  });
});

describe('RecordingCluster (dry run)', () => {
  it('records writes, shows them to later reads and reads through to the cluster', async () => {
    const { transport, requests } = fakeTransport(() => new Error('connect ECONNREFUSED'));
    const dry = new RecordingCluster(new KubeCluster(transport));
    await dry.apply(cm({ a: '1' }));
    expect(await dry.get(ref)).toEqual(cm({ a: '1' }));
    expect(await dry.get({ ...ref, name: 'other' })).toBeUndefined();
    expect(await dry.list('v1', 'ConfigMap', { namespace: 'kube-system' })).toHaveLength(1);
    await dry.delete(ref);
    expect(await dry.get(ref)).toBeUndefined();
    expect(dry.actions.map((a) => `${a.verb} ${a.target}`)).toEqual(['apply ConfigMap kube-system/x', 'delete ConfigMap kube-system/x']);
    expect(requests.some((r) => r.method !== 'GET')).toBe(false);
  });
});
