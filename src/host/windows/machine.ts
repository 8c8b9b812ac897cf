import { z } from 'zod';
import type { ExecResult } from '../host.js';
import type { Machine } from '../machine.js';
import { portStateOf } from '../ssh/machine-facts.js';
import { FACTS_SCRIPT, hasCommandScript, LISTENERS_SCRIPT } from './scripts.js';
import type { PowerShellOptions } from './powershell.js';

/** What preflight asks of a Windows node, plus what the Windows checks need: the OS build and its name. */
export interface WindowsMachine extends Machine {
  /** The OS build number (17763 is Windows Server 2019, 20348 Windows Server 2022). */
  readonly build: number;
  /** `Microsoft Windows Server 2019 Datacenter`. */
  readonly caption: string;
}

/** FACTS_SCRIPT's object: CIM's uint64 and string properties as ConvertTo-Json writes them. */
const factsSchema = z.object({
  build: z.coerce.number().int().positive(),
  caption: z.string(),
  memoryKiB: z.coerce.number().nonnegative(),
  cpus: z.coerce.number().int().positive(),
  hostname: z.string(),
  admin: z.boolean(),
});

/** Get-NetTCPConnection's listeners as JSON: one object, an array, or nothing. */
const listenersSchema = z
  .union([z.array(z.object({ LocalAddress: z.string(), LocalPort: z.number() })), z.object({ LocalAddress: z.string(), LocalPort: z.number() })])
  .transform((l) => (Array.isArray(l) ? l : [l]));

function parseJson<T>(host: string, what: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${host}: ${what}: expected one JSON value, got ${JSON.stringify(text.slice(0, 200))}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${host}: ${what}: unexpected answer ${text.slice(0, 200)}: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Gathers a Windows node's facts in one PowerShell round trip (Get-CimInstance). Listening ports are read again
 * when asked, as preflight asks just before the kubelet would bind them.
 */
export async function windowsMachine(host: {
  readonly name: string;
  powershell(body: string, opts?: PowerShellOptions): Promise<ExecResult>;
}): Promise<WindowsMachine> {
  const facts = parseJson(host.name, 'machine facts', (await host.powershell(FACTS_SCRIPT, { shown: 'machine facts' })).stdout.trim(), factsSchema);
  return {
    build: facts.build,
    caption: facts.caption,
    hostname: () => facts.hostname,
    isRoot: () => facts.admin,
    cpuCount: () => facts.cpus,
    memoryMiB: () => Math.floor(facts.memoryKiB / 1024),
    // Windows pages to pagefile.sys, which is no swap device in the kubelet's sense: its swap check (failSwapOn) and
    // kubeadm's Swap preflight check are Linux-only.
    swapDevices: async () => [],
    // Only the kubelet runs on a Windows node (never a control-plane component bound to an address), so a port
    // is taken when anything listens on it, on any address.
    portState: async (port) => {
      const out = (await host.powershell(LISTENERS_SCRIPT, { shown: 'listening ports' })).stdout.trim();
      const listeners = out ? parseJson(host.name, 'listening ports', out, listenersSchema) : [];
      return portStateOf(
        listeners.map((l) => ({ address: l.LocalAddress, port: l.LocalPort })),
        new Set(),
        port,
      );
    },
    hasExecutable: async (name) => (await host.powershell(hasCommandScript(name), { check: false, shown: `Get-Command ${name}` })).code === 0,
    // No procfs on Windows.
    readProcFile: async () => undefined,
  };
}
