/**
 * `bosun kubeconfig user` against a real API server (test/support/control-plane.ts): the kubeconfig it prints, with a
 * client certificate signed by the cluster CA on the node or with a token, is who `kubectl auth whoami` says it is.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPhases } from '../../src/commands/init/phases.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/versions/pinned.js';
import { runWorkflow } from '../../src/workflow/run.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { bosun, runCommand } from '../support/sandbox.js';

const kubectl = path.join(artifactDir(kubernetesArtifact(DEFAULT_KUBERNETES_VERSION)), 'kubectl');

interface WhoAmI {
  status: { userInfo: { username: string; groups: string[] } };
}

describe('kubeconfig user against a real API server', () => {
  let cp: ControlPlane;
  let dir: string;

  /** Prints a kubeconfig with bosun on the control-plane node's root and asks the API server who it is. */
  async function whoami(file: string, ...args: string[]): Promise<WhoAmI['status']['userInfo']> {
    const printed = await bosun('kubeconfig', 'user', ...args, '--rootfs', cp.root);
    expect(printed.code, printed.stderr).toBe(0);
    await writeFile(path.join(dir, file), printed.stdout, { mode: 0o600 });
    const answer = await runCommand([kubectl, '--kubeconfig', path.join(dir, file), 'auth', 'whoami', '-o', 'json']);
    expect(answer.code, answer.stderr).toBe(0);
    return (JSON.parse(answer.stdout) as WhoAmI).status.userInfo;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bosun-kubeconfig-user-'));
    cp = await startControlPlane(DEFAULT_KUBERNETES_VERSION, 'cp1');
    try {
      await runWorkflow(initPhases, cp.ctx, { only: 'wait-control-plane' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await cp.logTails()}`, { cause: err });
    }
  });

  afterAll(async () => {
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a client certificate signed by the node’s cluster CA: the user is the name, its groups the organizations', async () => {
    const user = await whoami('jane.conf', '--client-name', 'jane', '--org', 'dev,ops', '--validity-period', '1h');
    expect(user.username).toBe('jane');
    expect(user.groups).toEqual(expect.arrayContaining(['dev', 'ops', 'system:authenticated']));
  });

  it('a token: the user is the token’s (a bootstrap token here)', async () => {
    const [id, secret] = ['abcdef', '0123456789abcdef'];
    await cp.admin.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true' },
    });
    const user = await whoami('token.conf', '--client-name', 'robot', '--token', `${id}.${secret}`);
    expect(user.username).toBe(`system:bootstrap:${id}`);
  });
});
