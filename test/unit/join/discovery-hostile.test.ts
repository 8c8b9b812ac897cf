import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpsGet } from '../../../src/cluster/https-get.js';
import type { Discovery } from '../../../src/config/types.js';
import { discover } from '../../../src/discovery/discover.js';
import { LocalHost } from '../../../src/host/local.js';
import { clusterInfoKubeconfig } from '../../../src/tokens/cluster-info.js';
import { startHostileServer, type Answer, type HostileServer } from '../../support/hostile-server.js';

/**
 * Token discovery against a real HTTPS server that answers slowly, hugely, malformed, with the wrong CA or
 * signature: the discovery timeout bounds the whole of it, answers are capped, and every failure names the endpoint
 * and what was expected. Bounds are checked with wide margins (a busy machine is slow, never fast).
 */
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server.close());

const tokenDiscovery = (pins = [server.caHash]): Discovery => ({
  bootstrapToken: { token: server.token, apiServerEndpoint: server.endpoint, caCertHashes: pins },
  tlsBootstrapToken: server.token,
});

/** Discovery against the server answering `answers`: its result or error, its log and how long it took. */
async function run(answers: Answer[], timeoutMs: number, pins?: string[]) {
  server.serve(...answers);
  const lines: string[] = [];
  const started = Date.now();
  try {
    const result = await discover(tokenDiscovery(pins), { host: new LocalHost('/'), get: httpsGet, timeoutMs, log: (l) => lines.push(l) });
    return { result, lines, elapsed: Date.now() - started };
  } catch (err) {
    return { error: err as Error, lines, elapsed: Date.now() - started };
  }
}

/** What no message may show: a JavaScript runtime message. */
const RAW = /Unexpected token|is not valid JSON|Cannot read properties|undefined|\[object Object\]/;
/** Nor a control character a server sent (the escape that starts a terminal sequence). */
const ESCAPE = '\u001b';

const prefix = () => `discovery at ${server.url}: `;

