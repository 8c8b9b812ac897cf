/**
 * The etcd door against a real etcd 3.6 serving with bosun's certificates: membership through the JSON gateway as a
 * joining control-plane node uses it (learner add, refused promotion of a learner that never started, removal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, EtcdError } from '../../src/etcd/etcd.js';
import { ETCD, locateBinary } from '../../src/sandbox/binaries.js';
import { bosun } from '../support/sandbox.js';

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
let client: EtcdClient;
let clientURL: string;
let log = '';

beforeAll(async () => {
  const binary = await locateBinary(ETCD, 'etcd');
  if (!binary) throw new Error('etcd is not built: run `bosun sandbox binaries` first');
  root = await mkdtemp(path.join(os.tmpdir(), 'bosun-join-etcd-'));
  const certs = await bosun('init', 'phase', 'certs', 'all', '--rootfs', root, '--node-name', 'etcd-a', '--apiserver-advertise-address', '127.0.0.1');
  expect(certs.code, certs.stderr).toBe(0);
  const pki = (file: string) => path.join(root, 'etc/kubernetes/pki', file);
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  clientURL = `https://127.0.0.1:${clientPort}`;
  const peerURL = `https://127.0.0.1:${peerPort}`;
  etcd = spawn(binary, [
    '--name=etcd-a', `--data-dir=${path.join(root, 'var/lib/etcd')}`, '--unsafe-no-fsync',
    `--listen-client-urls=${clientURL}`, `--advertise-client-urls=${clientURL}`,
    `--listen-peer-urls=${peerURL}`, `--initial-advertise-peer-urls=${peerURL}`, `--initial-cluster=etcd-a=${peerURL}`,
    `--cert-file=${pki('etcd/server.crt')}`, `--key-file=${pki('etcd/server.key')}`,
    `--peer-cert-file=${pki('etcd/peer.crt')}`, `--peer-key-file=${pki('etcd/peer.key')}`,
    `--trusted-ca-file=${pki('etcd/ca.crt')}`, `--peer-trusted-ca-file=${pki('etcd/ca.crt')}`,
    '--client-cert-auth=true', '--peer-client-cert-auth=true', '--listen-metrics-urls=http://127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  etcd.stderr!.on('data', (chunk) => (log += chunk));
  await new Promise<void>((resolve, reject) => {
    etcd.stderr!.on('data', () => log.includes('serving client traffic securely') && resolve());
    etcd.on('exit', (code) => reject(new Error(`etcd exited ${code}: ${log.slice(-2000)}`)));
  });
  const [ca, cert, key] = await Promise.all(['etcd/ca.crt', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key'].map((f) => readFile(pki(f))));
  // A dead endpoint first: the door goes on to the next one.
  client = new EtcdClient([`https://127.0.0.1:${await freePort()}`, clientURL], { ca, cert, key });
});

afterAll(async () => {
  etcd?.kill('SIGTERM');
  await rm(root, { recursive: true, force: true });
});

describe('the etcd door', () => {
  it('lists the started member and reads its status', async () => {
    const members = await client.memberList();
    expect(members).toEqual([expect.objectContaining({ name: 'etcd-a', isLearner: false, clientURLs: [clientURL] })]);
    const status = await client.status(clientURL);
    expect(status.version).toMatch(/^3\.6\./);
    expect(status.leader).toBe(members[0].id);
  });

  it('adds a learner, refuses to promote it before it runs, removes it', async () => {
    const { member, members } = await client.memberAdd('https://127.0.0.2:2380', true);
    expect(member).toMatchObject({ name: '', isLearner: true, peerURLs: ['https://127.0.0.2:2380'] });
    expect(members).toHaveLength(2);
    const refusal = await client.memberPromote(member.id).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(EtcdError);
    expect((refusal as EtcdError).message).toMatch(/^etcd member promote [0-9a-f]+: .*can only promote a learner member which is in sync with leader/);
    expect((await client.memberRemove(member.id)).map((m) => m.name)).toEqual(['etcd-a']);
  });

  it('names the endpoint when none answers', async () => {
    const dead = new EtcdClient([`https://127.0.0.1:${await freePort()}`], { ca: '', cert: '', key: '' });
    await expect(dead.memberList()).rejects.toThrow(/^etcd member list: https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
