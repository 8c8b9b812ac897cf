import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { defaultInitConfig } from '../../../src/config/defaults.js';
import type { EncryptionAlgorithm, InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import type { InitContext } from '../../../src/commands/init/context.js';
import { initPhases } from '../../../src/commands/init/phases.js';
import { parseCertificate } from '../../../src/pki/certificate.js';
import { KeyPool } from '../../../src/pki/key-pool.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { recorder } from '../../support/workflow.js';

export const NODE_NAME = 'cp-1';
export const ADVERTISE = '192.0.2.10';

/** kubeadm's defaults with this node's name and address, as `resolveInitConfig` would fill them. */
export function testConfig(algorithm: EncryptionAlgorithm = 'ECDSA-P256', edit?: (cfg: InitConfig) => void): InitConfig {
  const cfg = defaultInitConfig();
  cfg.init.nodeRegistration.name = NODE_NAME;
  cfg.init.localAPIEndpoint.advertiseAddress = ADVERTISE;
  cfg.cluster.encryptionAlgorithm = algorithm;
  edit?.(cfg);
  return cfg;
}

export function testContext(cfg: InitConfig, host: Host): InitContext {
  return {
    cfg,
    host,
    options: {
      ignorePreflightErrors: new Set(),
      uploadCerts: false,
      skipTokenPrint: true,
      skipCertificateKeyPrint: true,
      kubeconfigPath: '/etc/kubernetes/admin.conf',
    },
    keys: new KeyPool(),
    cluster: () => Promise.reject(new Error('no cluster in PKI tests')),
  };
}

/** Runs `bosun init phase <only>` on `host` and returns the progress lines the phases logged. */
export async function runPhase(cfg: InitConfig, host: Host, only: string): Promise<string[]> {
  const progress = recorder();
  await runWorkflow(initPhases, testContext(cfg, host), { only, sink: progress });
  return progress
    .lines()
    .flatMap((line) => line.split('\n'))
    .map((l) => /(\[(certs|kubeconfig)\] .*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** A fresh rootfs in the temp dir, removed by the returned cleanup. */
export async function tempRoot(): Promise<{ root: string; host: LocalHost; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'bosun-pki-'));
  return { root, host: new LocalHost(root), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A fresh rootfs for the running test, removed when it finishes; `pki` and `conf` name files under it. */
export async function freshRoot() {
  const t = await tempRoot();
  onTestFinished(t.cleanup);
  const pki = (file: string) => path.join(t.root, 'etc/kubernetes/pki', file);
  const conf = (file: string) => path.join(t.root, 'etc/kubernetes', file);
  return { ...t, pki, conf };
}

/** The certificate in a file, which must hold one. */
export async function cert(file: string) {
  const parsed = parseCertificate(await readFile(file));
  if (!parsed) throw new Error(`${file} is no certificate`);
  return parsed;
}
