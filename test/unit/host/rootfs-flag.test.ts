import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { openDoors } from '../../../src/workflow/doors.js';

describe('--rootfs', () => {
  it.each(['', ' ', '\t\n'])('refuses %j as a usage error that says how to act on this machine', (value) => {
    let error: unknown;
    try {
      openDoors({ rootfs: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      `--rootfs ${JSON.stringify(value)}: expected a directory. To act on this machine, omit --rootfs (or give --rootfs /); ` +
        "to render a node's files, give the directory they go under",
    );
  });

  it('/ is this machine, as without the flag', () => {
    expect(openDoors({ rootfs: '/' }).host.offline).toBe(false);
    expect(openDoors({}).host.root).toBe('/');
  });
});

describe('LocalHost', () => {
  it('refuses an empty root, which would be the working directory', () => {
    expect(() => new LocalHost('')).toThrow('LocalHost: the root must be a directory, not empty');
  });
});
