import { describe, expect, it } from 'vitest';
import { runCli } from '../config/support.js';

const TOKEN = 'abcdef.0123456789abcdef';
const KEY = 'c0ffee5ec7e7a0fb17cfc334afefdf3326069e113b2fc0fbacbdc9dbff046ae1';

describe('secrets given on the command line', () => {
  it('are not in a refusal that quotes them where a mistyped line put them', async () => {
    const lines = [
      ['init', '--dry-run', '--rootfs', '/nonexistent-bosun-root', '--config', `--token=${TOKEN}`],
      ['init', '--dry-run', '--feature-gates', `--token=${TOKEN}`],
      ['join', '--dry-run', '--node-name', '--token', TOKEN, '10.0.0.1:6443'],
      ['join', '--dry-run', '10.0.0.1:6443', '--discovery-token-unsafe-skip-ca-verification', 'extra', '--discovery-token', TOKEN, TOKEN],
      ['init', '--dry-run', '--upload-certs', '--node-name', `--certificate-key=${KEY}`],
    ];
    for (const line of lines) {
      const { code, stderr } = await runCli(line);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/error/);
      expect(stderr).not.toContain('0123456789abcdef');
      expect(stderr).not.toContain(KEY);
    }
  });
});

describe('a flag whose value is missing', () => {
  it('is named as typed, not hidden as if it were the secret', async () => {
    const { code, stderr } = await runCli([
      'init',
      '--dry-run',
      '--rootfs',
      '/nonexistent-bosun-root',
      '--config',
      '--token',
      '--unknown-flag',
      `--token=${TOKEN}`,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--unknown-flag'");
    expect(stderr).not.toContain('0123456789abcdef');
  });
});
