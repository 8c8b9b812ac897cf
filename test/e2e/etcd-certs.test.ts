import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcdWithBosunCerts, type RealEtcd } from '../support/etcd.js';

/** A real etcd 3.6 serving with the certificates `bosun init phase certs all` wrote, client-cert auth on. */

let etcd: RealEtcd;

/** A request to etcd's JSON gateway (the gRPC API over HTTP), authenticated by a client certificate. */
async function etcdCall<T>(route: string, body: object, client: { cert: string; key: string }): Promise<T> {
  const [ca, cert, key] = await Promise.all([readFile(etcd.pki('etcd/ca.crt')), readFile(etcd.pki(client.cert)), readFile(etcd.pki(client.key))]);
  return new Promise((resolve, reject) => {
    const req = https.request(`${etcd.clientURL}${route}`, { method: 'POST', ca, cert, key, servername: 'localhost' }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(data)) : reject(new Error(`${res.statusCode}: ${data}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const apiserverClient = { cert: 'apiserver-etcd-client.crt', key: 'apiserver-etcd-client.key' };

beforeAll(async () => {
  etcd = await startEtcdWithBosunCerts('etcd-test');
});

afterAll(async () => {
  await etcd?.stop();
});

describe('a real etcd with bosun certificates', () => {
  test('the API server etcd client writes and reads a key', async () => {
    await etcdCall('/v3/kv/put', { key: b64('/bosun/probe'), value: b64('hello') }, apiserverClient);
    const got = await etcdCall<{ kvs: Array<{ value: string }> }>('/v3/kv/range', { key: b64('/bosun/probe') }, apiserverClient);
    expect(Buffer.from(got.kvs[0].value, 'base64').toString()).toBe('hello');
  });

  test('the health-check client is accepted too', async () => {
    const status = await etcdCall<{ version: string }>(
      '/v3/maintenance/status',
      {},
      { cert: 'etcd/healthcheck-client.crt', key: 'etcd/healthcheck-client.key' },
    );
    expect(status.version).toMatch(/^3\.6\./);
  });

  test('a client certificate from another CA is refused', async () => {
    for (const other of ['front-proxy-client', 'apiserver-kubelet-client']) {
      await expect(etcdCall('/v3/kv/range', { key: b64('/bosun/probe') }, { cert: `${other}.crt`, key: `${other}.key` })).rejects.toThrow();
    }
  });
});
