import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * What resolve asks of the machine it runs on, for the values kubeadm derives from the host: the node
 * name (the hostname) and the advertise address (the IPv4 address of the default-route interface).
 * Asked lazily, only when the config leaves them unset; tests pass their own.
 */
export interface NodeFacts {
  hostname(): string;
  defaultIPv4(): string | undefined;
}

export const localNodeFacts: NodeFacts = {
  hostname: () => os.hostname(),
  defaultIPv4: () => {
    let routes = '';
    try {
      routes = readFileSync('/proc/net/route', 'utf8');
    } catch {
      // no procfs (not Linux, a sandbox): fall back to the interfaces alone
    }
    return chooseIPv4(defaultRouteInterfaces(routes), os.networkInterfaces());
  },
};

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
