import { describe, expect, it } from 'vitest';
import { runCli } from '../config/support.js';

describe('bosun node prepare', () => {
  it('prepares Windows hosts only: on this Linux machine it says so and changes nothing', async () => {
    const { code, stderr } = await runCli(['node', 'prepare', '--dry-run']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/bosun node prepare: a step for Windows nodes, and this host runs linux/);
  });

  it('--host names a host of a cluster file, which --inventory gives', async () => {
    const { code, stderr } = await runCli(['node', 'prepare', '--host', 'win-1']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--host names a host of the cluster file: give --inventory too/);
  });
});
