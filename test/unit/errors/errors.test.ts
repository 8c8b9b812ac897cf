import { CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportError } from '../../../src/cli/report.js';
import { ConfigError, describeError, isRuntimeError, preconditionFailed, quote, usageError, UserError } from '../../../src/errors.js';

describe('UserError', () => {
  it('keeps the message-and-exit-code form, its category following the code', () => {
    const err = new UserError('--max-unavailable: expected a node count', 3);
    expect(err.message).toBe('--max-unavailable: expected a node count');
    expect(err).toMatchObject({ exitCode: 3, category: 'precondition', what: '--max-unavailable: expected a node count', where: {} });
    expect(new UserError('x')).toMatchObject({ exitCode: 1, category: 'user' });
    expect(new UserError('interrupted by SIGTERM', 143)).toMatchObject({ exitCode: 143, category: 'interrupted' });
  });

  it('renders what, where and expected in one shape', () => {
    const err = new UserError({ what: 'unknown kind "Kubelet"', where: { flag: '--component-configs' }, expected: 'KubeletConfiguration' });
    expect(err.message).toBe('--component-configs: unknown kind "Kubelet"; expected KubeletConfiguration');
    expect(err.exitCode).toBe(1);
    const deep = new UserError({ what: 'is missing', where: { host: 'cp-1', file: '/etc/kubernetes/admin.conf', document: 'Config', field: 'users[0]' } });
    expect(deep.message).toBe('host cp-1: /etc/kubernetes/admin.conf: Config: users[0]: is missing');
    expect(new UserError({ what: 'is a directory', where: { flag: '--kubeconfig', file: '/tmp' } }).message).toBe('--kubeconfig /tmp: is a directory');
  });

  it('usage errors exit 2, failed preconditions 3', () => {
    expect(usageError('needs an endpoint', { flag: 'join' })).toMatchObject({ exitCode: 2, category: 'usage', message: 'join: needs an endpoint' });
    const skew = preconditionFailed('kubelet v1.35 is too old', { object: 'Node worker-1' }, 'v1.36 or newer');
    expect(skew).toMatchObject({ exitCode: 3, category: 'precondition', message: 'Node worker-1: kubelet v1.35 is too old; expected v1.36 or newer' });
  });

  it('ConfigError keeps its constructor and message, and fills the shape', () => {
    const err = new ConfigError('cfg.yaml', 'ClusterConfiguration', 'networking.podSubnet', 'expected a CIDR');
    expect(err.message).toBe('cfg.yaml: ClusterConfiguration: networking.podSubnet: expected a CIDR');
    expect(err).toMatchObject({ what: 'expected a CIDR', where: { file: 'cfg.yaml', document: 'ClusterConfiguration', field: 'networking.podSubnet' } });
    expect(err).toMatchObject({ file: 'cfg.yaml', kind: 'ClusterConfiguration', field: 'networking.podSubnet', problem: 'expected a CIDR', exitCode: 1 });
    expect(new ConfigError(undefined, undefined, 'the endpoint argument', 'bad').message).toBe('<flags>: the endpoint argument: bad');
  });
});

/** Code points that quoting must get right: ESC, CSI, DEL, newline, quote, backslash, bidi override and isolate, an astral. */
const TRICKY = [0x1b, 0x9b, 0x7f, 0x0a, 0x22, 0x5c, 0x202e, 0x2066, 0x1f600];
const text = (codes: number[]) => String.fromCodePoint(...codes);

describe('quote', () => {
  it('escapes control characters, so no terminal escape sequence reaches the terminal', () => {
    expect(quote('v1.37.1\x1b[2J\x1b]0;owned\x07')).toBe('"v1.37.1\\x1b[2J\\x1b]0;owned\\x07"');
    expect(quote('a\nb\r\tc"d\\e')).toBe('"a\\nb\\r\\tc\\"d\\\\e"');
    expect(quote('\x9b31m\x7f')).toBe('"\\x9b31m\\x7f"');
    expect(quote('admin\u202egnp.exe')).toBe('"admin\\u202egnp.exe"');
    expect(quote(' 10.96.0.0/12')).toBe('" 10.96.0.0/12"');
  });

  it('cuts long values with an ellipsis, never inside a character', () => {
    expect(quote('x'.repeat(200))).toBe(`"${'x'.repeat(79)}…"`);
    expect(quote('😀'.repeat(10), 4)).toBe('"😀😀😀…"');
  });

  it('never lets a control character through, and stays short, whatever the value', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...TRICKY), fc.integer({ min: 0, max: 0x2100 })), { maxLength: 120 }).map(text), (value) => {
        const shown = quote(value);
        const unsafe = Array.from(shown).filter((c) => {
          const code = c.codePointAt(0)!;
          return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
        });
        return unsafe.length === 0 && Array.from(shown.replace(/\\(x..|u....|.)/g, '_')).length <= 82;
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});

describe('runtime errors', () => {
  const nullRead = (() => {
    try {
      return new Error(String((null as unknown as { clusters: unknown }).clusters));
    } catch (err) {
      return err as Error;
    }
    throw new Error('no TypeError');
  })();
  const eisdir = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', syscall: 'read', errno: -21 });
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/etc/x'"), { code: 'ENOENT', syscall: 'open', path: '/etc/x' });

  it('tells runtime and system errors from bosun’s own', () => {
    expect(isRuntimeError(nullRead)).toBe(true);
    expect(isRuntimeError(eisdir)).toBe(true);
    expect(isRuntimeError(new SyntaxError('Unexpected token } in JSON'))).toBe(true);
    expect(isRuntimeError(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }))).toBe(true);
    expect(isRuntimeError(new Error('has no server for its cluster'))).toBe(false);
    expect(isRuntimeError(new UserError('x'))).toBe(false);
  });

  it('describes them without the raw message', () => {
    expect(describeError(nullRead)).toBe('internal error (TypeError; BOSUN_DEBUG=1 prints the stack trace)');
    expect(describeError(enoent)).toBe('/etc/x: does not exist');
    expect(describeError(eisdir)).toBe('is a directory; expected a file');
    expect(describeError(new Error('has no server'))).toBe('has no server');
    expect(describeError('a string')).toBe('internal error: a thrown string');
  });

  it('the CLI reports one as an internal error saying what bosun was doing, exit 4', () => {
    const report = reportError(nullRead, 'running "bosun token create"', false);
    expect(report.code).toBe(4);
    expect(report.text).toBe(
      'error: internal error while running "bosun token create": an unexpected TypeError\nThis is a bug in bosun; BOSUN_DEBUG=1 prints the stack trace.\n',
    );
    expect(reportError(enoent, 'running "bosun init"', false).text).toContain('internal error while running "bosun init": /etc/x: does not exist\n');
    const debug = reportError(new Error('outer', { cause: nullRead }), 'running "bosun init"', true).text;
    expect(debug).toContain('caused by: TypeError: Cannot read properties of null');
  });

  it('user errors keep their exit code; commander usage errors exit 2, help and version 0', () => {
    expect(reportError(new UserError('bad', 3), 'x', false)).toEqual({ text: 'error: bad\n', code: 3 });
    expect(reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--frob'"), 'x', false)).toEqual({ text: '', code: 2 });
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 'x', false).code).toBe(0);
  });
});
