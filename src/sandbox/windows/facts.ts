/**
 * What a Windows machine of the sandbox says about itself through CIM (Get-CimInstance): a file on its disk,
 * written when the machine is made, so a test changes the machine's build by editing its disk. The Node a
 * Windows kubelet registers reads the same file (its OS image, its build label).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../state.js';

export const OS_FACTS_FILE = 'C:/Windows/System32/config/bosun-sandbox-os.json';

/** CIM classes by name, each an instance's properties (Win32_OperatingSystem, Win32_ComputerSystem, Win32_Processor). */
export type MachineFacts = Record<string, Record<string, string | number>>;

/** Windows Server 2022's build: one the Kubernetes releases bosun pins support. */
const SERVER_2022 = { caption: 'Microsoft Windows Server 2022 Datacenter', version: '10.0.20348', build: '20348' };

/** The facts of a fresh machine named `name`: Windows Server 2022, this machine's memory and processors. */
export function freshFacts(name: string): MachineFacts {
  const kb = (bytes: number) => Math.floor(bytes / 1024);
  const cpus = os.cpus().length;
  return {
    Win32_OperatingSystem: {
      Caption: SERVER_2022.caption,
      Version: SERVER_2022.version,
      BuildNumber: SERVER_2022.build,
      OSArchitecture: '64-bit',
      CSName: name.toUpperCase(),
      TotalVisibleMemorySize: kb(os.totalmem()),
      FreePhysicalMemory: kb(os.freemem()),
    },
    Win32_ComputerSystem: {
      Name: name.toUpperCase(),
      DNSHostName: name,
      TotalPhysicalMemory: os.totalmem(),
      NumberOfLogicalProcessors: cpus,
      NumberOfProcessors: 1,
    },
    Win32_Processor: { Name: os.cpus()[0]?.model ?? 'x86-64', NumberOfCores: cpus, NumberOfLogicalProcessors: cpus, AddressWidth: 64 },
  };
}

const factsFile = (rootfs: string) => path.join(rootfs, OS_FACTS_FILE);

/** Writes the facts unless the machine has them (a machine's disk survives `down`/`up`, edits included). */
export async function ensureFacts(rootfs: string, name: string): Promise<void> {
  if (await fs.stat(factsFile(rootfs)).catch(() => undefined)) return;
  await writeJsonAtomic(factsFile(rootfs), freshFacts(name));
}

export async function readFacts(rootfs: string): Promise<MachineFacts> {
  const text = await fs.readFile(factsFile(rootfs), 'utf8');
  try {
    return JSON.parse(text) as MachineFacts;
  } catch (err) {
    throw new Error(`${factsFile(rootfs)}: unreadable machine facts: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether a rootfs is a Windows machine's: its disk has the facts Windows answers CIM queries from. */
export const isWindowsMachine = (rootfs: string): Promise<boolean> =>
  fs.stat(factsFile(rootfs)).then(
    () => true,
    () => false,
  );

/** What a Windows kubelet registers from its machine: the OS image (Caption) and the build label's `major.minor.build`. */
export async function windowsNodeFacts(rootfs: string): Promise<{ osImage: string; build: string }> {
  const system = (await readFacts(rootfs)).Win32_OperatingSystem ?? {};
  const build = /^\d+\.\d+\.\d+/.exec(String(system.Version ?? ''))?.[0] ?? `10.0.${system.BuildNumber ?? 0}`;
  // The kubelet reports the product name (the registry's), which is the Caption without the vendor.
  return { osImage: String(system.Caption ?? 'Windows').replace(/^Microsoft /, ''), build };
}
