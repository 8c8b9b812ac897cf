/**
 * bosun's static Pods and kubelet files against what the real kubeadm (v1.36.3, v1.37.1) wrote for the same
 * configs (recorded under test/data/kubeadm-reference, see its README). Only reads recordings: no kubeadm needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalHost } from '../../src/host/local.js';
import { localMachine } from '../../src/host/machine.js';
import { controlPlanePhase } from '../../src/commands/init/phases/control-plane.js';
import { etcdPhase } from '../../src/commands/init/phases/etcd.js';
import { runKubeletStart } from '../../src/commands/init/phases/kubelet-start.js';
import { emitYaml, parseYaml } from '../../src/util/yaml.js';
import { RECORDING_HOSTNAME, REFERENCE_CASES, filesUnder, resolvedCaseConfig } from '../data/kubeadm-reference/cases.js';
import { collectingIO, runPhase, testContext } from '../unit/manifests/support.js';

const roots: string[] = [];

beforeAll(() => {
  // kubeadm passes the environment's *_proxy variables to the components; the recordings were made without any.
  for (const name of Object.keys(process.env).filter((n) => n.toLowerCase().endsWith('_proxy'))) vi.stubEnv(name, '');
});

afterAll(() => {
  vi.unstubAllEnvs();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Same content, and the same key order: re-emitting kubeadm's file through bosun's emitter gives bosun's file. */
function expectSameYaml(ours: string, theirs: string): void {
  expect(parseYaml(ours)).toEqual(parseYaml(theirs));
  expect(ours).toBe(emitYaml(parseYaml(theirs)));
}

describe.each(REFERENCE_CASES)('kubeadm $id: static Pods and kubelet files', (c) => {
  // What the control-plane, etcd and kubelet-start phases wrote (pki.json is the certs and kubeconfig phases').
  const expected = filesUnder(c.dir)
    .filter((f) => f.startsWith('etc/') || f.startsWith('var/'))
    .sort();
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'bosun-ref-'));
    roots.push(root);
    // Like the recording's rootfs: two of the optional CA bundle directories exist.
    for (const dir of ['etc/ca-certificates', 'usr/share/ca-certificates']) mkdirSync(path.join(root, dir), { recursive: true });
    const ctx = testContext(resolvedCaseConfig(c), new LocalHost(root));
    const io = collectingIO();
    await runPhase(controlPlanePhase, ctx, io);
    await runPhase(etcdPhase, ctx, io);
    await runKubeletStart(ctx, io, { ...localMachine, hostname: () => RECORDING_HOSTNAME });
  });

  it('writes the same files', () => {
    const written = ['etc/kubernetes', 'var/lib/kubelet'].flatMap((dir) => filesUnder(root, dir));
    expect(written.sort()).toEqual(expected);
  });

  const manifests = expected.filter((f) => f.startsWith('etc/kubernetes/manifests/'));
  it.each(manifests)('%s: same Pod, same key order, mode 0600', (file) => {
    expectSameYaml(readFileSync(path.join(root, file), 'utf8'), readFileSync(path.join(c.dir, file), 'utf8'));
    expect(statSync(path.join(root, file)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(root, 'etc/kubernetes/manifests')).mode & 0o777).toBe(0o700);
  });

  it('kubeadm-flags.env is identical', () => {
    const file = 'var/lib/kubelet/kubeadm-flags.env';
    expect(readFileSync(path.join(root, file), 'utf8')).toBe(readFileSync(path.join(c.dir, file), 'utf8'));
  });

  it('instance-config.yaml holds the same CRI endpoint', () => {
    const file = 'var/lib/kubelet/instance-config.yaml';
    expect(parseYaml(readFileSync(path.join(root, file), 'utf8'))).toEqual(parseYaml(readFileSync(path.join(c.dir, file), 'utf8')));
  });

  it('config.yaml says what kubeadm writes, zero values and key order included', () => {
    const file = 'var/lib/kubelet/config.yaml';
    expectSameYaml(readFileSync(path.join(root, file), 'utf8'), readFileSync(path.join(c.dir, file), 'utf8'));
    for (const f of ['config.yaml', 'instance-config.yaml', 'kubeadm-flags.env']) {
      expect(statSync(path.join(root, 'var/lib/kubelet', f)).mode & 0o777).toBe(0o644);
    }
  });
});
