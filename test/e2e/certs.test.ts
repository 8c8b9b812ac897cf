/**
 * `bosun certs` against the real kubeadm on a sandbox control plane: check-expiration lists what
 * `kubeadm certs check-expiration` lists, with the same expiry; after `bosun certs renew all` the API server serves
 * the renewed certificate and kubeadm accepts the renewed files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { kubernetesArtifact } from '../../src/sandbox/binaries.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/versions/pinned.js';
import { binary } from '../support/control-plane.js';
import { BOSUN, runCommand, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';

const LONG = 900_000;
/** kubeadm reads its configuration inside the node's root (it chroots into --rootfs). */
const KUBEADM_CONFIG = '/tmp/check-expiration.yaml';

interface Entry {
  name: string;
  residualTime: number;
  expirationDate: string | null;
  externallyManaged: boolean;
  caName?: string;
  missing: boolean;
}
interface ExpirationInfo {
  kind: string;
  apiVersion: string;
  certificates: Entry[];
  certificateAuthorities: Entry[];
}

/** What both tools must agree on: each row with its expiry to the minute (the residual time moves on between the runs). */
const toMinute = (entries: Entry[]) => entries.map(({ residualTime: _, ...e }) => ({ ...e, expirationDate: e.expirationDate?.slice(0, 16) ?? null }));

describe('bosun certs on a sandbox control plane, against kubeadm', () => {
  let sandbox: Sandbox;
  let rootfs: string;
  let netns: string;
  let kubeadm: string;

  const ok = (result: CliResult, what: string) => {
    expect(result.code, `${what}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  /** `bosun certs …` on the control-plane node, inside its network namespace, as `sandbox up` runs init. */
  const certs = (...args: string[]) => runCommand(['ip', 'netns', 'exec', netns, process.execPath, BOSUN, 'certs', ...args, '--rootfs', rootfs]);
  const kubeadmCheck = async (): Promise<ExpirationInfo> =>
    JSON.parse(ok(await runCommand([kubeadm, 'certs', 'check-expiration', '--rootfs', rootfs, '--config', KUBEADM_CONFIG, '-o', 'json']), 'kubeadm'));
  const bosunCheck = async (): Promise<ExpirationInfo> => JSON.parse(ok(await certs('check-expiration', '-o', 'json'), 'bosun certs check-expiration'));
  const pki = (file: string) => parseCertificate(readFileSync(path.join(rootfs, 'etc/kubernetes/pki', file)))!;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const state = JSON.parse(readFileSync(path.join(sandbox.dir, 'state.json'), 'utf8')) as SandboxState;
    netns = state.nodes.find((n) => n.name === 'control-plane')!.network!.netns;
    rootfs = path.join(sandbox.dir, 'nodes/control-plane');
    kubeadm = await binary('kubeadm', kubernetesArtifact(DEFAULT_KUBERNETES_VERSION));
    mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
    writeFileSync(
      path.join(rootfs, KUBEADM_CONFIG),
      `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: ${DEFAULT_KUBERNETES_VERSION}\n`,
    );
  }, LONG);

  afterAll(async () => {
    await sandbox?.down();
  });

  it("check-expiration lists what kubeadm lists, with the same expiry to the minute, and the kubelet's certificates after them", async () => {
    const [theirs, ours] = [await kubeadmCheck(), await bosunCheck()];
    expect(ours).toMatchObject({ kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3' });
    const names = theirs.certificates.map((c) => c.name);
    expect(names.length).toBeGreaterThan(5);
    expect(toMinute(ours.certificates.slice(0, names.length))).toEqual(toMinute(theirs.certificates));
    expect(toMinute(ours.certificateAuthorities)).toEqual(toMinute(theirs.certificateAuthorities));
    const kubelet = ours.certificates.slice(names.length);
    expect(kubelet.map((c) => c.name)).toContain('kubelet-client');
    expect(kubelet.find((c) => c.name === 'kubelet-client')).toMatchObject({ caName: 'ca', missing: false });

    // kubeadm's table, byte for byte, with the kubelet's rows added at the end of the certificates.
    const table = ok(await certs('check-expiration'), 'bosun certs check-expiration');
    const kubeadmTable = ok(await runCommand([kubeadm, 'certs', 'check-expiration', '--rootfs', rootfs, '--config', KUBEADM_CONFIG]), 'kubeadm');
    const kubeletRows = new RegExp(`^(${kubelet.map((c) => c.name).join('|')}) .*\\n`, 'gm');
    expect(table.replace(kubeletRows, '')).toBe(kubeadmTable);
  });

  it(
    'renew all: new certificates, the API server serves its new one, and kubeadm reads every renewed file',
    async () => {
      const before = { apiserver: pki('apiserver.crt').serialNumber, etcd: pki('etcd/server.crt').serialNumber };
      const dryRun = ok(await certs('renew', 'all', '--dry-run'), 'bosun certs renew all --dry-run');
      expect(dryRun).toContain('would then restart, one at a time: etcd, kube-apiserver, kube-controller-manager, kube-scheduler');
      expect(pki('apiserver.crt').serialNumber).toBe(before.apiserver);

      const renewed = ok(await certs('renew', 'all'), 'bosun certs renew all');
      expect(renewed).toContain('[certs] kube-scheduler is Ready');
      const apiserver = pki('apiserver.crt').serialNumber;
      expect(apiserver).not.toBe(before.apiserver);
      expect(pki('etcd/server.crt').serialNumber).not.toBe(before.etcd);
      const server = readKubeconfigTarget(readFileSync(sandbox.kubeconfig, 'utf8')).server;
      expect(serial((await servedCertificate(server)).serialNumber)).toBe(serial(apiserver));

      const theirs = await kubeadmCheck();
      expect(theirs.certificates.filter((c) => c.missing)).toEqual([]);
      expect(toMinute((await bosunCheck()).certificates.slice(0, theirs.certificates.length))).toEqual(toMinute(theirs.certificates));
      expect(await sandbox.kubectlOk('get', '--raw', '/readyz')).toBe('ok');
      // Nothing expires within a day: --before renews nothing, and restarts nothing.
      const notDue = ok(await certs('renew', 'all', '--before', '1d'), 'bosun certs renew all --before 1d');
      expect(notDue).not.toContain('Restarting');
      expect(pki('apiserver.crt').serialNumber).toBe(apiserver);
    },
    LONG,
  );
});

/** A serial number as hex without leading zeros, however it was printed. */
const serial = (hex: string) => hex.toLowerCase().replace(/^0+/, '');

/** The certificate a TLS server presents, read without trusting it. */
function servedCertificate(server: string): Promise<tls.PeerCertificate> {
  const url = new URL(server);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port || 443), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}
