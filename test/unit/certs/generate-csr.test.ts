/**
 * `certs generate-csr` for an external CA: the files kubeadm writes, CSRs asking what kubeadm's ask, and the whole
 * flow with a CA bosun never sees: openssl signs the CSRs with CA keys kept outside the node, the signed files are
 * placed, and check-expiration (bosun's and the real kubeadm's) lists every certificate as externally managed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { expirationObject } from '../../../src/commands/certs/expiration-output.js';
import type { InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import { readExpirationInfo } from '../../../src/node/certificate-expiration.js';
import { planRequests, requestTargets, writeRequest } from '../../../src/node/certificate-requests.js';
import { CERT_LIST, type CaSpec, type LeafSpec } from '../../../src/pki/certlist.js';
import { parseCertificateRequest } from '../../../src/pki/csr.js';
import { x509, type X509 } from '../../../src/pki/x509.js';
import { emitYaml, parseYaml } from '../../../src/util/yaml.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { findKubeadm, kubeadmNode, pkiNode } from '../../support/pki-node.js';
import { runPhase } from '../pki/context.js';

const run = promisify(execFile);
/** Keys for a dozen files, and openssl signing a dozen certificates: seconds on a busy machine. */
const TEST_MS = 60_000;
const DIRS = { certDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes' };

async function generate(host: Host, cfg: InitConfig) {
  const steps = await planRequests(host, requestTargets(cfg, DIRS));
  for (const step of steps) await writeRequest(host, step, cfg);
  return steps;
}

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true, withFileTypes: true })) as { isFile(): boolean; parentPath: string; name: string }[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** What a CSR asks for: its subject and names. */
async function asked(file: string) {
  const csr = parseCertificateRequest(await readFile(file))!;
  const san = csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension) as X509.SubjectAlternativeNameExtension | undefined;
  const names = san?.names.items.map((n) => `${n.type}:${n.value}`);
  return { subject: csr.subjectName.toJSON(), names, valid: await csr.verify() };
}

const cleanups: string[] = [];
afterAll(() => Promise.all(cleanups.map((dir) => rm(dir, { recursive: true, force: true }))));

/** An external CA: its key stays in its own directory, only its certificate goes on the node. */
async function externalCa(dir: string, spec: CaSpec) {
  const base = path.join(dir, spec.name);
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650'],
    ...['-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', `/CN=${spec.commonName}`],
    ...['-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign'],
  ]);
  return { crt: `${base}.crt`, key: `${base}.key` };
}

