/**
 * kwok for fresh machines (`sandbox hosts`): the Nodes of the machines' kubelet stand-ins are kept Ready by kwok,
 * which needs a cluster. This waits for the first control-plane host's admin.conf (written when something
 * initialises the cluster), then runs kwok against it until SIGTERM, starting it again if it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { KWOK, locateBinary } from './binaries.js';
import { SANDBOX_POD_SUBNET } from './init-config.js';
import { assembleStages, kwokArgs } from './kwok.js';
import { ADMIN_CONF, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';
import { requireState } from './state.js';

const POLL_MS = 1_000;

export async function runKwokWhenClusterExists(dir: string): Promise<void> {
  const state = await requireState(dir);
  const paths = sandboxPaths(dir);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const kwok = await locateBinary(KWOK, 'kwok', state.binDir);
  if (!kwok) throw new UserError('kwok is not built: bosun sandbox binaries');
  let stopping = false;
  let child: ChildProcess | undefined;
  const stop = () => {
    stopping = true;
    child?.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const kubeconfig = path.join(paths.nodeRoot(CONTROL_PLANE_NODE), ADMIN_CONF);
  log(`waiting for ${kubeconfig}`);
  while (!stopping && !existsSync(kubeconfig)) await sleep(POLL_MS);
  await fs.mkdir(paths.kwokDir, { recursive: true });
  const stagesFile = path.join(paths.kwokDir, 'stages.yaml');
  await fs.writeFile(stagesFile, await assembleStages());
  while (!stopping) {
    const argv = kwokArgs(kwok, kubeconfig, stagesFile, SANDBOX_POD_SUBNET);
    log(`starting ${argv.join(' ')}`);
    child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child!.on('close', resolve));
    log(`kwok exited (${code})`);
    if (!stopping) await sleep(2 * POLL_MS);
  }
}
