import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import type { Phase } from '../../../src/workflow/phase.js';
import { PhaseError, runWorkflow } from '../../../src/workflow/run.js';

const failing = (fail: () => never): Phase<object>[] => [{ name: 'certs', description: 'Certificate generation', run: async () => fail() }];

async function failureOf(fail: () => never): Promise<PhaseError> {
  try {
    await runWorkflow(failing(fail), {});
  } catch (err) {
    return err as PhaseError;
  }
  throw new Error('the run did not fail');
}

describe('a phase failing on an error bosun did not expect', () => {
  it('names the phase and says internal error, without the runtime message; exit 4', async () => {
    const err = await failureOf(() => {
      throw new TypeError("Cannot read properties of null (reading 'clusters')");
    });
    expect(err.message).toBe('error execution phase certs: internal error (TypeError; BOSUN_DEBUG=1 prints the stack trace)');
    expect(err.exitCode).toBe(4);
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it('a system error in words with its path; exit 1: the machine failed, not bosun', async () => {
    const err = await failureOf(() => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write '/etc/kubernetes/pki/ca.key'"), {
        code: 'ENOSPC',
        syscall: 'write',
        path: '/etc/kubernetes/pki/ca.key',
      });
    });
    expect(err.message).toBe('error execution phase certs: /etc/kubernetes/pki/ca.key: no space left on the device');
    expect(err.exitCode).toBe(1);
  });

  it("a UserError's message and exit code as they are", async () => {
    const err = await failureOf(() => {
      throw new UserError('[preflight] Some fatal errors occurred', 3);
    });
    expect(err).toMatchObject({ message: 'error execution phase certs: [preflight] Some fatal errors occurred', exitCode: 3, category: 'precondition' });
  });
});
