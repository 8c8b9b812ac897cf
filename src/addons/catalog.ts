/** Every addon bosun installs, in the order `bosun init` and `bosun addon list` take them. */
import { UserError, quote } from '../errors.js';
import type { AddonDefinition } from './addon.js';
import { calicoAddon } from './calico/index.js';
import { coreDNSAddonDefinition } from './coredns-addon/index.js';
import { flannelAddon } from './flannel/index.js';
import { kubeProxyAddonDefinition } from './kube-proxy-addon.js';
import { kubeProxyWindowsAddon } from './kube-proxy-windows.js';
import { nodeLocalDNSAddon } from './nodelocaldns.js';

export const ADDONS: readonly AddonDefinition[] = [
  coreDNSAddonDefinition,
  kubeProxyAddonDefinition,
  flannelAddon,
  calicoAddon,
  kubeProxyWindowsAddon,
  nodeLocalDNSAddon,
];

/** The addon of that name; any other name is refused with the list. */
export function addonNamed(name: string): AddonDefinition {
  const addon = ADDONS.find((a) => a.name === name);
  if (!addon)
    throw new UserError({ what: `unknown addon ${quote(name)}`, where: { object: 'addon' }, expected: `one of ${ADDONS.map((a) => a.name).join(', ')}` });
  return addon;
}
