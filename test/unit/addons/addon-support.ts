/** What the addon plan tests share: an InitConfig from kubeadm's flags, the vendored manifests, a read-only cluster. */
import type { AddonInput, AddonSettings } from '../../../src/addons/addon.js';
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { buildInitConfig, type InitFlags } from '../../../src/config/resolve.js';
import { DirManifestSource } from '../../../src/host/manifest-source.js';

export const manifests = new DirManifestSource();

/** Reads only (planning never writes): get by kind, namespace and name. */
export function readOnlyCluster(objects: KubeObject[] = []): Cluster {
  const get = async (ref: ObjectRef) =>
    objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (o.metadata.namespace ?? undefined) === (ref.namespace ?? undefined));
  const refuse = () => Promise.reject(new Error('planning must not write'));
  return { get, apply: refuse, create: refuse, delete: refuse, patch: refuse } as unknown as Cluster;
}

export function addonInput(
  flags: InitFlags,
  opts: { settings?: AddonSettings; windowsNodes?: boolean; objects?: KubeObject[]; kubeProxyMode?: string } = {},
): AddonInput {
  const config = buildInitConfig(undefined, { kubernetesVersion: 'v1.36.3', apiserverAdvertiseAddress: '192.0.2.10', ...flags });
  if (opts.kubeProxyMode) config.kubeProxy = { ...config.kubeProxy, mode: opts.kubeProxyMode };
  return { config, cluster: readOnlyCluster(opts.objects), settings: opts.settings ?? {}, windowsNodes: opts.windowsNodes ?? false, manifests };
}

/** The objects a plan applies, in order. */
export const applied = (actions: Array<{ action: string; object?: KubeObject }>) => actions.filter((a) => a.action === 'apply').map((a) => a.object!);

export const find = <T = KubeObject>(objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as T;
