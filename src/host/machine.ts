import { createServer } from 'node:net';
import { constants, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Whether a TCP port can be bound: `unavailable-address` when the address is not one of this machine's. */
export type PortState = 'free' | 'in-use' | 'unavailable-address';

/**
 * The machine bosun runs on: its kernel, network and programs, as opposed to the node's files
 * (which a Host maps, possibly under `--rootfs`). Preflight asks it what the node will run on.
 */
export interface Machine {
  /** Tries to listen on `address:port` (all addresses when undefined) and closes again. */
  portState(port: number, address?: string): Promise<PortState>;
  /** Active swap devices or files (`/proc/swaps` entries). */
  swapDevices(): Promise<string[]>;
  isRoot(): boolean;
  /** Whether an executable of this name is on PATH. */
  hasExecutable(name: string): Promise<boolean>;
  hostname(): string;
  cpuCount(): number;
  /** Total memory in MiB. */
  memoryMiB(): number;
  /** A small kernel setting file such as /proc/sys/net/ipv4/ip_forward, or undefined when absent. */
  readProcFile(file: string): Promise<string | undefined>;
}

async function portState(port: number, address?: string): Promise<PortState> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve('in-use');
      else if (err.code === 'EADDRNOTAVAIL') resolve('unavailable-address');
      else reject(err);
    });
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function hasExecutable(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      await fs.access(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export const localMachine: Machine = {
  portState,
  swapDevices: async () =>
    ((await readOptional('/proc/swaps')) ?? '')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim()),
  isRoot: () => process.getuid?.() === 0,
  hasExecutable,
  hostname: () => os.hostname(),
  cpuCount: () => os.availableParallelism(),
  memoryMiB: () => Math.floor(os.totalmem() / 1024 / 1024),
  readProcFile: readOptional,
};

/**
 * What kubeadm derives a node's defaults from on the machine it runs on: the hostname, the IPv4 routing table, the
 * interfaces' addresses, and the environment (kubeadm passes its `*_proxy` variables on to the control plane).
 * Config resolution takes them as input and chooses from them (config/node-facts.ts); each is read when asked.
 */
export interface MachineFacts {
  hostname(): string;
  /** `/proc/net/route`, or '' without procfs (not Linux, a sandbox). */
  routeTable(): string;
  interfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  environment(): Readonly<Record<string, string | undefined>>;
}

export const localMachineFacts: MachineFacts = {
  hostname: () => os.hostname(),
  routeTable: () => {
    try {
      return readFileSync('/proc/net/route', 'utf8');
    } catch {
      return '';
    }
  },
  interfaces: () => os.networkInterfaces(),
  environment: () => process.env,
};

/**
 * When a process started (clock ticks since boot, field 22 of /proc/<pid>/stat), or undefined when it does not
 * run: with the pid it names one process for good, where a pid alone may have been reused.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    // Fields after the command name (which may hold spaces) start at ") "; starttime is field 22.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
