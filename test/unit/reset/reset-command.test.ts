/** `bosun reset`'s command line: bad flags are refused naming the flag, before the node is touched. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerReset } from '../../../src/commands/reset/command.js';
import { filesUnder } from '../../support/join.js';
import { tempDir } from '../../support/temp.js';

function run(...args: string[]): Promise<unknown> {
  const program = new Command('bosun').exitOverride();
  registerReset(program, { home: '/nonexistent', bosunVersion: '0.0.0', variables: {} });
  return program.parseAsync(['reset', ...args], { from: 'user' });
}

function workerRoot(): string {
  const root = tempDir('bosun-reset-cli-');
  mkdirSync(path.join(root, 'var/lib/kubelet'), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'x');
  return root;
}

describe('bosun reset flags', () => {
  it('refuses --host without --inventory, --inventory without --host, and --rootfs with --inventory', async () => {
    await expect(run('--host', 'worker-1')).rejects.toMatchObject({
      exitCode: 2,
      message: '--host: names a host of a cluster file: give the file with --inventory',
    });
    await expect(run('--inventory', 'cluster.yaml')).rejects.toMatchObject({
      exitCode: 2,
      message: '--inventory: needs --host: the host of the file to reset',
    });
    await expect(run('--inventory', 'cluster.yaml', '--host', 'a', '--rootfs', '/tmp')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('refuses an unknown phase to skip, and a run without a terminal to confirm on, changing nothing', async () => {
    const root = workerRoot();
    await expect(run('--rootfs', root, '--force', '--skip-phases', 'cleanup-nodes')).rejects.toThrow(/--skip-phases.*cleanup-nodes/);
    await expect(run('--rootfs', root)).rejects.toThrow(/stdin is not a terminal; pass --force \(-f\) to proceed non-interactively/);
    expect(filesUnder(root)).toEqual(['var/lib/kubelet/config.yaml']);
  });
});
