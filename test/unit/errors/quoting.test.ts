import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportError } from '../../../src/cli/report.js';
import { ConfigError, printable } from '../../../src/errors.js';
import { tempDir } from '../../support/temp.js';
import { runCli } from '../config/support.js';

const ESC = '\x1b';
/** No control character but newline and tab: nothing a terminal would act on. */
const terminalSafe = (text: string) =>
  Array.from(text).every((c) => {
    const code = c.codePointAt(0)!;
    const control = (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code <= 0x9f);
    return !control && !(code >= 0x202a && code <= 0x202e) && !(code >= 0x2066 && code <= 0x2069);
  });

// The CLI loads the Kubernetes client library on first use: seconds on a busy machine.
const CLI_TIMEOUT_MS = 60_000;

describe('configuration values echoed in messages', { timeout: CLI_TIMEOUT_MS }, () => {
  it('a value and an unknown key with escape sequences are shown escaped', async () => {
    const dir = tempDir('bosun-quoting-');
    const file = path.join(dir, 'cfg.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: InitConfiguration',
        'nodeRegistration:',
        '  imagePullPolicy: "\\e[2J\\e]0;pwned\\aAlways"',
        '"\\e[31mevil\\u202e": 1',
        'patches: {directory: /tmp, extra: "\\x9b1m"}',
        '',
      ].join('\n'),
    );
    const { code, stderr } = await runCli(['config', 'validate', '--config', file]);
    expect(code).toBe(1);
    expect(terminalSafe(stderr)).toBe(true);
    expect(stderr).not.toContain(ESC);
    expect(stderr).toContain('"\\x1b[2J\\x1b]0;pwned\\x07Always" is not valid; expected one of');
    expect(stderr).toContain('unknown field "\\x1b[31mevil\\u202e"');
    expect(stderr).toContain('unknown field "extra"');
  });

  it('the CLI escapes control characters of any message it prints, keeping its lines', () => {
    const err = new ConfigError('cfg.yaml', 'ClusterConfiguration', 'kubernetesVersion', `"v1.37.1${ESC}[8m" is not a version\n\tsee --help`);
    const { text } = reportError(err, 'running "bosun init"', false);
    expect(text).toBe('error: cfg.yaml: ClusterConfiguration: kubernetesVersion: "v1.37.1\\x1b[8m" is not a version\n\tsee --help\n');
    expect(printable('a\u009bb\u2066c')).toBe('a\\x9bb\\u2066c');
  });
});
