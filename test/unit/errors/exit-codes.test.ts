import { describe, expect, it } from 'vitest';
import { checkVersionPolicy } from '../../../src/commands/upgrade/phases/preflight.js';
import { ClusterError, TIMEOUT, UNREACHABLE } from '../../../src/cluster/errors.js';
import { UserError } from '../../../src/errors.js';
import { runChecks } from '../../../src/workflow/checks.js';
import { phaseIO } from '../../../src/workflow/io.js';
import { initConfig, stateOf } from '../upgrade/support.js';
import { runCli } from '../config/support.js';

const thrown = async (fn: () => unknown): Promise<UserError> => {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('nothing was thrown');
};

// The CLI loads the Kubernetes client library on first use: seconds on a busy machine.
const CLI_TIMEOUT_MS = 60_000;

describe('exit codes', { timeout: CLI_TIMEOUT_MS }, () => {
  it('2 for usage errors: unknown command or flag, missing argument or option', async () => {
    for (const args of [['frobnicate'], ['init', '--frobnicate'], ['config', 'validate'], ['drain', '--timeout'], ['token', 'delete', 'a', 'b', '--frob']]) {
      const { code, stderr } = await runCli(args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(/^error: /);
    }
  });

  it('2 for a flag whose value is missing because the next word is a flag, which is not read as a file', async () => {
    const { code, stderr } = await runCli(['config', 'migrate', '--new-config', 'out.yaml', '--old-config', '--']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: --old-config: its value is missing: the next word, "--", is a flag; expected a value right after --old-config\n');
  });

  it('0 for help and version, which list the exit codes', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:\n  0         success\n  1         bad input or configuration');
    expect(help.stdout).toContain('  3         failed precondition on the cluster or node');
    expect(help.stdout).toContain('  130, 143  interrupted by SIGINT or SIGTERM');
    expect((await runCli(['--version'])).code).toBe(0);
  });

  it('1 for bad input', async () => {
    expect((await runCli(['init', '--dry-run', '--kubernetes-version', 'banana'])).code).toBe(1);
  });

  it('3 when preflight fails', async () => {
    const failing = [{ name: 'Port-6443', run: async () => ({ errors: ['Port 6443 is in use'] }) }];
    const err = await thrown(() =>
      runChecks(
        failing,
        new Set(),
        phaseIO('preflight', () => undefined),
      ),
    );
    expect(err).toMatchObject({ exitCode: 3, category: 'precondition' });
    await expect(
      runChecks(
        failing,
        new Set(['port-6443']),
        phaseIO('preflight', () => undefined),
      ),
    ).resolves.toBeUndefined();
  });

  it('3 when the control plane does not answer; an answer that refuses stays 1', () => {
    expect(new ClusterError('get', 'Node a', UNREACHABLE, 'connect ECONNREFUSED').exitCode).toBe(3);
    expect(new ClusterError('get', 'Node a', TIMEOUT, 'no answer within 30s').exitCode).toBe(3);
    expect(new ClusterError('get', 'Node a', 'NotFound', 'nodes "a" not found', 404).exitCode).toBe(1);
  });

  it('3 when a version skew rule forbids the upgrade', async () => {
    const err = await thrown(() => checkVersionPolicy(stateOf(initConfig('v1.36.3')), 'v1.35.0', new Set()));
    expect(err.message).toMatch(/^cannot upgrade the control plane from v1.36.3 to v1.35.0/);
    expect(err.exitCode).toBe(3);
  });
});
