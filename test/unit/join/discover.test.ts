import https from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGet } from '../../../src/cluster/https-get.js';
import type { Discovery } from '../../../src/config/types.js';
import { discover } from '../../../src/discovery/discover.js';
import { LocalHost } from '../../../src/host/local.js';
import { caCertHash } from '../../../src/pki/ca-hash.js';
import { createCaCertificate, createLeafCertificate, encodeCertificate } from '../../../src/pki/certificate.js';
import { encodePrivateKey, generateKey } from '../../../src/pki/keys.js';
import { clusterInfoKubeconfig } from '../../../src/tokens/cluster-info.js';
import { detachedJWS } from '../../../src/tokens/jws.js';

/**
 * Discovery against a small HTTPS server that answers like an API server's kube-public/cluster-info (which this
 * test controls: signed, unsigned, tampered, changed between reads).
 */
const TOKEN = 'abcdef.0123456789abcdef';
const PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

let server: https.Server;
let endpoint: string;
let caPem: string;
let otherCaPem: string;
/** What the server answers for cluster-info, per request (the last one repeats). */
let answers: Array<{ status: number; data?: Record<string, string> }> = [];
let requests = 0;

const signed = (kubeconfig: string, secret = '0123456789abcdef') => ({ kubeconfig, 'jws-kubeconfig-abcdef': detachedJWS(kubeconfig, 'abcdef', secret) });
const tokenDiscovery = (pins: string[], unsafe = false): Discovery => ({
  bootstrapToken: { token: TOKEN, apiServerEndpoint: endpoint, caCertHashes: pins, unsafeSkipCAVerification: unsafe },
  tlsBootstrapToken: TOKEN,
});

async function run(discovery: Discovery, timeoutMs = 3000) {
  const lines: string[] = [];
  try {
    const result = await discover(discovery, { host: new LocalHost('/'), get: httpsGet, timeoutMs, log: (l) => lines.push(l) });
    return { result, lines };
  } catch (err) {
    return { error: err as Error, lines };
  }
}

