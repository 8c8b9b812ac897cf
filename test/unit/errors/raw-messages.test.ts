import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp.js';
import { runCli } from '../config/support.js';

/** What a runtime wrote, not bosun: none of it may reach the user. */
const RAW = /\bE[A-Z]{3,}\b|Invalid URL|Cannot read prop|Unexpected token|is not a function|is not iterable|TypeError|internal error/;

async function refused(args: string[], expected: string): Promise<void> {
  const { code, stderr } = await runCli(args);
  expect(stderr, stderr).toContain(expected);
  // The temp directory's random suffix may itself look like an error code (bosun-raw-ESADBX).
  expect(stderr.replace(/bosun-raw-\w+/g, 'bosun-raw-dir')).not.toMatch(RAW);
  expect(code).toBe(1);
}

// The CLI loads the Kubernetes client library on first use: seconds on a busy machine.
const CLI_TIMEOUT_MS = 60_000;

describe('no raw runtime message: each of these names the file or flag at fault', { timeout: CLI_TIMEOUT_MS }, () => {
  const dir = tempDir('bosun-raw-');
  const rootfs = path.join(dir, 'root');
  mkdirSync(path.join(rootfs, 'discovery.conf'), { recursive: true });
  writeFileSync(path.join(dir, 'null.yaml'), 'null\n');
  mkdirSync(path.join(dir, 'inventory'));
  // A cluster nobody answers for: the commands below fail on their input before they would ask it.
  const kubeconfig = path.join(dir, 'admin.conf');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\n' +
      'contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\nusers: [{name: u, user: {token: t}}]\n',
  );

  it('join --discovery-file that is not a URL', async () => {
    await refused(
      ['join', '--dry-run', '--rootfs', rootfs, '--discovery-file', 'https://['],
      '--discovery-file: "https://[" is not a URL; expected https://host[:port]/path',
    );
  });

  it('join --discovery-file that is a directory on the node', async () => {
    await refused(
      ['join', '--dry-run', '--rootfs', rootfs, '--discovery-file', '/discovery.conf'],
      'discovery file /discovery.conf: cannot read it: found a directory; expected a regular file (a kubeconfig)',
    );
  });

  it('a kubeconfig holding null', async () => {
    for (const args of [
      ['token', 'list'],
      ['upgrade', 'plan'],
    ]) {
      await refused(
        [...args, '--kubeconfig', path.join(dir, 'null.yaml')],
        `${path.join(dir, 'null.yaml')}: not a valid kubeconfig: is not a kubeconfig (kind: Config)`,
      );
    }
  });

  it('upgrade nodes --inventory that is a directory', async () => {
    await refused(
      ['upgrade', 'nodes', '--kubeconfig', kubeconfig, '--inventory', path.join(dir, 'inventory')],
      `--inventory ${path.join(dir, 'inventory')}: found a directory; expected a regular file (a config file)`,
    );
  });
});
