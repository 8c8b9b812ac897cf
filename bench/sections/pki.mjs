// `init phase certs all` + `init phase kubeconfig all` into an empty rootfs: bosun vs kubeadm.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bestOf, bosun, findKubeadm, seconds, table, timed } from '../lib.mjs';

const RUNS = 3;
const ALGORITHMS = ['RSA-2048', 'ECDSA-P256'];
/** The brief's targets: at most half of kubeadm's time with RSA-2048; ECDSA-P256 under 0.2 s. */
const TARGETS = { 'RSA-2048': { ratio: 0.5 }, 'ECDSA-P256': { seconds: 0.2 } };

function config(algorithm, kubernetesVersion) {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 192.0.2.10
  bindPort: 6443
nodeRegistration:
  name: bench-node
  criSocket: unix:///var/run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${kubernetesVersion}
encryptionAlgorithm: ${algorithm}
`;
}

/** Writes the config inside the rootfs: kubeadm chroots into `--rootfs` before it reads `--config`. */
async function prepare(rootfs, algorithm, version) {
  await writeFile(path.join(rootfs, 'kubeadm.yaml'), config(algorithm, version));
}

async function bosunOnce(rootfs, algorithm, version) {
  await prepare(rootfs, algorithm, version);
  const flags = ['--config', path.join(rootfs, 'kubeadm.yaml'), '--rootfs', rootfs];
  return (await bosun(['init', 'phase', 'certs', 'all', ...flags])) + (await bosun(['init', 'phase', 'kubeconfig', 'all', ...flags]));
}

async function kubeadmOnce(kubeadm, rootfs, algorithm, version) {
  await prepare(rootfs, algorithm, version);
  const flags = ['--config', '/kubeadm.yaml', '--rootfs', rootfs];
  return (await timed(kubeadm, ['init', 'phase', 'certs', 'all', ...flags])) + (await timed(kubeadm, ['init', 'phase', 'kubeconfig', 'all', ...flags]));
}

function verdict(algorithm, bosunMs, kubeadmMs) {
  const target = TARGETS[algorithm];
  if (target.ratio !== undefined) {
    if (kubeadmMs === undefined) return `target ≤ ${target.ratio}× kubeadm: no kubeadm to compare`;
    return `target ≤ ${target.ratio}× kubeadm: ${bosunMs / kubeadmMs <= target.ratio ? 'met' : 'MISSED'}`;
  }
  return `target < ${target.seconds} s: ${bosunMs / 1000 < target.seconds ? 'met' : 'MISSED'}`;
}

export const pkiSection = {
  name: 'pki',
  title: `init phase certs all + init phase kubeconfig all into an empty rootfs (best of ${RUNS})`,
  async run() {
    const kubeadm = findKubeadm();
    const version = kubeadm ? execFileSync(kubeadm, ['version', '-o', 'short']).toString().trim() : 'v1.37.1';
    console.log(kubeadm ? `  kubeadm: ${kubeadm} (${version})` : '  kubeadm: none found ($KUBEADM, $BOSUN_CACHE, /tmp/wrap137/bin, PATH): bosun alone');
    const startup = await bestOf(RUNS, () => bosun(['--version']));
    console.log(`  bosun startup floor (bosun --version): ${seconds(startup)} per process, 2 processes per run`);
    const rows = [];
    for (const algorithm of ALGORITHMS) {
      const ours = await bestOf(RUNS, (dir) => bosunOnce(dir, algorithm, version));
      const theirs = kubeadm ? await bestOf(RUNS, (dir) => kubeadmOnce(kubeadm, dir, algorithm, version)) : undefined;
      rows.push([algorithm, seconds(ours), seconds(theirs), theirs === undefined ? '—' : (ours / theirs).toFixed(2), verdict(algorithm, ours, theirs)]);
    }
    table(['algorithm', 'bosun', 'kubeadm', 'bosun/kubeadm', 'verdict'], rows);
  },
};
