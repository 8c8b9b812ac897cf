import { afterAll, describe, expect, it } from 'vitest';
import { KUBERNETES_DIR } from '../../../src/kube/paths.js';
import type { LocalHost } from '../../../src/host/local.js';
import { buildKubeconfig, readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { createCaCertificate, createLeafCertificate, encodeCertificate, parseCertificate, type Certificate } from '../../../src/pki/certificate.js';
import { keyMatchesCertificate } from '../../../src/pki/check.js';
import { encodePrivateKey, generateKey, parsePrivateKey } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';
import { emitYaml } from '../../../src/util/yaml.js';
import { renewalRequest, renewForComponent } from '../../../src/node/renew-certificates.js';
import { initConfig, removeTempHosts, tempHost } from './support.js';

afterAll(removeTempHosts);

const PKI = '/etc/kubernetes/pki';
const validity = { now: new Date(Date.now() - 86_400_000), lifetimeMs: 2 * 86_400_000 };

async function withCa(host: LocalHost, base: string, cn: string) {
  const key = await generateKey('ECDSA-P256');
  const cert = await createCaCertificate(cn, key, validity);
  await host.writeFileAtomic(`${PKI}/${base}.crt`, encodeCertificate(cert), 0o644);
  await host.writeFileAtomic(`${PKI}/${base}.key`, encodePrivateKey(key.privateKey), 0o600);
  return { cert, key };
}

async function leaf(
  host: LocalHost,
  base: string,
  ca: { cert: Certificate; key: Awaited<ReturnType<typeof generateKey>> },
  request: Parameters<typeof createLeafCertificate>[0],
) {
  const key = await generateKey('ECDSA-P256');
  const cert = await createLeafCertificate(request, key, ca, validity);
  await host.writeFileAtomic(`${PKI}/${base}.crt`, encodeCertificate(cert), 0o644);
  await host.writeFileAtomic(`${PKI}/${base}.key`, encodePrivateKey(key.privateKey), 0o600);
  return cert;
}

const names = (cert: Certificate) => cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => `${n.type}:${n.value}`) ?? [];

describe('certificate renewal during an upgrade', () => {
  it('keeps subject, usages and names; new key, new validity, same CA', async () => {
    const host = await tempHost();
    const cfg = initConfig();
    const ca = await withCa(host, 'ca', 'kubernetes');
    await withCa(host, 'front-proxy-ca', 'front-proxy-ca');
    await withCa(host, 'etcd/ca', 'etcd-ca');
    const old = await leaf(host, 'apiserver', ca, {
      subject: { commonName: 'kube-apiserver' },
      usages: ['server'],
      altNames: { dnsNames: ['kubernetes', 'kubernetes.default'], ips: ['10.96.0.1', '192.0.2.10'] },
    });
    const oldClient = await leaf(host, 'apiserver-kubelet-client', ca, {
      subject: { commonName: 'kube-apiserver-kubelet-client', organization: ['a', 'b'] },
      usages: ['client'],
    });
    const lines: string[] = [];
    await renewForComponent(host, cfg.cluster, 'kube-apiserver', (l) => lines.push(l));
    const renewed = parseCertificate((await host.readFile(`${PKI}/apiserver.crt`))!)!;
    expect(renewed.subject).toBe(old.subject);
    expect(names(renewed)).toEqual(names(old));
    expect(renewalRequest(renewed)).toEqual(renewalRequest(old));
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(old.notAfter.getTime());
    expect(await renewed.verify({ publicKey: ca.cert.publicKey, signatureOnly: true })).toBe(true);
    const key = parsePrivateKey((await host.readFile(`${PKI}/apiserver.key`))!)!;
    expect(keyMatchesCertificate(key, renewed)).toBe(true);
    expect(keyMatchesCertificate(key, old)).toBe(false);
    expect((await host.stat(`${PKI}/apiserver.key`))?.mode).toBe(0o600);
    expect(renewalRequest(parseCertificate((await host.readFile(`${PKI}/apiserver-kubelet-client.crt`))!)!)).toEqual(renewalRequest(oldClient));
    // front-proxy-client and apiserver-etcd-client are not on this node: said, not failed.
    expect(lines).toContain(`[upgrade/staticpods] ${PKI}/front-proxy-client.crt not found: the "front-proxy-client" certificate is not renewed`);
  });

  it('leaves certificates of an external CA (no CA key on the node) alone', async () => {
    const host = await tempHost();
    const ca = await withCa(host, 'etcd/ca', 'etcd-ca');
    const old = await leaf(host, 'etcd/server', ca, { subject: { commonName: 'cp-1' }, usages: ['server', 'client'] });
    await host.remove(`${PKI}/etcd/ca.key`);
    await renewForComponent(host, initConfig().cluster, 'etcd', () => undefined);
    expect(parseCertificate((await host.readFile(`${PKI}/etcd/server.crt`))!)!.serialNumber).toBe(old.serialNumber);
  });

  it('renews the client certificate a kubeconfig embeds, keeping the rest', async () => {
    const host = await tempHost();
    const ca = await withCa(host, 'ca', 'kubernetes');
    const key = await generateKey('ECDSA-P256');
    const cert = await createLeafCertificate({ subject: { commonName: 'system:kube-scheduler' }, usages: ['client'] }, key, ca, validity);
    const kubeconfig = buildKubeconfig({
      clusterName: 'kubernetes',
      server: 'https://192.0.2.10:6443',
      caCertPem: encodeCertificate(ca.cert),
      userName: 'system:kube-scheduler',
      credentials: { clientCertPem: encodeCertificate(cert), clientKeyPem: encodePrivateKey(key.privateKey) },
    });
    await host.writeFileAtomic(`${KUBERNETES_DIR}/scheduler.conf`, emitYaml(kubeconfig), 0o600);
    await renewForComponent(host, initConfig().cluster, 'kube-scheduler', () => undefined);
    const target = readKubeconfigTarget((await host.readFile(`${KUBERNETES_DIR}/scheduler.conf`))!.toString('utf8'));
    const renewed = parseCertificate(target.clientCertPem!)!;
    expect(target.server).toBe('https://192.0.2.10:6443');
    expect(renewed.subject).toBe('CN=system:kube-scheduler');
    expect(renewed.serialNumber).not.toBe(cert.serialNumber);
    expect(keyMatchesCertificate(parsePrivateKey(target.clientKeyPem!)!, renewed)).toBe(true);
    expect((await host.stat(`${KUBERNETES_DIR}/scheduler.conf`))?.mode).toBe(0o600);
  });
});
