/**
 * A real HTTPS server that answers token discovery's requests (GET kube-public/cluster-info) as a working API server
 * would, or as a hostile or broken one: slowly, hugely, malformed, with the wrong CA, unsigned or badly signed.
 *
 *   const server = await startHostileServer();            // 127.0.0.1, a fresh CA, token abcdef.0123456789abcdef
 *   server.serve({ kind: 'slow', intervalMs: 200 });      // every request from now on; serve(a, b, c): the nth request
 *                                                         // gets the nth answer, the last one repeats
 *   bosun('join', ...server.joinArgs(), '--discovery-timeout', '5s');
 *   server.serveOtherPaths({ kind: 'echo-auth' });        // what a node asks once it trusts the cluster (kubeadm-config…)
 *   server.requests;                                      // every request served since serve(): path, bytes sent, closed early
 *   server.connections;                                   // TCP connections ever accepted (a refused TLS handshake included)
 *   await server.close();                                 // ends every open connection too
 *
 * In-process, `discover()` (src/discovery/discover.ts) with `get: httpsGet` runs the same discovery as `bosun join`;
 * `server.caHash`, `server.token` and `server.endpoint` make its JoinConfiguration discovery.bootstrapToken.
 * One server serves one client at a time: `serve` resets `requests`, so concurrent runs need a server each.
 *
 * Answers (`Answer`), each the answer to any path:
 * - `valid`: cluster-info naming this server and its CA, signed for the token: discovery succeeds.
 * - `unsigned`: valid content, no signature for the token id (discovery waits for one until its timeout).
 * - `bad-signature`: signed with another token secret; `tampered`: signed, then the kubeconfig changed.
 * - `wrong-ca`: signed for the token, but naming a CA that is not the server's (its pin is not `caHash`).
 * - `missing-kubeconfig`: a ConfigMap with a signature but no kubeconfig key.
 * - `signed`: any kubeconfig text, correctly signed for the token (what the cluster itself might publish, broken).
 * - `slow`: the whole HTTP response of `answer` (default `valid`), status line and headers included, one byte every
 *   `intervalMs`; `huge`: a 200 ConfigMap whose kubeconfig value goes on for `bytes` bytes, streamed as the client
 *   reads it (the server holds none of it); `hang`: headers never come; `reset`: the connection is dropped.
 * - `raw`: any status, headers (Content-Length set unless given) and body (not JSON, the wrong shape, an error Status…).
 * - `echo-auth`: a 403 Status whose message repeats the request's Authorization header (the bearer token in it).
 * `serveOtherPaths(answer)` answers every path but cluster-info's with `answer` (`undefined`: as any other path);
 * `useToken(token)` signs from now on for another token; `plainEndpoint` is a plain TCP port beside the server that
 * answers HTTP where TLS is expected.
 * `useForeignCertificate(true)` makes the server present a certificate its CA did not issue (a TLS failure for a
 * client that verifies it against `caPem`, as discovery's second read does); new connections only.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { caCertHash } from '../../src/pki/ca-hash.js';
import { createCaCertificate, createLeafCertificate, encodeCertificate, type Certificate } from '../../src/pki/certificate.js';
import { encodePrivateKey, generateKey, type KeyPair } from '../../src/pki/keys.js';
import { clusterInfoKubeconfig } from '../../src/tokens/cluster-info.js';
import { detachedJWS } from '../../src/tokens/jws.js';

export type Answer =
  | { kind: 'valid' | 'unsigned' | 'bad-signature' | 'tampered' | 'wrong-ca' | 'missing-kubeconfig' | 'hang' | 'reset' | 'echo-auth' }
  | { kind: 'signed'; kubeconfig: string }
  | { kind: 'slow'; intervalMs: number; answer?: Answer }
  | { kind: 'huge'; bytes: number }
  | { kind: 'raw'; status: number; body: string | Buffer; headers?: Record<string, string> };

/** One request the server saw: what it asked, how many body bytes went out, and whether the client left before the end. */
export interface Served {
  path: string;
  answer: Answer['kind'];
  bytesSent: number;
  closedEarly: boolean;
}

