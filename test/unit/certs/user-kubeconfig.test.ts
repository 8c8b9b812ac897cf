import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { controlPlaneURL } from '../../../src/kubeconfig/specs.js';
import { nodePkiFromInit } from '../../../src/pki/input.js';
import { parseCertificate, type Certificate } from '../../../src/pki/certificate.js';
import { keyMatchesCertificate } from '../../../src/pki/check.js';
import { parsePrivateKey } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';
import { userKubeconfig, type UserKubeconfigCluster } from '../../../src/node/user-kubeconfig.js';
import { emitYaml, parseYaml } from '../../../src/util/yaml.js';
import { findKubeadm, kubeadmNode, openssl, pkiNode } from '../../support/pki-node.js';
import { runPhase } from '../pki/context.js';

const run = promisify(execFile);
const HOUR_MS = 3_600_000;

async function nodeWithCa() {
  const node = await pkiNode('ECDSA-P256');
  node.cfg.cluster.clusterName = 'prod';
  node.cfg.cluster.controlPlaneEndpoint = 'lb.example:7443';
  await runPhase(node.cfg, node.host, 'certs/ca');
  const { clusterName, certificatesDir, encryptionAlgorithm } = node.cfg.cluster;
  const cluster: UserKubeconfigCluster = { clusterName, certificatesDir, encryptionAlgorithm, server: controlPlaneURL(nodePkiFromInit(node.cfg)) };
  return { ...node, cluster };
}

const user = { clientName: 'jane', organizations: ['dev', 'ops'], validityMs: 2 * HOUR_MS };
const subjectOf = (cert: Certificate) => cert.subjectName.toJSON();

describe('kubeconfig user', () => {
  it('signs a client certificate for the name and organizations with the cluster CA, from the CA’s start for the validity asked', async () => {
    const node = await nodeWithCa();
    const now = new Date();
    const text = emitYaml(await userKubeconfig(node.host, node.cluster, user, now));
    const target = readKubeconfigTarget(text);
    expect(target.server).toBe('https://lb.example:7443');
    expect(text).toContain('current-context: jane@prod');
    const cert = parseCertificate(target.clientCertPem!)!;
    const ca = parseCertificate(target.caCertPem!)!;
    expect(subjectOf(cert)).toEqual([{ O: ['dev', 'ops'] }, { CN: ['jane'] }]);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(cert.notBefore).toEqual(ca.notBefore);
    expect(Math.abs(cert.notAfter.getTime() - (now.getTime() + 2 * HOUR_MS))).toBeLessThan(1000);
    expect(await keyMatchesCertificate(parsePrivateKey(target.clientKeyPem!)!, cert)).toBe(true);
    await expect(openssl(['verify', '-CAfile', node.pki('ca.crt')], target.clientCertPem)).resolves.toBeDefined();
  });

  it('with a token, embeds the CA and the token and signs nothing, so an external CA (no ca.key) is enough', async () => {
    const node = await nodeWithCa();
    await rm(node.pki('ca.key'));
    const kubeconfig = await userKubeconfig(node.host, node.cluster, { ...user, token: 'abcdef.0123456789abcdef' }, new Date());
    expect(kubeconfig.users).toEqual([{ name: 'jane', user: { token: 'abcdef.0123456789abcdef' } }]);
    expect(kubeconfig.clusters[0].cluster['certificate-authority-data']).toBeDefined();
  });

  it('refuses a client certificate when the CA key is not on the node, naming the key', async () => {
    const node = await nodeWithCa();
    await rm(node.pki('ca.key'));
    await expect(userKubeconfig(node.host, node.cluster, user, new Date())).rejects.toThrow(/pki\/ca\.key is missing \(external CA\).*use --token/);
  });

  it('refuses when there is no cluster CA, naming the file', async () => {
    const node = await pkiNode('ECDSA-P256');
    const { clusterName, certificatesDir, encryptionAlgorithm } = node.cfg.cluster;
    await expect(
      userKubeconfig(node.host, { clusterName, certificatesDir, encryptionAlgorithm, server: 'https://192.0.2.10:6443' }, user, new Date()),
    ).rejects.toThrow('/etc/kubernetes/pki/ca.crt is missing');
  });

  const kubeadm = findKubeadm();
  it.skipIf(!kubeadm)('renders what kubeadm kubeconfig user prints for the same user and CA (but the key and certificate)', async () => {
    const node = await kubeadmNode(kubeadm!);
    const flags = ['--config', '/kubeadm.yaml', '--rootfs', node.root];
    await run(kubeadm!, ['init', 'phase', 'certs', 'ca', ...flags]);
    const theirs = (await run(kubeadm!, ['kubeconfig', 'user', '--client-name', 'jane', '--org', 'dev,ops', '--validity-period', '2h', ...flags])).stdout;
    const { clusterName, certificatesDir, encryptionAlgorithm } = node.cfg.cluster;
    const cluster = { clusterName, certificatesDir, encryptionAlgorithm, server: controlPlaneURL(nodePkiFromInit(node.cfg)) };
    const ours = emitYaml(await userKubeconfig(node.host, cluster, user, new Date()));
    const masked = (text: string) => {
      const doc = parseYaml(text) as { users: { user: Record<string, string> }[] };
      for (const field of ['client-certificate-data', 'client-key-data']) doc.users[0].user[field] = field;
      return doc;
    };
    expect(masked(ours)).toEqual(masked(theirs));
    const certOf = (text: string) => parseCertificate(readKubeconfigTarget(text).clientCertPem!)!;
    expect(subjectOf(certOf(ours))).toEqual(subjectOf(certOf(theirs)));
    expect(certOf(ours).notBefore).toEqual(certOf(theirs).notBefore);
    const theirKey = parsePrivateKey(readKubeconfigTarget(theirs).clientKeyPem!)!;
    expect(theirKey.privateKey.asymmetricKeyType).toBe(parsePrivateKey(readKubeconfigTarget(ours).clientKeyPem!)!.privateKey.asymmetricKeyType);
  });
});