/** Signs a CSR as a CA operator would: the names it asks for copied, the usages the certificate is for set. */
async function sign(csr: string, ca: { crt: string; key: string }, usages: LeafSpec['usages'], days: number): Promise<string> {
  const ext = `${csr}.ext`;
  const eku = usages.map((u) => (u === 'server' ? 'serverAuth' : 'clientAuth')).join(',');
  await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${eku}\n`);
  const out = `${csr}.signed`;
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.crt,
    '-CAkey',
    ca.key,
    '-set_serial',
    `${Date.now()}`,
    '-days',
    `${days}`,
    '-copy_extensions',
    'copy',
    '-extfile',
    ext,
    '-out',
    out,
  ]);
  const pem = await readFile(out, 'utf8');
  await rm(ext);
  await rm(out);
  return pem;
}

type PkiNode = Awaited<ReturnType<typeof pkiNode>>;

/**
 * What an operator does with the CSRs: signed by CAs whose keys stay outside the node (only their certificates are
 * placed), each certificate beside its key, each kubeconfig given its certificate and the CA.
 */
async function signOutside(node: PkiNode): Promise<void> {
  const caDir = await mkdtemp(path.join(tmpdir(), 'bosun-external-ca-'));
  cleanups.push(caDir);
  const cas = new Map<CaSpec, { crt: string; key: string }>();
  for (const spec of CERT_LIST.filter((s): s is CaSpec => s.kind === 'ca')) {
    const ca = await externalCa(caDir, spec);
    cas.set(spec, ca);
    await writeFile(node.pki(`${spec.baseName}.crt`), await readFile(ca.crt));
  }
  for (const spec of CERT_LIST.filter((s): s is LeafSpec => s.kind === 'leaf')) {
    await writeFile(node.pki(`${spec.baseName}.crt`), await sign(node.pki(`${spec.baseName}.csr`), cas.get(spec.ca)!, spec.usages, 365));
  }
  const clusterCa = cas.get(CERT_LIST[0] as CaSpec)!;
  for (const file of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) {
    const doc = parseYaml(await readFile(node.conf(file), 'utf8')) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
    };
    const b64 = (pem: string) => Buffer.from(pem).toString('base64');
    doc.clusters[0].cluster['certificate-authority-data'] = b64(await readFile(clusterCa.crt, 'utf8'));
    doc.users[0].user['client-certificate-data'] = b64(await sign(node.conf(`${file}.csr`), clusterCa, ['client'], 365));
    await writeFile(node.conf(file), emitYaml(doc));
  }
}

describe('certs generate-csr', { timeout: TEST_MS }, () => {
  it('writes a key and a CSR per leaf certificate and a partial kubeconfig and a CSR per kubeconfig, all 0600', async () => {
    const node = await pkiNode('ECDSA-P256');
    await generate(node.host, node.cfg);
    const files = await filesUnder(path.join(node.root, 'etc/kubernetes'));
    expect(files).toEqual(
      [
        ...CERT_LIST.filter((s) => s.kind === 'leaf').flatMap((s) => [`pki/${s.baseName}.key`, `pki/${s.baseName}.csr`]),
        ...['admin', 'super-admin', 'kubelet', 'controller-manager', 'scheduler'].flatMap((k) => [`${k}.conf`, `${k}.conf.csr`]),
      ].sort(),
    );
    const modes = await Promise.all(files.map(async (f) => (await stat(path.join(node.root, 'etc/kubernetes', f))).mode & 0o777));
    expect(new Set(modes)).toEqual(new Set([0o600]));
    const apiserver = await asked(node.pki('apiserver.csr'));
    expect(apiserver).toMatchObject({ subject: [{ CN: ['kube-apiserver'] }], valid: true });
    expect(apiserver.names).toEqual(expect.arrayContaining(['dns:kubernetes.default.svc', 'dns:api.example.com', 'ip:10.96.0.1', 'ip:192.0.2.10']));
    expect(await asked(node.conf('kubelet.conf.csr'))).toMatchObject({ subject: [{ O: ['system:nodes'] }, { CN: ['system:node:cp-1'] }], names: undefined });
    const admin = parseYaml(await readFile(node.conf('admin.conf'), 'utf8')) as { clusters: { cluster: object }[]; users: { user: object }[] };
    expect(admin.clusters[0].cluster).toEqual({ server: 'https://192.0.2.10:6443' });
    expect(Object.keys(admin.users[0].user)).toEqual(['client-key-data']);
  });

  it('run again, keeps every key and CSR; a CSR lost is asked again for the key on disk', async () => {
    const node = await pkiNode('ECDSA-P256');
    await generate(node.host, node.cfg);
    const key = await readFile(node.pki('apiserver.key'), 'utf8');
    const conf = await readFile(node.conf('admin.conf'), 'utf8');
    await rm(node.pki('apiserver.csr'));
    await rm(node.conf('admin.conf.csr'));
    const steps = await generate(node.host, node.cfg);
    expect(steps.filter((s) => s.writeCsr).map((s) => s.target.name)).toEqual(['apiserver', 'admin.conf']);
    expect(steps.every((s) => s.existingKey)).toBe(true);
    expect(await readFile(node.pki('apiserver.key'), 'utf8')).toBe(key);
    expect(await readFile(node.conf('admin.conf'), 'utf8')).toBe(conf);
    expect((await asked(node.pki('apiserver.csr'))).valid).toBe(true);
  });

  it('refuses a CSR without its key, or for another key, naming the files, before writing anything', async () => {
    const node = await pkiNode('ECDSA-P256');
    await generate(node.host, node.cfg);
    await rm(node.pki('etcd/peer.key'));
    await rm(node.pki('apiserver.key'));
    await rm(node.conf('scheduler.conf'));
    const plan = planRequests(node.host, requestTargets(node.cfg, DIRS));
    await expect(plan).rejects.toThrow('/etc/kubernetes/pki/apiserver.csr exists without its key in /etc/kubernetes/pki/apiserver.key');
    await expect(plan).rejects.toThrow('nothing was written');
    await rm(node.pki('apiserver.csr'));
    await writeFile(node.pki('etcd/peer.key'), await readFile(node.pki('etcd/server.key')));
    await expect(planRequests(node.host, requestTargets(node.cfg, DIRS))).rejects.toThrow(
      '/etc/kubernetes/pki/etcd/peer.csr is not a request for the key in /etc/kubernetes/pki/etcd/peer.key',
    );
    expect(await node.host.stat('/etc/kubernetes/pki/apiserver.key')).toBeUndefined();
  });

  const kubeadm = findKubeadm();
  it.skipIf(!kubeadm)('writes the files kubeadm certs generate-csr writes, asking for the same subjects and names', async () => {
    const ours = await kubeadmNode(kubeadm!);
    const theirs = await kubeadmNode(kubeadm!);
    await generate(ours.host, ours.cfg);
    await run(kubeadm!, ['certs', 'generate-csr', '--config', '/kubeadm.yaml', '--rootfs', theirs.root]);
    const files = await filesUnder(path.join(ours.root, 'etc/kubernetes'));
    expect(files).toEqual(await filesUnder(path.join(theirs.root, 'etc/kubernetes')));
    for (const file of files.filter((f) => f.endsWith('.csr'))) {
      const at = (root: string) => asked(path.join(root, 'etc/kubernetes', file));
      expect(await at(ours.root), file).toEqual(await at(theirs.root));
    }
    const partial = async (root: string) => {
      const doc = parseYaml(await readFile(path.join(root, 'etc/kubernetes/admin.conf'), 'utf8')) as { users: { user: Record<string, string> }[] };
      doc.users[0].user['client-key-data'] = 'key';
      return doc;
    };
    expect(await partial(ours.root)).toEqual(await partial(theirs.root));
  });

  it.skipIf(!kubeadm)('signed by a CA outside the node and placed, every certificate is externally managed for bosun and for kubeadm', async () => {
    const node = await kubeadmNode(kubeadm!);
    await generate(node.host, node.cfg);
    await signOutside(node);
    const info = await readExpirationInfo(node.host, { ...DIRS, localEtcd: true }, new Date());
    const ours = JSON.parse(JSON.stringify(expirationObject(info))) as ReturnType<typeof expirationObject>;
    const theirs = JSON.parse(
      (await run(kubeadm!, ['certs', 'check-expiration', '--config', '/kubeadm.yaml', '--rootfs', node.root, '-o', 'json'])).stdout,
    ) as typeof ours;
    const kubeadmRows = theirs.certificates.length;
    expect(kubeadmRows).toBe(11);
    for (const rows of [ours.certificates.slice(0, kubeadmRows), ours.certificateAuthorities, theirs.certificates, theirs.certificateAuthorities]) {
      expect(rows.map((r) => [r.name, r.externallyManaged, r.missing])).toEqual(rows.map((r) => [r.name, true, false]));
    }
    const toMinute = (rows: typeof ours.certificates) => rows.map(({ residualTime: _, ...r }) => ({ ...r, expirationDate: r.expirationDate?.slice(0, 16) }));
    expect(toMinute(ours.certificates.slice(0, kubeadmRows))).toEqual(toMinute(theirs.certificates));
    expect(toMinute(ours.certificateAuthorities)).toEqual(toMinute(theirs.certificateAuthorities));
  });

  it("then init's certs, kubeconfig and control-plane phases run in external-CA mode: nothing signed, the controller-manager signs nothing", async () => {
    const node = await pkiNode('ECDSA-P256');
    await generate(node.host, node.cfg);
    await signOutside(node);
    const before = await filesUnder(path.join(node.root, 'etc/kubernetes'));
    const recording = new RecordingHost(node.host);
    const lines = [...(await runPhase(node.cfg, recording, 'certs')), ...(await runPhase(node.cfg, recording, 'kubeconfig'))];
    expect(lines).toContain('[certs] Using existing ca keyless certificate authority');
    // Only the service-account key pair is made: it is no certificate, and kubeadm makes it in external-CA mode too.
    expect(recording.actions.map((a) => a.target)).toEqual(['/etc/kubernetes/pki/sa.key', '/etc/kubernetes/pki/sa.pub']);
    await runPhase(node.cfg, node.host, 'certs/sa');
    await runPhase(node.cfg, node.host, 'control-plane');
    const manifest = await readFile(node.conf('manifests/kube-controller-manager.yaml'), 'utf8');
    expect(manifest).toContain('- --cluster-signing-cert-file=\n');
    expect(manifest).toContain('- --cluster-signing-key-file=\n');
    expect(await filesUnder(path.join(node.root, 'etc/kubernetes/pki'))).toEqual(
      [...before.filter((f) => f.startsWith('pki/')).map((f) => f.slice(4)), 'sa.key', 'sa.pub'].sort(),
    );
  });
});
