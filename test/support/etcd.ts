import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ETCD, locateBinary } from '../../src/sandbox/binaries.js';
import { bosun } from './sandbox.js';

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RealEtcd {
  /** The rootfs `bosun init phase certs all` wrote into. */
  root: string;
  clientURL: string;
  pki(file: string): string;
  stop(): Promise<void>;
}

/**
 * A real etcd 3.6 on loopback serving with the certificates `bosun init phase certs all` wrote for `name`,
 * client- and peer-certificate auth on; resolves once etcd says it serves clients over TLS (its log is watched).
 */
export async function startEtcdWithBosunCerts(name: string): Promise<RealEtcd> {
  const binary = await locateBinary(ETCD, 'etcd');
  if (!binary) throw new Error('etcd is not built: run `bosun sandbox binaries` first');
  const root = await mkdtemp(path.join(os.tmpdir(), `bosun-etcd-${name}-`));
  const certs = await bosun('init', 'phase', 'certs', 'all', '--rootfs', root, '--node-name', name, '--apiserver-advertise-address', '127.0.0.1');
  if (certs.code !== 0) throw new Error(`bosun init phase certs all: ${certs.stderr}`);
  const pki = (file: string) => path.join(root, 'etc/kubernetes/pki', file);
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientURL = `https://127.0.0.1:${clientPort}`;
  const peerURL = `https://127.0.0.1:${peerPort}`;
  const etcd = spawn(
    binary,
    [
      `--name=${name}`,
      `--data-dir=${path.join(root, 'var/lib/etcd')}`,
      '--unsafe-no-fsync',
      `--listen-client-urls=${clientURL}`,
      `--advertise-client-urls=${clientURL}`,
      `--listen-peer-urls=${peerURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=${name}=${peerURL}`,
      `--cert-file=${pki('etcd/server.crt')}`,
      `--key-file=${pki('etcd/server.key')}`,
      `--peer-cert-file=${pki('etcd/peer.crt')}`,
      `--peer-key-file=${pki('etcd/peer.key')}`,
      `--trusted-ca-file=${pki('etcd/ca.crt')}`,
      `--peer-trusted-ca-file=${pki('etcd/ca.crt')}`,
      '--client-cert-auth=true',
      '--peer-client-cert-auth=true',
      '--listen-metrics-urls=http://127.0.0.1:0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    etcd.stderr!.on('data', (chunk) => {
      log += chunk;
      if (log.includes('serving client traffic securely')) resolve();
    });
    etcd.on('exit', (code) => reject(new Error(`etcd exited ${code}: ${log.slice(-2000)}`)));
  });
  return {
    root,
    clientURL,
    pki,
    stop: async () => {
      etcd.kill('SIGTERM');
      await rm(root, { recursive: true, force: true });
    },
  };
}
