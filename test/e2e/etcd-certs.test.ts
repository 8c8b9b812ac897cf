import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ETCD, locateBinary } from '../../src/sandbox/binaries.js';
import { bosun } from '../support/sandbox.js';

/** A real etcd 3.6 serving with the certificates `bosun init phase certs all` wrote, client-cert auth on. */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let root: string;
let etcd: ChildProcess;
let clientPort: number;
let etcdLog = '';
const pki = (file: string) => path.join(root, 'etc/kubernetes/pki', file);

/** A request to etcd's JSON gateway (the gRPC API over HTTP), authenticated by a client certificate. */
async function etcdCall(route: string, body: object, client: { cert: string; key: string }): Promise<any> {
  const [ca, cert, key] = await Promise.all([readFile(pki('etcd/ca.crt')), readFile(pki(client.cert)), readFile(pki(client.key))]);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: clientPort, path: route, method: 'POST', ca, cert, key, servername: 'localhost' },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(data)) : reject(new Error(`${res.statusCode}: ${data}`))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const apiserverClient = { cert: 'apiserver-etcd-client.crt', key: 'apiserver-etcd-client.key' };

beforeAll(async () => {
  const binary = await locateBinary(ETCD, 'etcd');
  if (!binary) throw new Error('etcd is not built: run `bosun sandbox binaries` first');
  root = await mkdtemp(path.join(os.tmpdir(), 'bosun-etcd-'));
  const certs = await bosun('init', 'phase', 'certs', 'all', '--rootfs', root, '--node-name', 'etcd-test',
    '--apiserver-advertise-address', '127.0.0.1');
  expect(certs.stderr).toBe('');
  clientPort = await freePort();
  const peerPort = await freePort();
  const peerUrl = `https://127.0.0.1:${peerPort}`;
  etcd = spawn(binary, [
    '--name=etcd-test',
    `--data-dir=${path.join(root, 'var/lib/etcd')}`,
    `--listen-client-urls=https://127.0.0.1:${clientPort}`,
    `--advertise-client-urls=https://127.0.0.1:${clientPort}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=etcd-test=${peerUrl}`,
    `--cert-file=${pki('etcd/server.crt')}`, `--key-file=${pki('etcd/server.key')}`,
    `--peer-cert-file=${pki('etcd/peer.crt')}`, `--peer-key-file=${pki('etcd/peer.key')}`,
    `--trusted-ca-file=${pki('etcd/ca.crt')}`, `--peer-trusted-ca-file=${pki('etcd/ca.crt')}`,
    '--client-cert-auth=true', '--peer-client-cert-auth=true',
    '--listen-metrics-urls=http://127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  etcd.stderr!.on('data', (chunk) => (etcdLog += chunk));
  // etcd logs this line once it serves clients over TLS; watch the log rather than sleeping.
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (etcdLog.includes('serving client traffic securely')) resolve();
    };
    etcd.stderr!.on('data', onData);
    etcd.on('exit', (code) => reject(new Error(`etcd exited ${code}: ${etcdLog.slice(-2000)}`)));
  });
});

afterAll(async () => {
  etcd?.kill('SIGTERM');
  await rm(root, { recursive: true, force: true });
});

describe('a real etcd with bosun certificates', () => {
  test('the API server etcd client writes and reads a key', async () => {
    await etcdCall('/v3/kv/put', { key: b64('/bosun/probe'), value: b64('hello') }, apiserverClient);
    const got = await etcdCall('/v3/kv/range', { key: b64('/bosun/probe') }, apiserverClient);
    expect(Buffer.from(got.kvs[0].value, 'base64').toString()).toBe('hello');
  });

  test('the health-check client is accepted too', async () => {
    const status = await etcdCall('/v3/maintenance/status', {}, { cert: 'etcd/healthcheck-client.crt', key: 'etcd/healthcheck-client.key' });
    expect(status.version).toMatch(/^3\.6\./);
  });

  test('a client certificate from another CA is refused', async () => {
    await expect(
      etcdCall('/v3/kv/range', { key: b64('/bosun/probe') }, { cert: 'front-proxy-client.crt', key: 'front-proxy-client.key' }),
    ).rejects.toThrow();
    await expect(
      etcdCall('/v3/kv/range', { key: b64('/bosun/probe') }, { cert: 'apiserver-kubelet-client.crt', key: 'apiserver-kubelet-client.key' }),
    ).rejects.toThrow();
  });
});
