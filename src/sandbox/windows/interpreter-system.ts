/**
 * What a script asks of the machine itself: CIM facts (from the facts file on its disk), the TCP sockets of its
 * network namespace, and its firewall rules (a file on its disk, as Windows keeps them in its registry).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { writeJsonAtomic } from '../state.js';
import { requiredArg, textArg, type Cmdlet } from './interpreter-cmdlet.js';
import { readFacts } from './facts.js';
import { PowerShellError, PsEnum, PsObject, type ErrorCategory } from './interpreter-values.js';

export const FIREWALL_FILE = 'C:/Windows/System32/config/bosun-sandbox-firewall.json';

/** A CDXML cmdlet's error (Get-NetTCPConnection, the firewall's): its id names the cmdlet, not a .NET class. */
const cimError = (command: string, id: string, category: ErrorCategory, message: string) => new PowerShellError(message, `${id},${command}`, category, command);

const TCP_STATES: Record<string, [string, number]> = { '01': ['Established', 5], '06': ['TimeWait', 11], '0A': ['Listen', 2] };

/** An IPv4 address of /proc/net/tcp (little-endian hex). */
const ipv4 = (hex: string) => [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');

/** The sockets of a /proc/net/tcp table. */
export function tcpConnections(table: string): PsObject[] {
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => /^\d+:$/.test(f[0] ?? '') && TCP_STATES[f[3]] && f[1].length === 13)
    .map(([, local, remote, state]) => {
      const [name, value] = TCP_STATES[state];
      const [la, lp] = local.split(':');
      const [ra, rp] = remote.split(':');
      return PsObject.of(
        {
          LocalAddress: ipv4(la),
          LocalPort: Number.parseInt(lp, 16),
          RemoteAddress: ipv4(ra),
          RemotePort: Number.parseInt(rp, 16),
          State: new PsEnum(name, value),
          OwningProcess: 0,
        },
        'Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetTCPConnection',
      );
    });
}

interface FirewallRule {
  DisplayName: string;
  Direction: string;
  Protocol: string;
  LocalPort: string;
  Action: string;
  Enabled: boolean;
}

const rulesFile = (rootfs: string) => path.join(rootfs, FIREWALL_FILE);
const readRules = async (rootfs: string): Promise<Record<string, FirewallRule>> =>
  JSON.parse((await fs.readFile(rulesFile(rootfs), 'utf8').catch(() => undefined)) ?? '{"rules":{}}').rules as Record<string, FirewallRule>;

/** A rule as Get-NetFirewallRule outputs it (its port and protocol are the port filter's, not the rule's). */
function ruleObject(name: string, rule: FirewallRule): PsObject {
  const direction = rule.Direction.toLowerCase() === 'outbound' ? new PsEnum('Outbound', 2) : new PsEnum('Inbound', 1);
  const action = rule.Action.toLowerCase() === 'block' ? new PsEnum('Block', 4) : new PsEnum('Allow', 2);
  return PsObject.of(
    { Name: name, DisplayName: rule.DisplayName, Direction: direction, Action: action, Enabled: rule.Enabled ? new PsEnum('True', 1) : new PsEnum('False', 2) },
    'Microsoft.Management.Infrastructure.CimInstance#root/StandardCimv2/MSFT_NetFirewallRule',
  );
}

export const SYSTEM_CMDLETS: Cmdlet[] = [
  {
    name: 'Get-CimInstance',
    parameters: ['ClassName'],
    positional: 1,
    run: async ({ args, machine }) => {
      const className = requiredArg('Get-CimInstance', args, 'ClassName');
      const facts = await readFacts(machine.rootfs);
      const instance = Object.entries(facts).find(([key]) => key.toLowerCase() === className.toLowerCase());
      if (!instance)
        throw new PowerShellError(
          'Invalid class ',
          'HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand',
          'MetadataError',
          'Get-CimInstance',
        );
      return [PsObject.of(instance[1], `Microsoft.Management.Infrastructure.CimInstance#root/cimv2/${instance[0]}`)];
    },
  },
  {
    name: 'Get-NetTCPConnection',
    parameters: ['LocalPort', 'State'],
    run: async ({ args, machine }) => {
      const port = textArg(args, 'LocalPort');
      const state = textArg(args, 'State');
      const found = tcpConnections(await machine.tcpTable()).filter(
        (c) =>
          (port === undefined || String(c.get('LocalPort')) === port) && (state === undefined || String(c.get('State')).toLowerCase() === state.toLowerCase()),
      );
      if (found.length === 0) {
        const [property, value] = port !== undefined ? ['LocalPort', port] : ['State', state ?? ''];
        throw cimError(
          'Get-NetTCPConnection',
          `CmdletizationQuery_NotFound_${property}`,
          'ObjectNotFound',
          `No MSFT_NetTCPConnection objects found with property '${property}' equal to '${value}'.  Verify the value of the property and retry.`,
        );
      }
      return found;
    },
  },
  {
    name: 'Get-NetFirewallRule',
    parameters: ['Name'],
    positional: 1,
    run: async ({ args, machine }) => {
      const name = requiredArg('Get-NetFirewallRule', args, 'Name');
      const rule = (await readRules(machine.rootfs))[name];
      if (!rule)
        throw cimError(
          'Get-NetFirewallRule',
          'CmdletizationQuery_NotFound_Name',
          'ObjectNotFound',
          `No MSFT_NetFirewallRule objects found with property 'Name' equal to '${name}'.  Verify the value of the property and retry.`,
        );
      return [ruleObject(name, rule)];
    },
  },
  {
    name: 'New-NetFirewallRule',
    parameters: ['Name', 'DisplayName', 'Direction', 'Protocol', 'LocalPort', 'Action', 'Enabled'],
    run: async ({ args, machine }) => {
      const name = requiredArg('New-NetFirewallRule', args, 'Name');
      const rules = await readRules(machine.rootfs);
      if (rules[name])
        throw cimError('New-NetFirewallRule', 'Windows System Error 183', 'ResourceExists', 'Cannot create a file when that file already exists.');
      const rule: FirewallRule = {
        DisplayName: textArg(args, 'DisplayName') ?? name,
        Direction: textArg(args, 'Direction') ?? 'Inbound',
        Protocol: textArg(args, 'Protocol') ?? 'Any',
        LocalPort: textArg(args, 'LocalPort') ?? 'Any',
        Action: textArg(args, 'Action') ?? 'Allow',
        Enabled: (textArg(args, 'Enabled') ?? 'True').toLowerCase() === 'true',
      };
      await writeJsonAtomic(rulesFile(machine.rootfs), { rules: { ...rules, [name]: rule } });
      return [ruleObject(name, rule)];
    },
  },
];