describe('discovery against a hostile endpoint', () => {
  it('still trusts a server that answers correctly', async () => {
    const { result, error } = await run([{ kind: 'valid' }], 5_000);
    expect(error).toBeUndefined();
    expect(result?.trust).toEqual({ server: server.url, caCertPem: server.caPem });
  });

  it('gives up on an endpoint that sends one byte every 200 ms at the discovery timeout, naming it and the timeout', async () => {
    const { error, elapsed } = await run([{ kind: 'slow', intervalMs: 200 }], 2_000);
    expect(error?.message.startsWith(prefix())).toBe(true);
    expect(error?.message).toMatch(/gave up after .*no complete answer within .*the discovery timeout \(--discovery-timeout, timeouts\.discovery\) is 2s/);
    expect(elapsed).toBeLessThan(3 * 2_000);
    // The client hung up on it: the server sees that a moment later.
    await vi.waitFor(() => expect(server.requests.every((r) => r.closedEarly)).toBe(true), { timeout: 10_000 });
  }, 60_000);

  it('stops reading a 300 MiB answer at its cap without buffering it, and keeps asking until the timeout', async () => {
    let peak = 0;
    const before = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const { error } = await run([{ kind: 'huge', bytes: 300 << 20 }], 2_000).finally(() => clearInterval(sampler));
    expect(error?.message.startsWith(prefix())).toBe(true);
    expect(error?.message).toMatch(/the answer is larger than the 1 MiB expected at most/);
    expect(server.requests.length).toBeGreaterThan(1);
    // What went out is what the client read before it hung up, plus the sockets' buffers: far from 300 MiB.
    expect(Math.max(...server.requests.map((r) => r.bytesSent))).toBeLessThan(32 << 20);
    expect(peak - before).toBeLessThan(200 << 20);
  }, 60_000);

  it('asks again after malformed answers, and trusts the server once it answers correctly', async () => {
    const malformed: Answer[] = [
      { kind: 'raw', status: 200, body: '<html>\u001b[31mproxy\u001b[0m</html>', headers: { 'Content-Type': 'text/html' } },
      { kind: 'raw', status: 200, body: '{"kind":"ConfigMap","data":{"kubeconfig":{"nested":true}}}' },
      { kind: 'raw', status: 503, body: '\u001b]0;owned\u0007 unavailable' },
      { kind: 'reset' },
    ];
    const { result, error } = await run([...malformed, { kind: 'valid' }], 30_000);
    expect(error).toBeUndefined();
    expect(result?.trust.server).toBe(server.url);
    expect(server.requests.length).toBe(malformed.length + 2);
  }, 60_000);

  it.each<[string, Answer, RegExp]>([
    [
      'not JSON',
      { kind: 'raw', status: 200, body: '<html>\u001b[2J</html>' },
      /the answer is not JSON \(it starts "<html>\\x1b\[2J<\/html>"\); expected the ConfigMap kube-public\/cluster-info/,
    ],
    [
      'JSON of another shape',
      { kind: 'raw', status: 200, body: '[]' },
      /the answer is a JSON array; expected the ConfigMap kube-public\/cluster-info, its data a map of strings/,
    ],
    ['another kind', { kind: 'raw', status: 200, body: '{"kind":"Secret"}' }, /the answer is an object of kind "Secret"; expected the ConfigMap/],
    ['data not strings', { kind: 'raw', status: 200, body: '{"kind":"ConfigMap","data":{"a":1}}' }, /the ConfigMap's data is not a map of strings/],
    ['an error status', { kind: 'raw', status: 500, body: '\u001b[31mboom' }, /answered HTTP 500 \("\\x1b\[31mboom"\); expected 200 with the ConfigMap/],
    ['a dropped connection', { kind: 'reset' }, /the connection was closed before the answer was complete/],
  ])(
    'keeps asking an endpoint that answers %s until the timeout, then says what it expected',
    async (_what, answer, message) => {
      const { error, elapsed } = await run([answer], 1_500);
      expect(error?.message.startsWith(prefix())).toBe(true);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toMatch(RAW);
      expect(error?.message).not.toContain(ESCAPE);
      expect(server.requests.length).toBeGreaterThan(1);
      expect(elapsed).toBeLessThan(3 * 1_500);
    },
    30_000,
  );

  it('gives up on an endpoint that never answers at the timeout', async () => {
    const { error, elapsed } = await run([{ kind: 'hang' }], 1_500);
    expect(error?.message).toMatch(
      new RegExp(`^${prefix()}gave up after .*GET kube-public/cluster-info: no complete answer within [\\d.]+s; the discovery timeout`),
    );
    expect(elapsed).toBeLessThan(3 * 1_500);
  }, 30_000);

  it('keeps asking while cluster-info has no signature for the token, and says why at the timeout', async () => {
    const { error } = await run([{ kind: 'unsigned' }], 1_000);
    expect(error?.message).toMatch(new RegExp(`^${prefix()}gave up after .*token id "abcdef" is invalid for this cluster or it has expired`));
  });

  it.each<[string, Answer, RegExp]>([
    ['names a CA other than the pinned one', { kind: 'wrong-ca' }, /the cluster CA found in the cluster-info ConfigMap is not the one pinned/],
    [
      'is signed with another secret',
      { kind: 'bad-signature' },
      /the signature of the cluster-info ConfigMap for token id "abcdef" does not match its content/,
    ],
    ['was changed after it was signed', { kind: 'tampered' }, /does not match its content: either cluster-info was tampered with/],
    ['has no kubeconfig', { kind: 'missing-kubeconfig' }, /the cluster-info ConfigMap has no "kubeconfig" key/],
  ])('refuses at once a cluster-info that %s, naming the endpoint', async (_what, answer, message) => {
    const { error } = await run([answer], 30_000);
    expect(error?.message.startsWith(prefix())).toBe(true);
    expect(error?.message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it.each<[string, string, RegExp]>([
    ['is not YAML', 'clusters: [', /^the kubeconfig in the cluster-info ConfigMap: /],
    ['has no cluster', 'apiVersion: v1\nkind: Config\nclusters: []\n', /the kubeconfig in the cluster-info ConfigMap: has no cluster/],
    ['names no server', 'clusters: [{name: "", cluster: {}}]\n', /has no server for its cluster/],
    ['has no CA', 'clusters: [{name: "", cluster: {server: "https://10.0.0.1:6443"}}]\n', /has no certificate-authority-data with a PEM certificate/],
  ])('refuses at once a signed cluster-info whose kubeconfig %s, naming the endpoint', async (_what, kubeconfig, message) => {
    const { error } = await run([{ kind: 'signed', kubeconfig }], 30_000);
    expect(error?.message.startsWith(prefix())).toBe(true);
    expect(error?.message.slice(prefix().length)).toMatch(message);
    expect(error?.message).not.toMatch(RAW);
    expect(error?.message).not.toContain(ESCAPE);
    expect(server.requests).toHaveLength(1);
  });

  it.each<[string, string, RegExp]>([
    ['is no URL', 'not a url', /its cluster's server "not a url" is not a URL; expected https:\/\/host:port/],
    ['is plain HTTP', 'http://10.0.0.1:6443', /names the server "http:\/\/10.0.0.1:6443"; expected an https/],
    ['holds a control character', 'https://10.0.0.1:6443\u001b[2J', /its cluster's server "https:\/\/10.0.0.1:6443\\x1b\[2J" is not a URL/],
  ])('refuses at once a signed cluster-info whose server %s, naming the endpoint', async (_what, named, message) => {
    const { error } = await run([{ kind: 'signed', kubeconfig: clusterInfoKubeconfig(named, server.caPem) }], 30_000);
    expect(error?.message.startsWith(`${prefix()}the kubeconfig in the cluster-info ConfigMap`)).toBe(true);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(ESCAPE);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps asking a server whose certificate the pinned CA did not issue, then says its TLS certificate is not trusted', async () => {
    server.useForeignCertificate(true);
    const connected = server.connections;
    try {
      const { error } = await run([{ kind: 'valid' }], 1_500);
      expect(error?.message.startsWith(prefix())).toBe(true);
      expect(error?.message).toMatch(
        /gave up after .*the server's TLS certificate is not trusted: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
      );
      // The anonymous read, then the verified one tried again and again.
      expect(server.requests).toHaveLength(1);
      expect(server.connections - connected).toBeGreaterThan(2);
    } finally {
      server.useForeignCertificate(false);
    }
  }, 30_000);
});

describe('a discovery file served by a hostile endpoint', () => {
  /** httpsGet on a machine whose trusted roots include the server's CA (what NODE_EXTRA_CA_CERTS does for bosun). */
  const get: typeof httpsGet = (s, p, creds, limits) => httpsGet(s, p, creds.ca || creds.insecure ? creds : { ...creds, ca: server.caPem }, limits);
  const fileAt = () => `${server.url}/discovery.conf`;

  async function runFile(answers: Answer[], timeoutMs: number) {
    server.serve(...answers);
    const started = Date.now();
    const outcome = await discover(
      { file: { kubeConfigPath: fileAt() }, tlsBootstrapToken: server.token },
      { host: new LocalHost('/'), get, timeoutMs, log: () => {} },
    ).then(
      (result) => ({ result, error: undefined }),
      (error: Error) => ({ result: undefined, error }),
    );
    return { ...outcome, elapsed: Date.now() - started };
  }

  const discoveryFile = (named = server.url) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: named, 'certificate-authority-data': Buffer.from(server.caPem).toString('base64') } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: '' } }],
      'current-context': 'x',
    });

  it('is read once it is served, and the cluster it names is used', async () => {
    const { result, error } = await runFile(
      [{ kind: 'raw', status: 404, body: 'not yet' }, { kind: 'raw', status: 200, body: discoveryFile() }, { kind: 'valid' }],
      10_000,
    );
    expect(error).toBeUndefined();
    expect(result?.trust).toEqual({ server: server.url, caCertPem: server.caPem });
  });

  it.each<[string, Answer, RegExp]>([
    ['one byte every 200 ms', { kind: 'slow', intervalMs: 200 }, /no complete answer within/],
    ['300 MiB', { kind: 'huge', bytes: 300 << 20 }, /the answer is larger than the 1 MiB expected at most/],
    ['a refusal', { kind: 'raw', status: 404, body: '\u001b[2Jgone' }, /answered HTTP 404 \("\\x1b\[2Jgone"\); expected 200 with a kubeconfig/],
  ])(
    'is given up at the discovery timeout when the endpoint answers %s, naming the URL',
    async (_what, answer, message) => {
      const { error, elapsed } = await runFile([answer], 2_000);
      expect(error?.message.startsWith(`discovery file ${fileAt()}: gave up after `)).toBe(true);
      expect(error?.message).toMatch(message);
      expect(elapsed).toBeLessThan(3 * 2_000);
    },
    30_000,
  );

  it('is refused at once when it names a server that is not an https URL', async () => {
    const { error } = await runFile([{ kind: 'raw', status: 200, body: discoveryFile('10.0.0.1:6443') }], 30_000);
    expect(error?.message).toBe(`discovery file ${fileAt()}: its cluster's server "10.0.0.1:6443" is not a URL; expected https://host:port`);
    expect(server.requests).toHaveLength(1);
  });
});
