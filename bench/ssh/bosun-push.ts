// bosun's side of the ssh bench (bench/sections/ssh.mjs bundles and runs it): what `upgrade nodes` does to a
// host's kubelet over SSH, without the roll around it (drain, Node watches). The cluster file is read by bosun's
// own parser; one SshPool reaches and verifies every host (connectAll), then each host gets the binary through
// SshHost.writeFileAtomic (SFTP, temp file in /usr/bin, rename) and `systemctl restart kubelet`, `--parallel`
// hosts at a time. Prints one JSON line: the pool's dials per connection and the time each stage took.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { SshPool } from '../../src/host/ssh/pool.js';
import type { SshHostSettings } from '../../src/host/ssh/settings.js';
import { parseInventory } from '../../src/inventory/inventory.js';
import { KUBELET_BINARY } from '../../src/kube/paths.js';

const { values } = parseArgs({
  options: {
    inventory: { type: 'string' },
    'known-hosts': { type: 'string' },
    binary: { type: 'string' },
    parallel: { type: 'string', default: '8' },
    hosts: { type: 'string' },
  },
});
const { inventory, binary, hosts: names } = values;
const knownHosts = values['known-hosts'];
if (!inventory || !knownHosts || !binary || !names)
  throw new Error('usage: ssh-push --inventory FILE --known-hosts FILE --binary FILE --hosts a,b,… [--parallel N]');
const parallel = Number(values.parallel);

const cluster = parseInventory(await readFile(inventory, 'utf8'), inventory);
const settings: SshHostSettings[] = names.split(',').map((name) => {
  const host = cluster.get(name);
  if (host?.reach.via !== 'ssh') throw new Error(`${inventory}: ${name} is not an SSH host`);
  const { address, port, user, keyPath } = host.reach.ssh;
  return { name, address, port, user, keyPath };
});

const pool = new SshPool({ knownHostsFile: knownHosts, env: process.env });
try {
  const started = performance.now();
  const hosts = await pool.connectAll(settings, parallel);
  const connected = performance.now();
  // `upgrade nodes` reads the binary on the operator's machine and pushes the same bytes to every node.
  const bytes = await readFile(binary);
  const limit = pLimit(parallel);
  await Promise.all(
    hosts.map((host) =>
      limit(async () => {
        await host.writeFileAtomic(KUBELET_BINARY, bytes, 0o755);
        await host.service('kubelet').restart();
      }),
    ),
  );
  const done = performance.now();
  process.stdout.write(`${JSON.stringify({ dials: pool.dials(), connectMs: connected - started, pushMs: done - connected })}\n`);
} finally {
  await pool.close();
}
