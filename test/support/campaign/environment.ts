import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Keeps the campaign's runs off this machine's own clusters: no $KUBECONFIG, a home without ~/.kube, so a command
 * that looks for a kubeconfig where it was not told finds none instead of a real cluster.
 */
export function isolateEnvironment(): void {
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, XDG_STATE_HOME: process.env.XDG_STATE_HOME };
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'bosun-campaign-home-'));
    process.env.HOME = home;
    process.env.XDG_STATE_HOME = path.join(home, 'state');
    delete process.env.KUBECONFIG;
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });
}