export interface HostileServer {
  /** `127.0.0.1:<port>`: the endpoint argument of `bosun join`. */
  endpoint: string;
  /** `https://127.0.0.1:<port>`: the server cluster-info names. */
  url: string;
  /** The CA that issued the server's certificate and that a valid cluster-info names; `caHash` is its pin. */
  caPem: string;
  caHash: string;
  /** Another CA (`wrong-ca` names it); `otherCaHash` is its pin. */
  otherCaPem: string;
  otherCaHash: string;
  /** The bootstrap token cluster-info is signed for (`abcdef.0123456789abcdef` unless given or changed by `useToken`). */
  readonly token: string;
  /** `127.0.0.1:<port>` of a plain TCP server that answers every connection with a plain HTTP 200. */
  plainEndpoint: string;
  requests: Served[];
  /** TCP connections accepted since the start, a TLS handshake the client refused included. */
  readonly connections: number;
  serve(...answers: Answer[]): void;
  serveOtherPaths(answer: Answer | undefined): void;
  useToken(token: string): void;
  useForeignCertificate(on: boolean): void;
  /** `<endpoint> --token <token> --discovery-token-ca-cert-hash <caHash>`: a token discovery of this server. */
  joinArgs(): string[];
  /** The body `valid`, `unsigned`, `signed` and the others serve: for a `raw` or `slow` answer made from one. */
  clusterInfoBody(answer: Answer): string;
  close(): Promise<void>;
}

const VALIDITY = { now: new Date(Date.now() - 60_000), lifetimeMs: 86_400_000 };
const HUGE_CHUNK = Buffer.alloc(64 << 10, 'A');
const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

async function serverCertificate(signer: { cert: Certificate; key: KeyPair }) {
  const key = await generateKey('ECDSA-P256');
  const cert = await createLeafCertificate(
    { subject: { commonName: 'kube-apiserver' }, usages: ['server'], altNames: { dnsNames: ['localhost'], ips: ['127.0.0.1'] } },
    key,
    signer,
    VALIDITY,
  );
  return { cert: encodeCertificate(cert), key: encodePrivateKey(key.privateKey) };
}

async function authority(name: string) {
  const key = await generateKey('ECDSA-P256');
  const cert = await createCaCertificate(name, key, VALIDITY);
  return { cert, key, pem: encodeCertificate(cert) };
}

/** True once the response can take more, false once it is closed; both listeners go when either comes. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (more: boolean) => () => {
      res.off('drain', onDrain).off('close', onClose);
      resolve(more);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain).on('close', onClose);
  });
}

/** A ConfigMap's JSON as the API server answers it. */
const configMap = (data: Record<string, string>) =>
  JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data });

