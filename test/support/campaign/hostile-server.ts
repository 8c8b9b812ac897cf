import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { caPins } from '../../../src/discovery/cluster-info.js';
import { clusterInfoKubeconfig } from '../../../src/tokens/cluster-info.js';
import { detachedJWS } from '../../../src/tokens/jws.js';

/** How the server answers the next discovery: as a cluster would, or in one of the ways an attacker or a broken proxy does. */
export type Answer =
  | { kind: 'valid' | 'wrongJws' | 'noJws' | 'wrongCa' | 'changing' | 'stall' | 'close' | 'endless' | 'hugeHeader' | 'plaintext' }
  | { kind: 'body'; status: number; body: string; contentType: string }
  | { kind: 'slow'; byteMs: number }
  | { kind: 'huge'; mib: number }
  | { kind: 'redirect'; location: string };

/** How it answers what a node asks once it trusts the cluster (kubeadm-config, nodes): the second stage of a join. */
export type Followup = { kind: 'notFound' | 'echoAuth' } | { kind: 'body'; status: number; body: string };

export interface HostileServer {
  port: number;
  plainPort: number;
  /** The pin of the CA the server's cluster-info names (and its TLS certificate is). */
  pin: string;
  /** What the next requests get; set before each case. */
  answer: Answer;
  followup: Followup;
  token: { id: string; secret: string };
  close(): Promise<void>;
}

/** A self-signed CA certificate for 127.0.0.1: the server's TLS certificate and the CA its cluster-info names. */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

/**
 * An HTTPS server that answers join discovery the way the campaign's case asks: a correct cluster-info signed for
 * the case's token, or a wrong signature, a CA that is not the pinned one, garbage, a trickle, an endless body, a
 * stall, a closed connection. Beside it, a plain TCP port that answers HTTP where TLS is expected.
 */
export async function startHostileServer(): Promise<HostileServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-campaign-tls-'));
  const ca = selfSigned(dir, 'cluster-ca');
  const other = selfSigned(dir, 'other-ca');
  rmSync(dir, { recursive: true, force: true });
  const sockets = new Set<net.Socket>();
  let reads = 0;
  const state: Omit<HostileServer, 'port' | 'plainPort' | 'close'> = {
    pin: caPins(ca.cert)[0],
    answer: { kind: 'valid' },
    followup: { kind: 'notFound' },
    token: { id: 'abcdef', secret: '0123456789abcdef' },
  };
  const clusterInfo = (server: string, caPem: string, secret: string, signed = true) => {
    const kubeconfig = clusterInfoKubeconfig(server, caPem);
    const data: Record<string, string> = { kubeconfig };
    if (signed) data[`jws-kubeconfig-${state.token.id}`] = detachedJWS(kubeconfig, state.token.id, secret);
    return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data });
  };
  const tls = https.createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    const server = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    if (req.url?.startsWith(CLUSTER_INFO_PATH)) {
      reads++;
      const a = state.answer;
      const json = (body: string, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      switch (a.kind) {
        case 'valid':
        case 'plaintext':
          return json(clusterInfo(server, ca.cert, state.token.secret));
        case 'wrongJws':
          return json(clusterInfo(server, ca.cert, 'zzzzzzzzzzzzzzzz'));
        case 'noJws':
          return json(clusterInfo(server, ca.cert, state.token.secret, false));
        case 'wrongCa':
          return json(clusterInfo(server, other.cert, state.token.secret));
        case 'changing':
          return json(clusterInfo(reads % 2 ? server : `${server}/other`, ca.cert, state.token.secret));
        case 'body':
          return res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body);
        case 'redirect':
          return res.writeHead(302, { location: a.location }).end();
        case 'hugeHeader':
          return res.writeHead(200, { 'x-junk': 'x'.repeat(64 * 1024) }).end('{}');
        case 'stall':
          return;
        case 'close':
          return req.socket.destroy();
        case 'slow': {
          const body = clusterInfo(server, ca.cert, state.token.secret);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
          let i = 0;
          const tick = setInterval(() => (i < body.length && !res.destroyed ? res.write(body[i++]) : clearInterval(tick)), a.byteMs);
          res.on('close', () => clearInterval(tick));
          return;
        }
        case 'huge':
        case 'endless': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(1024 * 1024, 'x');
          let left = a.kind === 'huge' ? a.mib : Infinity;
          res.write('{"data":{"kubeconfig":"');
          const pump = () => {
            while (left > 0 && !res.destroyed) {
              left--;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end('"}}');
          };
          return pump();
        }
      }
    }
    const f = state.followup;
    if (f.kind === 'echoAuth')
      return res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `forbidden: ${req.headers.authorization ?? ''}` }));
    if (f.kind === 'body') return res.writeHead(f.status, { 'content-type': 'application/json' }).end(f.body);
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: `${req.url} not found` }));
  });
  tls.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const plain = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"data":{}}');
  });
  await Promise.all([new Promise<void>((r) => tls.listen(0, '127.0.0.1', r)), new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))]);
  const result = Object.assign(state, {
    port: (tls.address() as AddressInfo).port,
    plainPort: (plain.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => tls.close(r)), new Promise((r) => plain.close(r))]);
    },
  });
  return result;
}
