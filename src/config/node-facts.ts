import type os from 'node:os';
import type { MachineFacts } from '../host/machine.js';
import { proxyEnv } from '../manifests/args.js';
import type { EnvVar } from './types.js';

/**
 * What resolve takes from the machine it runs on, for the values kubeadm derives from the host: the node name (the
 * hostname), the advertise address (the IPv4 address of the default-route interface) and the proxy variables of
 * the environment, which the control-plane Pods and kube-proxy get. Asked lazily, only when the config needs them;
 * tests pass their own.
 */
export interface NodeFacts {
  hostname(): string;
  defaultIPv4(): string | undefined;
  proxyEnv(): EnvVar[];
}

/** The node facts kubeadm would choose from what the Host door reads of the machine. */
export function nodeFacts(machine: MachineFacts): NodeFacts {
  return {
    hostname: () => machine.hostname(),
    defaultIPv4: () => chooseIPv4(defaultRouteInterfaces(machine.routeTable()), machine.interfaces()),
    proxyEnv: () => proxyEnv(machine.environment()),
  };
}

/** Interfaces with an IPv4 default route in /proc/net/route, lowest metric first. */
export function defaultRouteInterfaces(procNetRoute: string): string[] {
  const rows = procNetRoute
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 8);
  return rows
    .filter(([, destination, , flags, , , , mask]) => destination === '00000000' && mask === '00000000' && (parseInt(flags, 16) & 1) === 1)
    .sort((a, b) => Number(a[6]) - Number(b[6]))
    .map(([iface]) => iface);
}

/**
 * The first IPv4 address of the default-route interfaces; otherwise the first non-loopback IPv4 address
 * of any interface (a host with no default route, as in an offline lab).
 */
export function chooseIPv4(routeInterfaces: string[], interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string | undefined {
  const ipv4 = (name: string) => interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address;
  for (const name of routeInterfaces) {
    const address = ipv4(name);
    if (address) return address;
  }
  for (const name of Object.keys(interfaces)) {
    const address = ipv4(name);
    if (address) return address;
  }
  return undefined;
}