export async function startHostileServer(opts: { token?: string } = {}): Promise<HostileServer> {
  let token = opts.token ?? 'abcdef.0123456789abcdef';
  let [id, secret] = token.split('.');
  const [ca, other, foreign] = await Promise.all([authority('kubernetes'), authority('other'), authority('foreign')]);
  const own = await serverCertificate(ca);
  const foreignCert = await serverCertificate(foreign);
  const sockets = new Set<Socket>();
  let connections = 0;
  let answers: Answer[] = [{ kind: 'valid' }];
  let otherPaths: Answer | undefined;
  const requests: Served[] = [];

  const server = https.createServer(own, (req, res) => {
    const clusterInfo = (req.url ?? '').split('?')[0] === CLUSTER_INFO_PATH;
    const answer = otherPaths && !clusterInfo ? otherPaths : answers[Math.min(requests.length, answers.length - 1)];
    const served: Served = { path: req.url ?? '', answer: answer.kind, bytesSent: 0, closedEarly: false };
    requests.push(served);
    // A slow answer is written on the socket, past the response object: it keeps its own account.
    if (answer.kind !== 'slow') res.on('close', () => (served.closedEarly = !res.writableFinished));
    respond(res, answer, served, req.headers.authorization ?? '');
  });
  // Counted before the TLS handshake: a client that refuses the certificate is never a request.
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const plain = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => {});
    socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"data":{}}');
  });
  await Promise.all([
    new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve)),
  ]);
  const endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `https://${endpoint}`;

  function clusterInfoBody(answer: Answer): string {
    const { kind } = answer;
    const kubeconfig = answer.kind === 'signed' ? answer.kubeconfig : clusterInfoKubeconfig(url, kind === 'wrong-ca' ? other.pem : ca.pem);
    const signature = detachedJWS(kubeconfig, id, kind === 'bad-signature' ? randomBytes(8).toString('hex') : secret);
    if (kind === 'unsigned') return configMap({ kubeconfig });
    if (kind === 'missing-kubeconfig') return configMap({ [`jws-kubeconfig-${id}`]: signature });
    if (kind === 'tampered') return configMap({ kubeconfig: clusterInfoKubeconfig('https://10.6.6.6:6443', ca.pem), [`jws-kubeconfig-${id}`]: signature });
    return configMap({ kubeconfig, [`jws-kubeconfig-${id}`]: signature });
  }

  function respond(res: ServerResponse, answer: Answer, served: Served, authorization: string): void {
    switch (answer.kind) {
      case 'hang':
        return;
      case 'reset':
        return void res.socket?.destroy();
      case 'slow':
        return trickle(res, answer, served);
      case 'huge':
        return void stream(res, answer.bytes, served);
      case 'echo-auth':
        return respond(
          res,
          {
            kind: 'raw',
            status: 403,
            body: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `forbidden: ${authorization}` }),
          },
          served,
          '',
        );
      case 'raw':
        served.bytesSent = Buffer.byteLength(answer.body);
        return void res
          .writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': String(served.bytesSent), ...answer.headers })
          .end(answer.body);
      default: {
        const body = clusterInfoBody(answer);
        served.bytesSent = Buffer.byteLength(body);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      }
    }
  }

  /** The whole HTTP response, one byte at a time, written on the socket itself (so the headers trickle too). */
  function trickle(res: ServerResponse, answer: Extract<Answer, { kind: 'slow' }>, served: Served): void {
    const inner = answer.answer ?? { kind: 'valid' };
    const body = Buffer.from(inner.kind === 'raw' ? inner.body : clusterInfoBody(inner));
    const status = inner.kind === 'raw' ? inner.status : 200;
    const head = `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const bytes = Buffer.concat([Buffer.from(head), body]);
    const socket = res.socket!;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(bytes.subarray(served.bytesSent, served.bytesSent + 1));
      if (++served.bytesSent === bytes.length) {
        clearInterval(timer);
        socket.end();
      }
    }, answer.intervalMs);
    socket.on('close', () => {
      clearInterval(timer);
      served.closedEarly = served.bytesSent < bytes.length;
    });
  }

  /** A ConfigMap that never ends (up to `bytes`), written as fast as the client reads it and no faster. */
  async function stream(res: ServerResponse, bytes: number, served: Served): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const write = (chunk: Buffer) => {
      served.bytesSent += chunk.length;
      return res.write(chunk) || drained(res);
    };
    if (!(await write(Buffer.from('{"kind":"ConfigMap","data":{"kubeconfig":"')))) return;
    while (served.bytesSent < bytes && !res.destroyed) {
      if (!(await write(HUGE_CHUNK.subarray(0, Math.min(HUGE_CHUNK.length, bytes - served.bytesSent))))) return;
    }
    if (!res.destroyed) res.end('"}}');
  }

  return {
    endpoint,
    get connections() {
      return connections;
    },
    url,
    plainEndpoint: `127.0.0.1:${(plain.address() as AddressInfo).port}`,
    caPem: ca.pem,
    caHash: caCertHash(ca.pem),
    otherCaPem: other.pem,
    otherCaHash: caCertHash(other.pem),
    get token() {
      return token;
    },
    requests,
    serve(...list) {
      answers = list.length ? list : [{ kind: 'valid' }];
      requests.splice(0);
    },
    serveOtherPaths(answer) {
      otherPaths = answer;
    },
    useToken(next) {
      token = next;
      [id, secret] = token.split('.');
    },
    useForeignCertificate(on) {
      server.setSecureContext(on ? foreignCert : own);
    },
    joinArgs: () => [endpoint, '--token', token, '--discovery-token-ca-cert-hash', caCertHash(ca.pem)],
    clusterInfoBody,
    close() {
      for (const socket of sockets) socket.destroy();
      return Promise.all([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => plain.close(resolve))]).then(() => undefined);
    },
  };
}
