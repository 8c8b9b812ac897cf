import { afterAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { manifestPath } from '../../../src/manifests/static-pods.js';
import { backupStamp } from '../../../src/commands/upgrade/backup.js';
import type { ClusterState } from '../../../src/commands/upgrade/cluster-state.js';
import { upgradeConfig, type NodeIdentity } from '../../../src/config/stored.js';
import type { UpgradeContext } from '../../../src/commands/upgrade/context.js';
import { manualInstaller } from '../../../src/commands/upgrade/kubelet.js';
import { applyPhases, nodePhases } from '../../../src/commands/upgrade/phases.js';
import type { Phase } from '../../../src/workflow/phase.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { ADVERTISE, FakeKubelet, initConfig, NODE, options, removeTempHosts, stateOf, tempHost } from './support.js';

process.env.CI = 'true';
afterAll(removeTempHosts);

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

function context(host: Host, state: ClusterState, target: string, identity: NodeIdentity, edit: Partial<UpgradeContext['options']> = {}): UpgradeContext {
  return {
    host,
    options: options(edit),
    target: async () => target,
    cluster: async () => new FakeKubelet(host).asCluster(),
    state: async () => state,
    node: async () => identity,
    config: async () => upgradeConfig(state.configTexts, identity, target, []),
    kubelet: manualInstaller,
    run: { stamp: backupStamp(new Date()), upgraded: [] },
  };
}

/**
 * `tree` with every phase's progress lines also appended to `lines`: the run still goes through the real engine,
 * and the tap sits on the phase IO it hands each phase.
 */
function tapped<C>(tree: Phase<C>[], lines: string[]): Phase<C>[] {
  return tree.map((phase) => ({
    ...phase,
    ...(phase.run && {
      run: (ctx: C, io) =>
        phase.run!(ctx, {
          ...io,
          log: (line) => {
            lines.push(line);
            io.log(line);
          },
        }),
    }),
    ...(phase.phases && { phases: tapped(phase.phases, lines) }),
  }));
}

/** Runs `tree`'s preflight phase alone; resolves to the lines it printed. */
async function preflight(tree: Phase<UpgradeContext>[], ctx: UpgradeContext): Promise<string[]> {
  const lines: string[] = [];
  await runWorkflow(tapped(tree, lines), ctx, { only: 'preflight' });
  return lines;
}

const controlPlane: NodeIdentity = { name: NODE, controlPlane: true, advertiseAddress: ADVERTISE, bindPort: 6443 };

async function nodeWithManifests(components = COMPONENTS): Promise<Host> {
  const host = await tempHost();
  for (const c of components) await host.writeFileAtomic(manifestPath(c), `kind: Pod # ${c}\n`, 0o600);
  return host;
}

describe('upgrade apply preflight', () => {
  it('passes on a healthy single control-plane cluster', async () => {
    const host = await nodeWithManifests();
    const lines = await preflight(applyPhases, context(host, stateOf(initConfig('v1.36.3')), 'v1.37.1', controlPlane));
    expect(lines).toContain('[upgrade/versions] Target version: v1.37.1');
    expect(lines.filter((l) => l.includes('WARNING'))).toEqual([]);
  });

  it('refuses version-rule violations before any check, naming each rule', async () => {
    const host = await nodeWithManifests();
    await expect(runWorkflow(applyPhases, context(host, stateOf(initConfig('v1.36.3')), 'v1.35.0', controlPlane), { only: 'preflight' })).rejects.toThrow(
      /cannot upgrade the control plane from v1.36.3 to v1.35.0:\n {2}\[no-downgrade\]/,
    );
  });

  it('lets overridable rules through with their flag, as warnings', async () => {
    const host = await nodeWithManifests();
    const ctx = context(host, stateOf(initConfig('v1.36.3')), 'v1.37.9', controlPlane, { overrides: new Set(['--force']) });
    const lines = await preflight(applyPhases, ctx);
    expect(lines).toContain(
      '[upgrade/versions] WARNING: [known-version] v1.37.9 is newer than the newest v1.37 release bosun knows (v1.37.1); its images may not exist (allowed by --force)',
    );
    expect(lines.filter((l) => l.includes('WARNING'))).toHaveLength(1);
  });

  it('fails on NotReady control-plane nodes and missing manifests, each check named; ignored ones warn', async () => {
    const host = await nodeWithManifests(['etcd', 'kube-apiserver']);
    const state = stateOf(initConfig('v1.36.3'));
    state.nodes[0].ready = false;
    const run = (ignored: string[]) => preflight(applyPhases, context(host, state, 'v1.37.1', controlPlane, { ignorePreflightErrors: new Set(ignored) }));
    await expect(run([])).rejects.toThrow(
      /\[ERROR ControlPlaneNodesReady\]: there are NotReady control-planes in the cluster: \[cp-1\][\s\S]*\[ERROR StaticPodManifest\]: the manifest for component kube-controller-manager is missing/,
    );
    const lines = await run(['controlplanenodesready', 'staticpodmanifest']);
    expect(lines.filter((l) => l.includes('[WARNING'))).toEqual([
      '\t[WARNING ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: [cp-1]',
      '\t[WARNING StaticPodManifest]: the manifest for component kube-controller-manager is missing: /etc/kubernetes/manifests/kube-controller-manager.yaml',
      '\t[WARNING StaticPodManifest]: the manifest for component kube-scheduler is missing: /etc/kubernetes/manifests/kube-scheduler.yaml',
    ]);
  });

  it('fails on a Corefile the migration cannot carry to the new CoreDNS (CoreDNSMigration), a warning when ignored', async () => {
    const host = await nodeWithManifests();
    const state = { ...stateOf(initConfig('v1.36.3')), coreDNS: { image: 'coredns:v1.3.1', version: 'v1.3.1' } };
    state.coreDNSCorefile = '.:53 {\n    kubernetes cluster.local\n}\nexample.org:53 {\n    proxy internal.example.org 10.0.0.1\n}\n';
    const run = (ignored: string[]) => preflight(applyPhases, context(host, state, 'v1.37.1', controlPlane, { ignorePreflightErrors: new Set(ignored) }));
    await expect(run([])).rejects.toThrow(
      /\[ERROR CoreDNSMigration\]: ConfigMap kube-system\/coredns: data\.Corefile: the Corefile cannot be migrated from CoreDNS v1\.3\.1 to v1\.14\.6/,
    );
    expect((await run(['corednsmigration'])).filter((l) => l.includes('[WARNING'))).toEqual([expect.stringMatching(/^\t\[WARNING CoreDNSMigration\]: /)]);
  });

  it('fails when the backups would not fit on the disk', async () => {
    const roomy = await nodeWithManifests();
    await roomy.writeFileAtomic('/var/lib/etcd/member/snap/db', Buffer.alloc(4096), 0o600);
    const cramped = new (class extends LocalHost {
      override async freeSpace(): Promise<number> {
        return 1024;
      }
    })(roomy.root);
    await expect(runWorkflow(applyPhases, context(cramped, stateOf(initConfig('v1.36.3')), 'v1.37.1', controlPlane), { only: 'preflight' })).rejects.toThrow(
      /\[ERROR DiskSpace\]: \/etc\/kubernetes\/tmp has 1 KiB free; the backups need 5 KiB/,
    );
  });

  it('warns, and goes on, when the free space cannot be told', async () => {
    const unknown = new (class extends LocalHost {
      override async freeSpace(): Promise<number | undefined> {
        return undefined;
      }
    })((await nodeWithManifests()).root);
    const lines = await preflight(applyPhases, context(unknown, stateOf(initConfig('v1.36.3')), 'v1.37.1', controlPlane));
    expect(lines).toContainEqual(
      expect.stringMatching(/^\t\[WARNING DiskSpace\]: cannot tell the free space under \/etc\/kubernetes\/tmp; the backups need \d+ KiB$/),
    );
  });

  it('refuses to run on a node without a control plane', async () => {
    const host = await tempHost();
    await expect(
      runWorkflow(applyPhases, context(host, stateOf(initConfig('v1.36.3')), 'v1.37.1', { name: 'w-1', controlPlane: false }), { only: 'preflight' }),
    ).rejects.toThrow(/node w-1 runs no control plane .* use "bosun upgrade node" here/);
  });
});

describe('upgrade node preflight', () => {
  it('will not make a kubelet newer than the API server', async () => {
    const host = await tempHost();
    const state = stateOf(initConfig('v1.37.1'), { apiServer: 'v1.36.3' });
    await expect(runWorkflow(nodePhases, context(host, state, 'v1.37.1', { name: 'w-1', controlPlane: false }), { only: 'preflight' })).rejects.toThrow(
      /\[kubelet-skew\] kubelet v1.37.1 is newer than the API server v1.36.3; upgrade the control plane first/,
    );
  });
});
