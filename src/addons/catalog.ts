/** Every addon bosun installs, in the order `bosun init` and `bosun addon list` take them. */
import { UserError, quote } from '../errors.js';
import type { AddonDefinition } from './addon.js';
import { kubeProxyAddonDefinition } from './kube-proxy-addon.js';
import { coreDNSAddonDefinition, pendingAddon } from './pending.js';

export const ADDONS: readonly AddonDefinition[] = [
  coreDNSAddonDefinition,
  kubeProxyAddonDefinition,
  pendingAddon('flannel', 'Flannel pod network (VXLAN), with the Windows DaemonSets when the cluster has Windows nodes'),
  pendingAddon('calico', 'Calico pod network: the Tigera operator and an Installation for the pod subnet'),
  pendingAddon('kube-proxy-windows', 'kube-proxy for Windows nodes (HostProcess), beside the Linux DaemonSet'),
  pendingAddon('nodelocaldns', 'NodeLocal DNSCache: a DNS cache on every node'),
];

/** The addon of that name; any other name is refused with the list. */
export function addonNamed(name: string): AddonDefinition {
  const addon = ADDONS.find((a) => a.name === name);
  if (!addon)
    throw new UserError({ what: `unknown addon ${quote(name)}`, where: { object: 'addon' }, expected: `one of ${ADDONS.map((a) => a.name).join(', ')}` });
  return addon;
}
