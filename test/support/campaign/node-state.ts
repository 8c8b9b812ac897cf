import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBosun } from './harness.js';

/** A port nothing listens on: clusters the campaign's kubeconfigs name refuse at once. */
export const CLOSED_PORT = 1;
/** Planted in every key the campaign corrupts: no output may carry it. */
export const KEY_MARKER = 'S3CR3TKEYMATERIALMARKER';
export const SAMPLE_CONFIG = path.resolve(import.meta.dirname, '../../data/config/v1beta4-full.yaml');

/** A PEM block whose body carries the key marker: the shape of a private key, none of its meaning. */
export const MARKED_KEY = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI${KEY_MARKER}AoGCCqGSM49AwEHoUQDQgAE\n-----END EC PRIVATE KEY-----\n`;

export interface NodeTemplate {
  /** A rendered control-plane node: certificates, kubeconfigs, static Pod manifests, kubelet files. */
  root: string;
  /** Its files and directories, as node paths (`/etc/kubernetes/pki/ca.key`). */
  files: string[];
  dirs: string[];
  /** A slice of the admin kubeconfig's client key: its bytes must never be printed. */
  keySample: string;
}

let template: Promise<NodeTemplate> | undefined;

/**
 * Renders one control-plane node with bosun itself (the phases that need no cluster), once per test file; cases
 * copy it and break its files. Its kubeconfigs name a closed port, so commands that reach for the cluster end fast.
 */
export function nodeTemplate(): Promise<NodeTemplate> {
  return (template ??= renderTemplate());
}

async function renderTemplate(): Promise<NodeTemplate> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-campaign-node-'));
  for (const phase of [['certs', 'all'], ['kubeconfig', 'all'], ['etcd', 'local'], ['control-plane', 'all'], ['kubelet-start']]) {
    const run = await runBosun(['init', 'phase', ...phase, '--rootfs', root, '--config', SAMPLE_CONFIG], 120_000);
    if (run.code !== 0) throw new Error(`rendering the campaign's node failed at ${phase.join(' ')}: ${run.stderr}`);
  }
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const nodePath = `/${path.relative(root, p)}`;
      if (lstatSync(p).isDirectory()) {
        dirs.push(nodePath);
        walk(p);
      } else files.push(nodePath);
    }
  };
  walk(root);
  for (const f of files.filter((f) => f.endsWith('.conf'))) {
    const file = path.join(root, f);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/server: https:\/\/\S+/g, `server: https://127.0.0.1:${CLOSED_PORT}`));
  }
  const admin = readFileSync(path.join(root, 'etc/kubernetes/admin.conf'), 'utf8');
  const keyData = /client-key-data: (\S+)/.exec(admin)?.[1] ?? '';
  return { root, files: files.sort(), dirs: dirs.sort(), keySample: keyData.slice(40, 100) };
}

/** A copy of the template node in `dir`. */
export function copyNode(t: NodeTemplate, dir: string): string {
  const root = path.join(dir, 'root');
  mkdirSync(root);
  cpSync(t.root, root, { recursive: true, verbatimSymlinks: true });
  return root;
}

/** The admin kubeconfig of the template, to hand to commands that reach for a cluster. */
export function kubeconfigText(t: NodeTemplate): string {
  return readFileSync(path.join(t.root, 'etc/kubernetes/admin.conf'), 'utf8');
}

/** Removes the template node, if one was rendered. */
export async function disposeNodeTemplate(): Promise<void> {
  const rendered = template;
  template = undefined;
  if (rendered) rmSync((await rendered).root, { recursive: true, force: true });
}
