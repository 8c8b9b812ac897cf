/** What the join end-to-end tests check a node and a cluster with: a node's files, a discovery file over HTTPS, raw TLS calls. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { createLeafCertificate, encodeCertificate, parseCertificate } from '../../src/pki/certificate.js';
import { encodePrivateKey, generateKey, parsePrivateKey } from '../../src/pki/keys.js';

/** Every file under a directory (relative paths), empty when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * Serves a discovery kubeconfig (the admin kubeconfig's server and CA, no credentials) on 127.0.0.1 over HTTPS,
 * with a serving certificate the cluster CA in `pkiDir` signs; `url` is the file's address.
 */
export async function serveDiscoveryFile(adminKubeconfig: string, pkiDir: string): Promise<{ url: string; close(): void }> {
  const ca = { cert: parseCertificate(readFileSync(path.join(pkiDir, 'ca.crt')))!, key: parsePrivateKey(readFileSync(path.join(pkiDir, 'ca.key')))! };
  const key = await generateKey('ECDSA-P256');
  const cert = await createLeafCertificate(
    { subject: { commonName: 'discovery' }, usages: ['server'], altNames: { dnsNames: [], ips: ['127.0.0.1'] } },
    key,
    ca,
    { now: new Date(), lifetimeMs: 3_600_000 },
  );
  const admin = readKubeconfigTarget(readFileSync(adminKubeconfig, 'utf8'));
  const discoveryConf = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: admin.server, 'certificate-authority-data': Buffer.from(admin.caCertPem!).toString('base64') } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: '' } }],
    'current-context': 'x',
  });
  const server = https.createServer({ cert: encodeCertificate(cert), key: encodePrivateKey(key.privateKey) }, (_req, res) => res.end(discoveryConf));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/discovery.conf`, close: () => server.close() };
}

/** One HTTPS call with the given TLS options: a POST of `{}` to etcd's v3 JSON gateway (`/v3/…`), a GET otherwise. */
export function tlsCall(url: string, tls: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: url.includes('/v3/') ? 'POST' : 'GET', ...tls }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(url.includes('/v3/') ? '{}' : undefined);
  });
}
