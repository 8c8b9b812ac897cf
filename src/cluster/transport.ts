import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors.js';
import { checkKubeconfigForClient } from '../kubeconfig/kubeconfig.js';
import { formatBytes, NoAnswerError, readBoundedAnswer } from './bounded-answer.js';

export interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path and query below the server URL (`/api/v1/namespaces/kube-system/configmaps?limit=500`). */
  path: string;
  body?: string;
  contentType?: string;
  /** The whole exchange, every byte of the answer included (default 30 s). */
  timeoutMs?: number;
  /** The largest answer accepted (default API_ANSWER_MAX_BYTES); a larger one is cut off, not buffered. */
  maxBytes?: number;
}

export interface Response {
  status: number;
  body: string;
}

/** HTTP to one API server with the kubeconfig's credentials; failures to get an answer reject with plain Errors. */
export interface Transport {
  readonly server: string;
  request(req: Request): Promise<Response>;
  /**
   * GETs a newline-delimited stream (a watch), handing each line to `onLine` until it returns true,
   * the server ends the stream or `signal` aborts. A non-200 answer resolves with its status and body.
   */
  stream(path: string, onLine: (line: string) => boolean, signal: AbortSignal): Promise<Response>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Far above any answer bosun asks for (a page of 500 objects is a few MiB: objects are rarely past some KiB, and
 * etcd stores none past 1.5 MiB), far below what would exhaust the process.
 */
export const API_ANSWER_MAX_BYTES = 256 << 20;
/** One watch event is one object: etcd stores none larger than 1.5 MiB. */
const WATCH_LINE_MAX_BYTES = 16 << 20;
const REFUSAL_MAX_BYTES = 64 << 10;

/** Requests this process sent (a watch counts once per stream): `bosun upgrade nodes` reports it, the bench reads it. */
export const apiRequests = { count: 0 };

/** TLS and credentials of a transport that needs no kubeconfig machinery (bootstrap tokens, discovery, the sandbox). */
export interface StaticCredentials {
  /** PEM CA bundle to trust; absent: this machine's trusted roots, or none with `insecure` (discovery's first, unauthenticated look). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Bearer token (a bootstrap token). */
  token?: string;
  /** Skip server verification: only for reading what is checked by other means (signed cluster-info). */
  insecure?: boolean;
}

/** Where a kubeconfig's text came from (for messages), and where the files it names are on this machine. */
export interface KubeconfigSource {
  source?: string;
  resolveFile?: (file: string) => string;
}

/**
 * The transport a kubeconfig describes. This is the one place the Kubernetes client library loads kubeconfig text
 * (it resolves TLS material and credentials: certificates, tokens, exec plugins); every other reader uses
 * kubeconfig/kubeconfig.ts. File names in it go through `resolveFile`.
 */
export async function kubeconfigTransport(text: string, opts: KubeconfigSource = {}): Promise<Transport> {
  const source = opts.source ?? 'kubeconfig';
  // The client library takes ~0.5 s to load: only API phases pay for it.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    checkKubeconfigForClient(text);
    kc.loadFromString(text);
  } catch (err) {
    // Only the first line: parser messages go on to quote the input, which holds keys.
    throw new UserError(`${source}: not a valid kubeconfig: ${String((err as Error).message).split('\n')[0]}`);
  }
  const resolveFile = opts.resolveFile;
  if (resolveFile) {
    for (const cluster of kc.clusters) if (cluster.caFile) cluster.caFile = resolveFile(cluster.caFile);
    for (const user of kc.users) {
      if (user.certFile) user.certFile = resolveFile(user.certFile);
      if (user.keyFile) user.keyFile = resolveFile(user.keyFile);
    }
  }
  if (!kc.getCurrentCluster()) throw new UserError(`${source}: current-context names no cluster`);
  return kubeTransport(kc);
}

/** Requests go over one keep-alive agent so short-interval health checks stay cheap. */
async function kubeTransport(kc: KubeConfig): Promise<Transport> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const tlsOptions: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tlsOptions);
  const { ca, cert, key, servername, rejectUnauthorized } = tlsOptions;
  return httpTransport(cluster.server, { ca, cert, key, servername, rejectUnauthorized }, async () => {
    // Credentials are applied per request: exec plugins and token files may rotate.
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    return { auth: opts.auth ?? undefined, headers: opts.headers as Record<string, string> };
  });
}

