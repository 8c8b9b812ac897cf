import type { Machine } from '../machine.js';
import { localAddresses, memTotalMiB, parseOsRelease, portStateOf, swapEntries, tcpListeners } from './machine-facts.js';
import { shQuote } from './quote.js';
import type { SshHost } from './ssh-host.js';

/** What preflight asks of the machine a node runs on, answered for an SSH host; plus its OS and architecture. */
export interface SshMachine extends Machine {
  /** /etc/os-release fields (`ID`, `VERSION_ID`, `PRETTY_NAME`, …). */
  readonly osRelease: Readonly<Record<string, string>>;
  /** `uname -m`: x86_64, aarch64, … */
  readonly arch: string;
}

/** Sections of the facts script, each printed after a marker line; a missing file leaves its section empty. */
const SECTIONS: Record<string, string> = {
  osRelease: 'cat /etc/os-release',
  arch: 'uname -m',
  hostname: 'uname -n',
  uid: 'id -u',
  cpus: 'nproc || getconf _NPROCESSORS_ONLN',
  meminfo: 'cat /proc/meminfo',
  swaps: 'cat /proc/swaps',
  tcp: 'cat /proc/net/tcp /proc/net/tcp6',
  fibTrie: 'cat /proc/net/fib_trie',
  ifInet6: 'cat /proc/net/if_inet6',
};

const MARKER = '--- bosun fact ';

/** Runs the named sections in one command and returns each one's output. */
async function gather(host: SshHost, names: readonly string[]): Promise<Record<string, string>> {
  const script = names.map((name) => `echo ${shQuote(MARKER + name)}; { ${SECTIONS[name]}; } 2>/dev/null`).join('; ');
  return splitSections((await host.exec('sh', ['-c', script], { check: false })).stdout);
}

function splitSections(out: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current = '';
  for (const line of out.split('\n')) {
    if (line.startsWith(MARKER)) sections[(current = line.slice(MARKER.length))] = '';
    else if (current) sections[current] += `${line}\n`;
  }
  return sections;
}

/**
 * Gathers the node's facts in one command (as root, through sudo for another login). Ports and kernel settings
 * are read again when asked, since preflight asks just before the node's components would bind them.
 */
export async function sshMachine(host: SshHost): Promise<SshMachine> {
  const facts = await gather(host, Object.keys(SECTIONS));
  const text = (name: string) => (facts[name] ?? '').trim();
  const ports = async () => {
    const now = await gather(host, ['tcp', 'fibTrie', 'ifInet6']);
    return { listeners: tcpListeners(now.tcp ?? ''), addresses: localAddresses(now.fibTrie ?? '', now.ifInet6 ?? '') };
  };
  return {
    osRelease: parseOsRelease(text('osRelease')),
    arch: text('arch'),
    hostname: () => text('hostname'),
    isRoot: () => text('uid') === '0',
    cpuCount: () => Number(text('cpus')) || 1,
    memoryMiB: () => memTotalMiB(text('meminfo')),
    swapDevices: async () => swapEntries(text('swaps')),
    portState: async (port, address) => {
      const { listeners, addresses } = await ports();
      return portStateOf(listeners, addresses, port, address);
    },
    hasExecutable: async (name) => (await host.exec('sh', ['-c', 'command -v "$1"', 'sh', name], { check: false })).code === 0,
    readProcFile: async (file) => (await host.readFile(file))?.toString('utf8'),
  };
}
