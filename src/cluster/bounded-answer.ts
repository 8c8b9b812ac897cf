import type http from 'node:http';

/** How long one request may take, headers and every byte of the body, and how large its body may be. */
export interface AnswerLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** A whole answer: the status and the body. */
export interface Answer {
  status: number;
  body: string;
}

/**
 * Why no whole answer came, in words a message can carry as they are (never a raw runtime message): `timeout` (the
 * request's deadline passed, however slowly bytes were still coming), `too-large` (more than the cap), `tls` (the
 * server's certificate is not trusted), `unreachable` (no connection, or it broke before the answer was complete).
 */
export class NoAnswerError extends Error {
  constructor(
    readonly reason: 'timeout' | 'too-large' | 'tls' | 'unreachable',
    message: string,
  ) {
    super(message);
    this.name = 'NoAnswerError';
  }
}

/**
 * Sends `clientReq` (with `body`) and reads its answer within `limits`: one deadline for the whole exchange (an
 * idle timeout would let a server that sends one byte at a time hold the caller forever), and a byte cap checked on
 * the announced length and on every chunk, so an oversized answer is cut off without being buffered.
 */
export function readBoundedAnswer(clientReq: http.ClientRequest, limits: AnswerLimits, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    };
    const fail = (err: NoAnswerError) =>
      settle(() => {
        clientReq.destroy();
        reject(err);
      });
    const timer = setTimeout(() => fail(timedOut(limits.timeoutMs, received)), limits.timeoutMs);
    // Listening first: destroying a request nobody listens to for errors crashes the process.
    clientReq.on('error', (err) => fail(noConnection(err)));
    clientReq.on('response', (res) => {
      const announced = Number(res.headers['content-length']);
      if (announced > limits.maxBytes) return fail(tooLarge(limits.maxBytes, `announces ${formatBytes(announced)}`));
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limits.maxBytes) return fail(tooLarge(limits.maxBytes, 'goes on past it'));
        chunks.push(chunk);
      });
      res.on('error', (err) => fail(noConnection(err)));
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
    });
    clientReq.end(body);
  });
}

/** `1 MiB`, `300 MiB`, `512 bytes`: sizes as messages print them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${+(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${+(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function timedOut(timeoutMs: number, received: number): NoAnswerError {
  const progress = received ? `: only ${formatBytes(received)} of it had come` : '';
  return new NoAnswerError('timeout', `no complete answer within ${+(timeoutMs / 1000).toFixed(1)}s${progress}`);
}

function tooLarge(maxBytes: number, how: string): NoAnswerError {
  return new NoAnswerError('too-large', `the answer is larger than the ${formatBytes(maxBytes)} expected at most (it ${how}); stopped reading it`);
}

/** OpenSSL's verification codes, and Node's own for a name the certificate does not carry. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/;

const CONNECTION_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was closed before the answer was complete',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EPIPE: 'the server closed the connection',
};

/**
 * A failure to connect or to read: Node's words (`connect ECONNREFUSED 10.0.0.1:6443`, which name the address) with
 * what they mean beside them; a certificate the trust given does not verify is said to be one.
 */
function noConnection(err: Error): NoAnswerError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TLS_CODE.test(code)) return new NoAnswerError('tls', `the server's TLS certificate is not trusted: ${err.message} (${code})`);
  const closed = err.message === 'socket hang up' || err.message === 'aborted';
  const meaning = CONNECTION_PROBLEMS[closed ? 'ECONNRESET' : code];
  return new NoAnswerError('unreachable', meaning ? `${err.message} (${meaning})` : err.message);
}
