import { describe, expect, it } from 'vitest';
import { localAddresses, memTotalMiB, parseOsRelease, portStateOf, swapEntries, tcpListeners } from '../../../src/host/ssh/machine-facts.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2379 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 00000000:2710 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100007F:2379 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1A0B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000201000A:192B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
`;

const FIB = `Main:
  +-- 0.0.0.0/0 3 0 5
        +-- 10.0.1.0/24 2 0 2
           |-- 10.0.1.2
              /32 host LOCAL
           |-- 10.0.1.255
              /32 link BROADCAST
`;
const INET6 = '00000000000000000000000000000001 01 80 10 80       lo\nfe80000000000000e46a70fffef1fcb6 ae 40 20 80   eth0\n';

describe('machine facts of an SSH host', () => {
  it('reads /etc/os-release with its quoting', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nNAME=\'A \\"b\\"\'\n# x\n')).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      ID: 'debian',
      VERSION_ID: '12',
      NAME: 'A "b"',
    });
  });

  it('reads memory and swap', () => {
    expect(memTotalMiB('MemTotal:       24576000 kB\nMemFree: 1 kB\n')).toBe(24000);
    expect(memTotalMiB('')).toBe(0);
    expect(swapEntries('Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n')).toEqual(['/swapfile file 1024 0 -2']);
    expect(swapEntries('Filename Type Size Used Priority\n')).toEqual([]);
  });

  it('finds listening sockets in both families, IPv4-mapped ones as IPv4', () => {
    expect(tcpListeners(TCP)).toEqual([
      { address: 'v4:127.0.0.1', port: 0x2379 },
      { address: 'v4:0.0.0.0', port: 10000 },
      { address: `v6:${'0'.repeat(31)}1`, port: 0x1a0b },
      { address: 'v4:10.0.1.2', port: 0x192b },
    ]);
  });

  it('tells free, in-use and unavailable-address ports as binding would', () => {
    const listeners = tcpListeners(TCP);
    const addresses = localAddresses(FIB, INET6);
    expect([...addresses]).toEqual(['v4:10.0.1.2', `v6:${'0'.repeat(31)}1`, 'v6:fe80000000000000e46a70fffef1fcb6']);
    expect(portStateOf(listeners, addresses, 0x2379)).toBe('in-use');
    expect(portStateOf(listeners, addresses, 0x2379, '10.0.1.2')).toBe('free');
    expect(portStateOf(listeners, addresses, 10000, '10.0.1.2')).toBe('in-use');
    expect(portStateOf(listeners, addresses, 0x1a0b, '::1')).toBe('in-use');
    expect(portStateOf(listeners, addresses, 0x192b, '10.0.1.2')).toBe('in-use');
    expect(portStateOf(listeners, addresses, 0x192b, '::ffff:10.0.1.2')).toBe('in-use');
    expect(portStateOf(listeners, addresses, 6443, '0.0.0.0')).toBe('in-use');
    expect(portStateOf(listeners, addresses, 6444, '0.0.0.0')).toBe('free');
    expect(portStateOf(listeners, addresses, 6443, '10.9.9.9')).toBe('unavailable-address');
  });
});
