import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { NodeFacts } from '../../../src/config/node-facts.js';
import { readConfigText } from '../../../src/config/read.js';
import { buildInitConfig, type InitFlags } from '../../../src/config/resolve.js';
import { ConfigError } from '../../../src/errors.js';

export const DATA = new URL('../../data/config/', import.meta.url);
export const dataPath = (name: string) => new URL(name, DATA).pathname;
export const dataText = (name: string) => readFileSync(new URL(name, DATA), 'utf8');

/** A host with a fixed hostname and address, so resolve is deterministic. */
export const HOST: NodeFacts = { hostname: () => 'Node-A', defaultIPv4: () => '10.1.2.3', proxyEnv: () => [] };

/** Resolves YAML text as if it were the file `cfg.yaml` (no text: flags only). */
export function resolveText(text: string | undefined, flags: InitFlags = {}, host: NodeFacts | undefined = HOST) {
  return buildInitConfig(text === undefined ? undefined : readConfigText(text, 'cfg.yaml'), flags, host);
}

/** The ConfigError a call throws (fails the test if it throws something else or nothing). */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** `main([...])` with stdout and stderr captured. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array) => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const saved = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}

/** Documents for tests: `kubeadm('ClusterConfiguration', 'networking: ...')`. */
export function doc(kind: string, body = '', apiVersion = kindVersion[kind] ?? 'kubeadm.k8s.io/v1beta4'): string {
  return `apiVersion: ${apiVersion}\nkind: ${kind}\n${body}\n`;
}

const kindVersion: Record<string, string> = {
  KubeletConfiguration: 'kubelet.config.k8s.io/v1beta1',
  KubeProxyConfiguration: 'kubeproxy.config.k8s.io/v1alpha1',
};
