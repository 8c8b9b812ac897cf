import type { InventoryHost } from '../../../src/inventory/inventory.js';

/** A cluster file's host reached over SSH, the kubelet from packages; `reset` marks it for removal (--prune). */
export const host = (name: string, role: InventoryHost['role'] = 'worker', reset = false): InventoryHost => ({
  name,
  role,
  os: 'linux',
  reach: { via: 'ssh', ssh: { address: `10.0.0.${name.length}`, port: 22, user: 'root' } },
  kubelet: { install: 'package' },
  ...(reset && { reset: true as const }),
});
