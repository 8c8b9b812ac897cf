/**
 * The PowerShell bodies the Windows door sends (each wrapped by powershell.ts). Every value is a psQuote literal;
 * each body has a golden step plan in the tests, beside the Microsoft documentation it follows.
 */
import type { ServiceControl } from '../host.js';
import { psQuote } from './powershell.js';

/** A service's verbs as ServiceControl names them. */
export type ServiceVerb = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

/**
 * A verb through the service cmdlets (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/).
 * Each first looks the service up, so a missing one fails the same way whatever the verb (Set-Service would report it
 * differently from Start-Service). `enable` and `disable` are `systemctl enable --now` and `disable --now`: the startup
 * type and the state at once. `-Force` stops a service that others depend on, as systemctl stops a unit with dependants.
 */
export function serviceScript(name: string, verb: ServiceVerb): string {
  const service = `-Name ${psQuote(name)}`;
  const steps: Record<ServiceVerb, string[]> = {
    start: [`Start-Service ${service}`],
    stop: [`Stop-Service ${service} -Force`],
    restart: [`Restart-Service ${service} -Force`],
    enable: [`Set-Service ${service} -StartupType Automatic`, `Start-Service ${service}`],
    disable: [`Stop-Service ${service} -Force`, `Set-Service ${service} -StartupType Disabled`],
  };
  return [`Get-Service ${service} | Out-Null`, ...steps[verb]].join('\n');
}

/** A Windows service's verbs, each one script run by `runScript` (over SSH, or on this machine). */
export function windowsService(name: string, runScript: (body: string) => Promise<unknown>): ServiceControl {
  const verb = (v: ServiceVerb) => async () => void (await runScript(serviceScript(name, v)));
  return { start: verb('start'), stop: verb('stop'), restart: verb('restart'), enable: verb('enable'), disable: verb('disable') };
}

/** Whether the login holds the Administrators role now (elevated): what bosun's Windows steps need, as root on Linux. */
export const ADMINISTRATOR_CHECK =
  '([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)';

/** Prints True or False: whether the login is an administrator. */
export const ADMINISTRATOR_SCRIPT = `Write-Output ${ADMINISTRATOR_CHECK}`;

/**
 * The machine's facts for preflight in one round trip, as one JSON object: Win32_OperatingSystem's build, caption and
 * memory (KiB), Win32_ComputerSystem's logical processors and DNS host name
 * (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-operatingsystem, …/win32-computersystem), and the
 * administrator check.
 */
export const FACTS_SCRIPT = [
  '$os = Get-CimInstance -ClassName Win32_OperatingSystem',
  '$cs = Get-CimInstance -ClassName Win32_ComputerSystem',
  `$admin = ${ADMINISTRATOR_CHECK}`,
  '@{ build = $os.BuildNumber; caption = $os.Caption; memoryKiB = $os.TotalVisibleMemorySize; cpus = $cs.NumberOfLogicalProcessors; hostname = $cs.DNSHostName; admin = $admin } | ConvertTo-Json -Compress',
].join('\n');

/**
 * The listening TCP sockets (https://learn.microsoft.com/powershell/module/nettcpip/get-nettcpconnection), as JSON:
 * one object, an array, or nothing when none listens (the cmdlet's "no objects found" is not an error here).
 */
export const LISTENERS_SCRIPT =
  "Get-NetTCPConnection -State Listen -ErrorAction SilentlyContinue | Select-Object -Property 'LocalAddress', 'LocalPort' | ConvertTo-Json -Compress";

/** Exits 0 when a command of this name (a program on PATH, a cmdlet) is found, 1 otherwise. */
export const hasCommandScript = (name: string): string => `if (Get-Command -Name ${psQuote(name)} -ErrorAction SilentlyContinue) { exit 0 } else { exit 1 }`;

/** Moves a file over an existing one: what a server without posix-rename cannot do over SFTP. */
export const moveOverScript = (from: string, to: string): string => `Move-Item -LiteralPath ${psQuote(from)} -Destination ${psQuote(to)} -Force`;