/** A transport with fixed credentials; it does not load the Kubernetes client library (a joining node starts fast). */
export function staticTransport(server: string, creds: StaticCredentials): Transport {
  const headers: Record<string, string> = creds.token ? { Authorization: `Bearer ${creds.token}` } : {};
  const tls = { ca: creds.ca, cert: creds.cert, key: creds.key, rejectUnauthorized: !creds.insecure };
  return httpTransport(server, tls, async () => ({ headers }));
}

type Credentials = () => Promise<{ auth?: string; headers: Record<string, string> }>;

function httpTransport(server: string, tls: TlsOptions, credentials: Credentials): Transport {
  const base = new URL(server);
  const prefix = base.pathname.replace(/\/$/, '');
  const secure = base.protocol === 'https:';
  const agent = keepAliveAgent(secure, tls);
  const lib = secure ? https : http;

  async function open(method: string, path: string, headers: Record<string, string>): Promise<http.ClientRequest> {
    const creds = await credentials();
    const clientReq = lib.request({
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (secure ? 443 : 80),
      path: prefix + path,
      method,
      agent,
      auth: creds.auth,
      headers: { ...creds.headers, ...headers },
    });
    // A reused socket was unref'd while idle; an open request must keep the process alive.
    clientReq.on('socket', (socket) => socket.ref());
    return clientReq;
  }

  return {
    server,
    async request(req) {
      apiRequests.count++;
      const headers: Record<string, string> = { Accept: 'application/json, */*' };
      if (req.body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
      const clientReq = await open(req.method, req.path, headers);
      return readBoundedAnswer(clientReq, { timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes: req.maxBytes ?? API_ANSWER_MAX_BYTES }, req.body);
    },
    async stream(path, onLine, signal) {
      apiRequests.count++;
      return readLines(await open('GET', path, { Accept: 'application/json' }), onLine, signal);
    },
  };
}

type TlsOptions = Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>;

/** One keep-alive agent per transport; its idle sockets never keep the process alive once bosun is done. */
function keepAliveAgent(secure: boolean, tls: TlsOptions): http.Agent {
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        servername: tls.servername,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      })
    : new http.Agent({ keepAlive: true });
  agent.on('free', (socket) => socket.unref());
  return agent;
}

/** Feeds a streamed answer (a watch) to `onLine` line by line until it says done, the stream ends or `signal` aborts. */
function readLines(clientReq: http.ClientRequest, onLine: (line: string) => boolean, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      clientReq.destroy();
      done();
    };
    const abort = () => settle(() => resolve({ status: 0, body: 'aborted' }));
    // Listening first: destroying a request nobody listens to for errors crashes the process.
    clientReq.on('error', (err) => settle(() => reject(err)));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort);
    clientReq.on('response', (res) => {
      // A decoder keeps a character split between two chunks whole.
      const decoder = new StringDecoder('utf8');
      let pending = '';
      const chunks: Buffer[] = [];
      let refused = 0;
      res.on('data', (chunk: Buffer) => {
        if (res.statusCode !== 200) {
          // A refusal's body is for the message: its start is enough.
          if ((refused += chunk.length) <= REFUSAL_MAX_BYTES) chunks.push(chunk);
          return;
        }
        // Only the new text is searched for line ends: a long event is not scanned again with every chunk.
        const text = decoder.write(chunk);
        let start = 0;
        let newline: number;
        while (!settled && (newline = text.indexOf('\n', start)) >= 0) {
          const line = (pending + text.slice(start, newline)).trim();
          pending = '';
          start = newline + 1;
          try {
            if (line && onLine(line)) settle(() => resolve({ status: 200, body: '' }));
          } catch (err) {
            settle(() => reject(err));
          }
        }
        pending += text.slice(start);
        // What is left is one event still coming.
        if (!settled && pending.length > WATCH_LINE_MAX_BYTES) {
          const cut = new NoAnswerError('too-large', `a watch event is larger than the ${formatBytes(WATCH_LINE_MAX_BYTES)} expected at most; stopped reading`);
          settle(() => reject(cut));
        }
      });
      res.on('error', (err) => settle(() => reject(err)));
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
    });
    clientReq.end();
  });
}
