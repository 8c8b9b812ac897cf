/**
 * The preflight checks a node's steps share, named as kubeadm names them (the names `--ignore-preflight-errors`
 * takes). Files are the node's (through the Host); ports, swap, programs and kernel settings are the machine's
 * bosun runs on (see `isRendered`). `workflow/checks.ts` runs them.
 */
import path from 'node:path';
import semver from 'semver';
import type { Host } from '../host/host.js';
import type { Machine } from '../host/machine.js';
import { PINNED_KUBERNETES_VERSIONS } from '../versions/pinned.js';
import type { Check, Findings } from '../workflow/checks.js';

/** Programs the kubelet needs on the node (kubeadm's list for 1.32+). */
const REQUIRED_EXECUTABLES = ['losetup', 'mount', 'cp'];

const pathLabel = (nodePath: string) => nodePath.replaceAll('/', '-');

/** With --rootfs the node's files live in a directory, while the node is to run on a machine like this one. */
export const isRendered = (host: Host): boolean => path.resolve(host.root) !== '/';

export const simple = (name: string, run: () => Promise<Findings> | Findings): Check => ({ name, run: async () => run() });

/**
 * A port the node's components will listen on must be free on this machine.
 * With --rootfs an address this machine does not have belongs to where the node will run (a network
 * namespace, another machine), so the port cannot be judged here: a warning. On the node itself it is an error.
 */
export function portCheck(machine: Machine, rendered: boolean, port: number, address?: string): Check {
  const where = address ? `${address}:${port}` : `port ${port}`;
  return {
    name: `Port-${port}`,
    run: async () => {
      const state = await machine.portState(port, address || undefined);
      if (state === 'in-use') return { errors: [`Port ${port} is in use`] };
      if (state === 'unavailable-address') {
        const problem = `cannot listen on ${where}: ${address} is not an address of this machine`;
        return rendered ? { warnings: [`${problem}; not checked`] } : { errors: [problem] };
      }
      return {};
    },
  };
}

/** A file bosun is about to create must not exist yet: a second init on the same node (or rootfs) stops here. */
export function fileAvailableCheck(host: Host, nodePath: string): Check {
  return {
    name: `FileAvailable-${pathLabel(nodePath)}`,
    run: async () => ((await host.stat(nodePath)) ? { errors: [`${host.resolve(nodePath)} already exists`] } : {}),
  };
}

export function fileExistingCheck(host: Host, nodePath: string, name = `FileExisting-${pathLabel(nodePath)}`): Check {
  return {
    name,
    run: async () => ((await host.stat(nodePath)) ? {} : { errors: [`${host.resolve(nodePath)} doesn't exist`] }),
  };
}

/** etcd must start from an empty data directory (a missing one is created). */
export function dirAvailableCheck(host: Host, nodePath: string): Check {
  return {
    name: `DirAvailable-${pathLabel(nodePath)}`,
    run: async () => ((await host.readdir(nodePath)).length ? { errors: [`${host.resolve(nodePath)} is not empty`] } : {}),
  };
}

export function kubernetesVersionCheck(version: string): Check {
  const supported = PINNED_KUBERNETES_VERSIONS.map((v) => semver.parse(v)!);
  const list = supported.map((v) => `v${v.major}.${v.minor}.x`).join(', ');
  return {
    name: 'KubernetesVersion',
    run: async () => {
      const wanted = semver.parse(version);
      if (!wanted) return { errors: [`couldn't parse Kubernetes version "${version}"`] };
      if (supported.some((v) => v.major === wanted.major && v.minor === wanted.minor)) return {};
      const relation = semver.gt(wanted, supported.at(-1)!) ? 'newer' : 'older';
      return { errors: [`Kubernetes version ${version} is ${relation} than bosun supports (${list})`] };
    },
  };
}

export const privilegedUserCheck = (machine: Machine): Check =>
  simple('IsPrivilegedUser', () => (machine.isRoot() ? {} : { errors: ['user is not running as root'] }));

export const swapCheck = (machine: Machine): Check =>
  simple('Swap', async () =>
    (await machine.swapDevices()).length
      ? {
          warnings: [
            'swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to ' +
              'https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node',
          ],
        }
      : {},
  );

/** The programs the kubelet runs, one check each. */
export const requiredExecutableChecks = (machine: Machine): Check[] =>
  REQUIRED_EXECUTABLES.map((tool) =>
    simple(`FileExisting-${tool}`, async () => ((await machine.hasExecutable(tool)) ? {} : { errors: [`${tool} not found in system path`] })),
  );

/** IP forwarding (`/proc/sys/net/ipv4/ip_forward` or the IPv6 one) must be on: per network namespace, so only on the node itself. */
export const forwardingCheck = (machine: Machine, file: string): Check =>
  simple(`FileContent-${pathLabel(file)}`, async () => {
    const content = await machine.readProcFile(file);
    if (content === undefined) return { errors: [`${file} does not exist`] };
    return content.startsWith('1') ? {} : { errors: [`${file} contents are not set to 1`] };
  });

export const IPV4_FORWARDING = '/proc/sys/net/ipv4/ip_forward';
export const IPV6_FORWARDING = '/proc/sys/net/ipv6/conf/default/forwarding';
