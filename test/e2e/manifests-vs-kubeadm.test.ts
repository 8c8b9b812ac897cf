/**
 * bosun's static Pods and kubelet files against what the real kubeadm v1.37.1 wrote for the same configs
 * (recorded under test/data/kubeadm-reference, see its README). Only reads recordings: no kubeadm needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalHost } from '../../src/host/local.js';
import { localMachine } from '../../src/host/machine.js';
import { controlPlanePhase } from '../../src/commands/init/phases/control-plane.js';
import { etcdPhase } from '../../src/commands/init/phases/etcd.js';
import { runKubeletStart } from '../../src/commands/init/phases/kubelet-start.js';
import { emitYaml, parseYaml } from '../../src/util/yaml.js';
import { collectingIO, configFromFile, runPhase, testContext } from '../unit/manifests/support.js';

const REFERENCE = path.resolve(import.meta.dirname, '../data/kubeadm-reference/v1.37.1');
/** The hostname of the machine the recordings were made on (kubeadm compares it with the node name). */
const RECORDING_HOSTNAME = 'vm';
const CASES = readdirSync(REFERENCE).filter((entry) => statSync(path.join(REFERENCE, entry)).isDirectory());

function filesUnder(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(root, path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/**
 * A KubeletConfiguration without the zero values Go writes for fields kubeadm leaves unset
 * (`0s`, `0`, `""`, `"0"`, and objects left empty by that); the kubelet reads both the same.
 * `false` stays: kubeadm sets it on purpose (anonymous authentication off).
 */
function withoutZeros(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const kept = Object.entries(value)
    .map(([k, v]) => [k, withoutZeros(v)] as const)
    .filter(([, v]) => !(v === '0s' || v === 0 || v === '' || v === '0' || (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length)));
  return Object.fromEntries(kept);
}

const roots: string[] = [];

beforeAll(() => {
  // kubeadm passes the environment's *_proxy variables to the components; the recordings were made without any.
  for (const name of Object.keys(process.env).filter((n) => n.toLowerCase().endsWith('_proxy'))) vi.stubEnv(name, '');
});

afterAll(() => {
  vi.unstubAllEnvs();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe.each(CASES)('kubeadm v1.37.1 reference "%s"', (name) => {
  const caseDir = path.join(REFERENCE, name);
  const expected = filesUnder(caseDir).filter((f) => f !== 'config.yaml').sort();
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), `bosun-ref-${name}-`));
    roots.push(root);
    // Like the recording's rootfs: two of the optional CA bundle directories exist.
    for (const dir of ['etc/ca-certificates', 'usr/share/ca-certificates']) mkdirSync(path.join(root, dir), { recursive: true });
    const ctx = testContext(configFromFile(path.join(caseDir, 'config.yaml')), new LocalHost(root));
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
    const theirs = readFileSync(path.join(caseDir, file), 'utf8');
    const ours = readFileSync(path.join(root, file), 'utf8');
    expect(parseYaml(ours)).toEqual(parseYaml(theirs));
    // Re-emitting kubeadm's Pod through bosun's emitter reproduces bosun's file only if the key order matches too.
    expect(ours).toBe(emitYaml(parseYaml(theirs)));
    expect(statSync(path.join(root, file)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(root, 'etc/kubernetes/manifests')).mode & 0o777).toBe(0o700);
  });

  it('kubeadm-flags.env is identical', () => {
    const file = 'var/lib/kubelet/kubeadm-flags.env';
    expect(readFileSync(path.join(root, file), 'utf8')).toBe(readFileSync(path.join(caseDir, file), 'utf8'));
  });

  it('instance-config.yaml holds the same CRI endpoint', () => {
    const file = 'var/lib/kubelet/instance-config.yaml';
    expect(parseYaml(readFileSync(path.join(root, file), 'utf8'))).toEqual(parseYaml(readFileSync(path.join(caseDir, file), 'utf8')));
  });

  it('config.yaml sets what kubeadm sets (zero values aside)', () => {
    const file = 'var/lib/kubelet/config.yaml';
    const ours = parseYaml(readFileSync(path.join(root, file), 'utf8'));
    const theirs = parseYaml(readFileSync(path.join(caseDir, file), 'utf8'));
    expect(withoutZeros(ours)).toEqual(withoutZeros(theirs));
    for (const f of ['config.yaml', 'instance-config.yaml', 'kubeadm-flags.env']) {
      expect(statSync(path.join(root, 'var/lib/kubelet', f)).mode & 0o777).toBe(0o644);
    }
  });
});
