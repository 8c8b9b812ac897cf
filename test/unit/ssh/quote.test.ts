import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact, shCommand, shQuote } from '../../../src/host/ssh/quote.js';

/** What /bin/sh makes of a command line that prints each of its arguments NUL-terminated. */
function shWords(line: string): string[] {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

describe('shQuote', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(shQuote('/etc/kubernetes/admin.conf')).toBe('/etc/kubernetes/admin.conf');
    expect(shQuote('--v=2')).toBe("'--v=2'");
    expect(shQuote('')).toBe("''");
    expect(shQuote('two words')).toBe("'two words'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('~')).toBe("'~'");
    expect(shQuote('#x')).toBe("'#x'");
  });

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => shQuote('a\0b')).toThrow('NUL byte');
  });

  it('round-trips awkward arguments through a real sh', () => {
    const args = ["'", '"', '$(id)', '`id`', '$HOME', '*', '?', '[a]', 'a\nb', '\t', '\\', '!', ';', '&&', '|', '>', '<', '{a,b}', 'é', "'\\''"];
    expect(shWords(shCommand('printf', ['%s\\0', ...args]))).toEqual(args);
  });

  it('round-trips any string without NUL through a real sh (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 6 },
        ),
        (args) => {
          expect(shWords(shCommand('printf', ['%s\\0', ...args]))).toEqual(args);
        },
      ),
      { numRuns: 100 },
    );
    // A hundred real shells: slow on a busy machine, so no tight deadline.
  }, 120_000);
});

describe('redact', () => {
  it('hides secrets in their quoted and raw forms, longest first', () => {
    expect(redact(shCommand('kubeadm', ['join', '--token', 'abcdef.0123456789abcdef']), ['abcdef.0123456789abcdef'])).toBe('kubeadm join --token ***');
    expect(redact(shCommand('x', ['a secret']), ['a secret'])).toBe('x ***');
    expect(redact('key=abc abcd', ['abc', 'abcd'])).toBe('key=*** ***');
    expect(redact('nothing to hide', [''])).toBe('nothing to hide');
  });
});
