/**
 * The container runtime a sandbox node's kubelet talks to, from the node's files as a starting kubelet reads them:
 * its CRI endpoint (instance-config.yaml, then config.yaml's `containerRuntimeEndpoint`, then kubeadm-flags.env's
 * `--container-runtime-endpoint`: flags over config), the running unit that serves that socket, and the version
 * that runtime's own binary reports (`containerd://2.1.4`, `docker://20.10.24+dfsg1`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../kubelet/config.js';
import { parseKubeletFlagsEnv } from '../kubelet/flags.js';
import { argValue } from '../manifests/args.js';
import { parseYaml } from '../util/yaml.js';
import type { Serving } from './node-units.js';
import { runtimeVersionOf } from '../runtime/version.js';

/** The kubelet's default endpoint since 1.27 (no dockershim, no flag needed for containerd). */
export const DEFAULT_CRI_ENDPOINT = 'unix:///run/containerd/containerd.sock';

const configEndpoint = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  try {
    const value = (parseYaml(text) as { containerRuntimeEndpoint?: unknown } | null)?.containerRuntimeEndpoint;
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return undefined; // an unreadable config.yaml is the kubelet's own problem, found where it is read
  }
};

/** The CRI endpoint a kubelet starting from these files uses, and the file that set it (undefined: the default). */
export async function kubeletEndpoint(rootfs: string): Promise<{ endpoint: string; file?: string }> {
  const read = (file: string) => fs.readFile(path.join(rootfs, file), 'utf8').catch(() => undefined);
  const flags = argValue(parseKubeletFlagsEnv((await read(KUBELET_FLAGS_FILE)) ?? ''), 'container-runtime-endpoint');
  if (flags) return { endpoint: flags, file: KUBELET_FLAGS_FILE };
  const config = configEndpoint(await read(KUBELET_CONFIG_FILE));
  if (config) return { endpoint: config, file: KUBELET_CONFIG_FILE };
  const instance = configEndpoint(await read(KUBELET_INSTANCE_CONFIG_FILE));
  if (instance) return { endpoint: instance, file: KUBELET_INSTANCE_CONFIG_FILE };
  return { endpoint: DEFAULT_CRI_ENDPOINT };
}

/** `containerd://2.1.4`: the serving runtime's name and what its binary on the node's disk says it is. */
export async function containerRuntimeVersion(
  rootfs: string,
  serving: Serving,
  versionOf: (binary: string) => Promise<string | undefined>,
): Promise<string | { problem: string }> {
  if ('problem' in serving) return serving;
  const output = await versionOf(path.join(rootfs, serving.binary));
  const version = output === undefined ? undefined : runtimeVersionOf(output);
  if (version === undefined) return { problem: `${serving.binary} --version: not a ${serving.runtime} binary` };
  return `${serving.runtime}://${version}`;
}
