import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addPhaseCommands, engineOptions, provideRunEnvironment, takesProgress, withProgressOption } from '../../../src/workflow/cli.js';
import type { Phase } from '../../../src/workflow/phase.js';

const TREE: Phase<object>[] = [
  { name: 'preflight', description: 'checks' },
  { name: 'certs', description: 'certificates', phases: [{ name: 'ca', description: 'the CA' }] },
];

/** `workflow phase …` commands over TREE; each action records the phase path and the options it was given. */
function program() {
  const ran: Array<{ path: string; progress?: string }> = [];
  const root = new Command('workflow').exitOverride();
  const phase = root.command('phase').exitOverride();
  addPhaseCommands(
    phase,
    TREE,
    (cmd) => cmd.option('--rootfs <dir>').exitOverride(),
    async (path, cmd) => {
      ran.push({ path, progress: cmd.opts<{ progress?: string }>().progress });
    },
  );
  return { root, ran };
}

describe('the workflow CLI', () => {
  it('gives every phase command --progress, with the phase flags', async () => {
    const { root, ran } = program();
    await root.parseAsync(['phase', 'preflight', '--progress', 'json', '--rootfs', '/x'], { from: 'user' });
    await root.parseAsync(['phase', 'certs', 'all', '--progress=plain'], { from: 'user' });
    await root.parseAsync(['phase', 'certs', 'ca'], { from: 'user' });
    expect(ran).toEqual([
      { path: 'preflight', progress: 'json' },
      { path: 'certs', progress: 'plain' },
      { path: 'certs/ca', progress: undefined },
    ]);
  });

  it('refuses a progress mode it does not know', async () => {
    const { root } = program();
    root.commands.flatMap((c) => [c, ...c.commands]).forEach((c) => c.configureOutput({ writeErr: () => undefined }));
    await expect(root.parseAsync(['phase', 'preflight', '--progress', 'fancy'], { from: 'user' })).rejects.toThrow(/Allowed choices are tty, plain, json/);
  });

  it('adds --progress once however often it is asked', () => {
    const cmd = withProgressOption(withProgressOption(new Command('init')));
    expect(cmd.options.filter((o) => o.long === '--progress')).toHaveLength(1);
    expect(takesProgress(cmd)).toBe(true);
    expect(takesProgress(new Command('token'))).toBe(false);
  });

  it('hands the engine the interrupt signal the CLI entry provided', () => {
    const cmd = withProgressOption(new Command('init'));
    expect(engineOptions(cmd).signal).toBeUndefined();
    const interrupt = new AbortController();
    provideRunEnvironment(cmd, { terminal: { ci: true, isTTY: false }, signal: interrupt.signal });
    const opts = engineOptions(cmd);
    expect(opts.signal).toBe(interrupt.signal);
    expect(typeof opts.sink).toBe('function');
  });
});
