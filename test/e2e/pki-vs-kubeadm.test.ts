/**
 * bosun's `certs` and `kubeconfig` phases against what the real kubeadm (v1.36.3, v1.37.1) wrote for the same
 * configs: subjects, issuers, SANs, usages, extensions, key types, validity (backdate and lifetime), kubeconfig
 * servers, CAs and users, file modes. Reads the summaries in test/data/kubeadm-reference/<version>/<case>/pki.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { certsPhase } from '../../src/commands/init/phases/certs.js';
import { kubeconfigPhase } from '../../src/commands/init/phases/kubeconfig.js';
import { LocalHost } from '../../src/host/local.js';
import { REFERENCE_CASES, resolvedCaseConfig } from '../data/kubeadm-reference/cases.js';
import { summarizePki, type KubeconfigSummary, type PkiSummary } from '../data/kubeadm-reference/summarize.js';
import { collectingIO, runPhase, testContext } from '../unit/manifests/support.js';

const roots: string[] = [];

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe.each(REFERENCE_CASES)('kubeadm $id: certificates and kubeconfigs', (c) => {
  const theirs = JSON.parse(readFileSync(path.join(c.dir, 'pki.json'), 'utf8')) as PkiSummary;
  let ours: PkiSummary;

  beforeAll(async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-pki-'));
    roots.push(root);
    const cfg = resolvedCaseConfig(c);
    const ctx = testContext(cfg, new LocalHost(root));
    const io = collectingIO();
    // A frozen clock moved on between the phases, as kubeadm ran them 2s apart: a kubeconfig's client
    // certificate taking its CA's notBefore (kubeadm) shows apart from one taking "now - 5m".
    const certs = new Date();
    vi.useFakeTimers({ toFake: ['Date'], now: certs });
    try {
      await runPhase(certsPhase, ctx, io);
      const kubeconfig = new Date(certs.getTime() + 2000);
      vi.setSystemTime(kubeconfig);
      await runPhase(kubeconfigPhase, ctx, io);
      ours = summarizePki({ certDir: path.join(root, cfg.cluster.certificatesDir), kubeconfigDir: path.join(root, 'etc/kubernetes') }, { certs, kubeconfig });
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes the same files under the certificates dir, with the same modes and PEM blocks', () => {
    const shape = (s: PkiSummary) => Object.fromEntries(Object.entries(s.files).map(([name, f]) => [name, [f.mode, ...f.pem, f.key ?? '']]));
    expect(shape(ours)).toEqual(shape(theirs));
  });

  it.each(Object.keys(theirs.files).filter((name) => theirs.files[name].certificate))('%s: same certificate', (name) => {
    expect(ours.files[name]?.certificate).toEqual(theirs.files[name].certificate);
  });

  it('writes the same kubeconfig files', () => {
    expect(Object.keys(ours.kubeconfigs)).toEqual(Object.keys(theirs.kubeconfigs));
  });

  /** A kubeconfig's summary without its client certificate's start, which the next test compares. */
  const identity = (k: KubeconfigSummary | undefined) =>
    k && {
      ...k,
      users: k.users.map(({ clientCertificate, ...user }) => ({
        ...user,
        clientCertificate: clientCertificate && { ...clientCertificate, notBeforeIsIssuers: undefined },
      })),
    };

  it.each(Object.keys(theirs.kubeconfigs))('%s: same cluster, server, CA, context, user and client certificate', (name) => {
    expect(identity(ours.kubeconfigs[name])).toEqual(identity(theirs.kubeconfigs[name]));
  });

  it("kubeconfigs' client certificates start when their CA does, as kubeadm signs them", () => {
    const starts = (s: PkiSummary) => Object.entries(s.kubeconfigs).map(([name, k]) => [name, k.users.map((u) => u.clientCertificate?.notBeforeIsIssuers)]);
    expect(starts(ours)).toEqual(starts(theirs));
  });
});