beforeAll(async () => {
  const validity = { now: new Date(), lifetimeMs: 86_400_000 };
  const caKey = await generateKey('ECDSA-P256');
  const ca = await createCaCertificate('kubernetes', caKey, validity);
  const serverKey = await generateKey('ECDSA-P256');
  const cert = await createLeafCertificate(
    { subject: { commonName: 'kube-apiserver' }, usages: ['server'], altNames: { dnsNames: ['localhost'], ips: ['127.0.0.1'] } },
    serverKey,
    { cert: ca, key: caKey },
    validity,
  );
  caPem = encodeCertificate(ca);
  otherCaPem = encodeCertificate(await createCaCertificate('other', await generateKey('ECDSA-P256'), validity));
  server = https.createServer({ key: encodePrivateKey(serverKey.privateKey), cert: encodeCertificate(cert) }, (req, res) => {
    if (req.url !== PATH) return void res.writeHead(404).end('{}');
    const answer = answers[Math.min(requests++, answers.length - 1)];
    res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'ConfigMap', data: answer.data }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const serve = (...list: typeof answers) => {
  answers = list;
  requests = 0;
};

describe('token discovery', () => {
  it('trusts the server once cluster-info is signed for the token, its CA pinned, and the verified read agrees', async () => {
    const kubeconfig = clusterInfoKubeconfig(`https://${endpoint}`, caPem);
    serve({ status: 200, data: signed(kubeconfig) });
    const { result, error } = await run(tokenDiscovery([caCertHash(caPem)]));
    expect(error).toBeUndefined();
    expect(result).toEqual({ trust: { server: `https://${endpoint}`, caCertPem: caPem }, credentials: { token: TOKEN } });
    expect(requests).toBe(2);
  });

  it('waits for the signature of a new token', async () => {
    const kubeconfig = clusterInfoKubeconfig(`https://${endpoint}`, caPem);
    serve({ status: 200, data: { kubeconfig } }, { status: 200, data: { kubeconfig } }, { status: 200, data: signed(kubeconfig) });
    const { result } = await run(tokenDiscovery([caCertHash(caPem)]));
    expect(result?.trust.server).toBe(`https://${endpoint}`);
  });

  it('refuses a CA that is not the pinned one, naming both', async () => {
    const kubeconfig = clusterInfoKubeconfig(`https://${endpoint}`, caPem);
    serve({ status: 200, data: signed(kubeconfig) });
    const { error } = await run(tokenDiscovery([caCertHash(otherCaPem)]));
    expect(error?.message).toContain(`its public key is ${caCertHash(caPem)}, the pins given are ${caCertHash(otherCaPem)}`);
    expect(requests).toBe(1);
  });

  it('refuses a tampered cluster-info at once', async () => {
    const kubeconfig = clusterInfoKubeconfig(`https://${endpoint}`, caPem);
    serve({ status: 200, data: { ...signed(kubeconfig), kubeconfig: clusterInfoKubeconfig('https://10.6.6.6:6443', caPem) } });
    const { error } = await run(tokenDiscovery([caCertHash(caPem)]), 10_000);
    expect(error?.message).toMatch(/the signature of the cluster-info ConfigMap for token id "abcdef" does not match its content/);
    expect(requests).toBe(1);
  });

  it('gives up on an unknown token at the timeout, saying why', async () => {
    serve({ status: 200, data: { kubeconfig: clusterInfoKubeconfig(`https://${endpoint}`, caPem) } });
    const { error } = await run(tokenDiscovery([caCertHash(caPem)]), 800);
    expect(error?.message).toMatch(
      new RegExp(`^discovery at https://${endpoint}: gave up after [0-9.]+m?s: token id "abcdef" is invalid for this cluster or it has expired`),
    );
  });

  it('gives up on an endpoint that does not answer, within the timeout', async () => {
    const { error } = await run(
      { ...tokenDiscovery([caCertHash(caPem)]), bootstrapToken: { token: TOKEN, apiServerEndpoint: '127.0.0.1:1', caCertHashes: [caCertHash(caPem)] } },
      800,
    );
    expect(error?.message).toMatch(/^discovery at https:\/\/127\.0\.0\.1:1: gave up after .*ECONNREFUSED/);
  });

  it('refuses a cluster-info that changes between the unverified and the verified read', async () => {
    const first = clusterInfoKubeconfig(`https://${endpoint}`, caPem);
    const second = clusterInfoKubeconfig('https://10.0.0.9:6443', caPem);
    serve({ status: 200, data: signed(first) }, { status: 200, data: signed(second) });
    const { error } = await run(tokenDiscovery([caCertHash(caPem)]));
    expect(error?.message).toMatch(/read over TLS verified with the pinned CA differs from the first read/);
  });

  it('says loudly that skipping the CA pin is unsafe', async () => {
    serve({ status: 200, data: signed(clusterInfoKubeconfig(`https://${endpoint}`, caPem)) });
    const { result, lines } = await run(tokenDiscovery([], true));
    expect(result?.trust.caCertPem).toBe(caPem);
    expect(lines.some((l) => l.includes('WARNING: UNSAFE'))).toBe(true);
  });
});

describe('file discovery', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-discovery-'));
  const file = (name: string, ca: string, user: Record<string, string> = {}) => {
    const p = path.join(dir, name);
    writeFileSync(
      p,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://${endpoint}`, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return p;
  };

  it("uses the file's cluster and CA, with the TLS bootstrap token given beside it; a 403 on cluster-info is fine", async () => {
    serve({ status: 403 });
    const { result, error } = await run({ file: { kubeConfigPath: file('plain.conf', caPem) }, tlsBootstrapToken: TOKEN });
    expect(error).toBeUndefined();
    expect(result).toEqual({ trust: { server: `https://${endpoint}`, caCertPem: caPem }, credentials: { token: TOKEN } });
  });

  it('takes credentials embedded in the file', async () => {
    serve({ status: 200, data: signed(clusterInfoKubeconfig(`https://${endpoint}`, caPem)) });
    const { result } = await run({ file: { kubeConfigPath: file('token.conf', caPem, { token: TOKEN }) } });
    expect(result?.credentials).toEqual({ token: TOKEN });
  });

  it('refuses a file without credentials for the TLS bootstrap', async () => {
    serve({ status: 403 });
    const { error } = await run({ file: { kubeConfigPath: file('none.conf', caPem) } });
    expect(error?.message).toMatch(/has no credentials for the TLS bootstrap/);
  });

  it("does not trust a server that the file's CA does not verify", async () => {
    serve({ status: 403 });
    const { error } = await run({ file: { kubeConfigPath: file('other.conf', otherCaPem) }, tlsBootstrapToken: TOKEN }, 600);
    expect(error?.message).toMatch(/gave up after .*(certificate|verify)/);
  });
});
