import { readFile, rm } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseWindow } from '../../../src/commands/certs/renew.js';
import { readExpirationInfo } from '../../../src/node/certificate-expiration.js';
import { componentsToRestart, planRenewals, renewOne, type RenewalRequest } from '../../../src/node/certificate-renewal.js';
import { parseCertificate } from '../../../src/pki/certificate.js';
import { parsePrivateKey } from '../../../src/pki/keys.js';
import { keyMatchesCertificate } from '../../../src/pki/check.js';
import { pkiNode } from '../../support/pki-node.js';

const ALL: RenewalRequest = { names: 'all', kubeconfigDir: '/etc/kubernetes' };
const named = (name: string): RenewalRequest => ({ ...ALL, names: [name] });

describe('certs renew: what is renewed and what is refused', () => {
  let node: Awaited<ReturnType<typeof pkiNode>>;

  beforeAll(async () => {
    node = await pkiNode('ECDSA-P256');
    await node.init();
  });

  it('refuses an unknown name, naming it and every name it takes', async () => {
    await expect(planRenewals(node.host, node.cfg.cluster, named('apiserver-kubelet'), new Date())).rejects.toThrow(
      /unknown certificate "apiserver-kubelet"; certs renew takes all or one of: admin\.conf, apiserver, .*super-admin\.conf/,
    );
  });

  it('never renews a CA: "ca" is not one of its names', async () => {
    await expect(planRenewals(node.host, node.cfg.cluster, named('ca'), new Date())).rejects.toThrow('unknown certificate "ca"');
  });

  it('renews every leaf certificate and kubeconfig with --before wide enough, nothing with a short one', async () => {
    const all = await planRenewals(node.host, node.cfg.cluster, { ...ALL, beforeMs: 400 * 86_400_000 }, new Date());
    expect(all.renew.map((r) => r.name)).toEqual(expect.arrayContaining(['apiserver', 'etcd-peer', 'admin.conf', 'scheduler.conf']));
    expect(all.refused).toEqual([]);
    expect(all.renew).toHaveLength(11);
    expect(componentsToRestart(all.renew.map((r) => r.name))).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    const none = await planRenewals(node.host, node.cfg.cluster, { ...ALL, beforeMs: 30 * 86_400_000 }, new Date());
    expect(none.renew).toEqual([]);
    expect(none.notDue).toHaveLength(11);
  });

  it('renews a key and its certificate together: the new pair matches, with the same subject and names', async () => {
    const plan = await planRenewals(node.host, node.cfg.cluster, named('apiserver'), new Date());
    const old = plan.renew[0].cert;
    await renewOne(node.host, node.cfg.cluster, plan.renew[0], () => {});
    const cert = parseCertificate(await readFile(node.pki('apiserver.crt')))!;
    const key = parsePrivateKey(await readFile(node.pki('apiserver.key')))!;
    expect(keyMatchesCertificate(key, cert)).toBe(true);
    expect(cert.serialNumber).not.toBe(old.serialNumber);
    expect(cert.subject).toBe(old.subject);
    expect(cert.getExtension('2.5.29.17')?.value).toEqual(old.getExtension('2.5.29.17')?.value);
  });

  it('refuses a missing certificate, naming the file; with all, the others are still renewed', async () => {
    await rm(node.pki('front-proxy-client.crt'));
    const plan = await planRenewals(node.host, node.cfg.cluster, named('front-proxy-client'), new Date());
    expect(plan.renew).toEqual([]);
    expect(plan.refused).toEqual([
      { name: 'front-proxy-client', reason: expect.stringContaining('/etc/kubernetes/pki/front-proxy-client.crt does not exist') },
    ]);
    const all = await planRenewals(node.host, node.cfg.cluster, ALL, new Date());
    expect(all.renew).toHaveLength(10);
  });

  it('refuses what an external CA signed (its certificate without its key), per certificate, with the reason', async () => {
    await rm(node.pki('ca.key'));
    const all = await planRenewals(node.host, node.cfg.cluster, ALL, new Date());
    const refused = all.refused.filter((r) => r.reason.includes('externally managed'));
    expect(refused.map((r) => r.name).sort()).toEqual([
      'admin.conf',
      'apiserver',
      'apiserver-kubelet-client',
      'controller-manager.conf',
      'scheduler.conf',
      'super-admin.conf',
    ]);
    expect(refused[0].reason).toContain('its CA "ca" is externally managed (/etc/kubernetes/pki/ca.crt without /etc/kubernetes/pki/ca.key)');
    expect(all.renew.map((r) => r.name)).toEqual(['apiserver-etcd-client', 'etcd-healthcheck-client', 'etcd-peer', 'etcd-server']);

    const info = await readExpirationInfo(node.host, { certDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes', localEtcd: true }, new Date());
    expect(info.certificateAuthorities.map((c) => [c.name, c.externallyManaged])).toEqual([
      ['ca', true],
      ['etcd-ca', false],
      ['front-proxy-ca', false],
    ]);
    expect(info.certificates.find((c) => c.name === 'front-proxy-client')).toMatchObject({ missing: true });
    expect(info.certificates.find((c) => c.name === 'admin.conf')).toMatchObject({ caName: 'ca', externallyManaged: true, missing: false });
  });
});

describe('certs renew --before', () => {
  it('takes days or a Go duration, and refuses anything else naming the flag', () => {
    expect(parseWindow('30d', '--before')).toBe(30 * 86_400_000);
    expect(parseWindow('720h', '--before')).toBe(30 * 86_400_000);
    expect(() => parseWindow('a month', '--before')).toThrow(/--before.*"a month" is not a duration/);
    expect(() => parseWindow('-5h', '--before')).toThrow(/not a duration/);
  });
});
