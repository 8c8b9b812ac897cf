/**
 * PowerShell through the Host: a Windows node's services, firewall and links are PowerShell's business, so a Windows
 * Host door that can run a script body offers `powershell(body)`. The steps see only this interface (never the door
 * class); the door wraps the body (stop on the first error, error records on stderr) and sends it encoded.
 */
import { UserError } from '../errors.js';
import type { ExecResult, Host } from '../host/host.js';
import type { Machine } from '../host/machine.js';
import type { WindowsMachine } from '../host/windows/machine.js';
import type { PowerShellOptions } from '../host/windows/powershell.js';

export interface PowerShellHost extends Host {
  /**
   * Runs the script body on the node; stdout is what it writes. A failed statement or a non-zero exit is an error
   * naming the host (unless `check: false`, which returns the exit code instead).
   */
  powershell(body: string, opts?: PowerShellOptions): Promise<ExecResult>;
  /** The machine's facts (hostname, memory, Administrator, ports, OS build), read through the same connection. */
  windowsMachine(): Promise<WindowsMachine>;
}

export const canRunPowerShell = (host: Host): host is PowerShellHost =>
  host.os === 'windows' && typeof (host as Partial<PowerShellHost>).powershell === 'function';

/** The host as one that runs PowerShell; a Windows step on any other host is refused, naming what it needed. */
export function powerShellHost(host: Host, step: string): PowerShellHost {
  if (canRunPowerShell(host)) return host;
  throw new UserError(
    host.os === 'windows'
      ? `${step}: this Windows host cannot run PowerShell (reach it over SSH, or run bosun on it)`
      : `${step}: a step for Windows nodes, and this host runs ${host.os}`,
  );
}

/** The Windows facts of a host: the machine given when it has them (a surveyed host's), else read through the host. */
export async function windowsMachineOf(host: PowerShellHost, machine?: Machine): Promise<WindowsMachine> {
  return machine && typeof (machine as Partial<WindowsMachine>).build === 'number' ? (machine as WindowsMachine) : host.windowsMachine();
}
