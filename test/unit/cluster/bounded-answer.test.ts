import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../../src/cluster/errors.js';
import { KubeCluster } from '../../../src/cluster/kube.js';
import { staticTransport } from '../../../src/cluster/transport.js';
import { EtcdClient, EtcdError } from '../../../src/etcd/etcd.js';
import { createCaCertificate, encodeCertificate } from '../../../src/pki/certificate.js';
import { encodePrivateKey, generateKey } from '../../../src/pki/keys.js';
import { startHostileServer, type HostileServer } from '../../support/hostile-server.js';

/**
 * Every answer bosun reads itself (API requests, health endpoints, watches, etcd's gateway) has one deadline for the
 * whole exchange and a byte cap: a server that sends one byte at a time or never stops cannot hold or grow the process.
 */
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server.close());

const transport = () => staticTransport(server.url, { ca: server.caPem });

describe('an API request', () => {
  it('ends at its deadline however slowly the bytes still come, saying how much had come', async () => {
    server.serve({ kind: 'slow', intervalMs: 100 });
    const started = Date.now();
    const err = await transport()
      .request({ method: 'GET', path: '/version', timeoutMs: 1_000 })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^no complete answer within 1s/);
    expect(Date.now() - started).toBeLessThan(3 * 1_000);
  }, 20_000);

  it('is cut off at its cap, announced or not, without reading the rest', async () => {
    server.serve({ kind: 'raw', status: 200, body: 'x'.repeat(4096) });
    await expect(transport().request({ method: 'GET', path: '/', maxBytes: 1024 })).rejects.toThrow(
      /the answer is larger than the 1 KiB expected at most \(it announces 4 KiB\)/,
    );
    server.serve({ kind: 'huge', bytes: 200 << 20 });
    await expect(transport().request({ method: 'GET', path: '/', maxBytes: 1 << 20 })).rejects.toThrow(
      /larger than the 1 MiB expected at most \(it goes on past it\)/,
    );
    await expect.poll(() => server.requests[0]?.closedEarly, { timeout: 10_000 }).toBe(true);
    expect(server.requests[0].bytesSent).toBeLessThan(32 << 20);
  }, 20_000);

  it('that cannot be made says why in words', async () => {
    await expect(staticTransport('https://127.0.0.1:1', {}).request({ method: 'GET', path: '/' })).rejects.toThrow(
      /^connect ECONNREFUSED 127\.0\.0\.1:1 \(connection refused\)$/,
    );
    server.useForeignCertificate(true);
    try {
      await expect(transport().request({ method: 'GET', path: '/' })).rejects.toThrow(
        "the server's TLS certificate is not trusted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
      );
    } finally {
      server.useForeignCertificate(false);
    }
  });
});

describe('a health or version look (Cluster.raw)', () => {
  it('takes no more than 1 MiB', { timeout: 20_000 }, async () => {
    server.serve({ kind: 'huge', bytes: 100 << 20 });
    const err = await new KubeCluster(transport()).raw('/readyz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).message).toMatch(
      /^GET \/readyz: Unreachable: https:\/\/127\.0\.0\.1:\d+: the answer is larger than the 1 MiB expected at most/,
    );
  });
});

describe('a watch', () => {
  it('refuses an event that never ends', async () => {
    server.serve({ kind: 'huge', bytes: 64 << 20 });
    const err = await transport()
      .stream('/api/v1/pods?watch=1', () => false, new AbortController().signal)
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/a watch event is larger than the 16 MiB expected at most/);
  }, 20_000);
});

describe("etcd's gateway", () => {
  it('gets the same deadline and a cap', { timeout: 20_000 }, async () => {
    const key = await generateKey('ECDSA-P256');
    const cert = encodeCertificate(await createCaCertificate('client', key, { now: new Date(), lifetimeMs: 3_600_000 }));
    const etcd = new EtcdClient([server.url], { ca: server.caPem, cert, key: encodePrivateKey(key.privateKey) });
    server.serve({ kind: 'huge', bytes: 100 << 20 });
    const err = await etcd.memberList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as Error).message).toMatch(/the answer is larger than the 4 MiB expected at most/);
  });
});
