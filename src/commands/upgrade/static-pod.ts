/**
 * Upgrading one static Pod, kubeadm's way: skip it when its manifest would not change; back up the manifest
 * (and etcd's data); renew its certificates; write the new manifest; wait for the kubelet to run it and for the
 * component to be healthy; on failure put back the manifests this run changed (an etcd upgraded successfully stays)
 * and fail naming the component. Each step is journaled before it is taken (journal.ts), so a run that was killed
 * is finished by the next one with the backups it took.
 */
import path from 'node:path/posix';
import { formatDuration } from '../../config/duration.js';
import { MANIFESTS_DIR } from '../../kube/paths.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { MANIFEST_MODE, MANIFESTS_DIR_MODE, manifestPath } from '../../manifests/static-pods.js';
import { ensureDir } from '../../node/files.js';
import { renewForComponent } from '../../node/renew-certificates.js';
import { ComponentNotHealthy, currentHash, waitHealthy } from '../../node/static-pod-health.js';
import { readManifest } from '../../node/static-pod-files.js';
import { commandArg, desiredManifests, type DesiredManifest } from '../../node/static-pods.js';
import { etcdDowngradeProblem } from '../../versions/skew.js';
import type { PhaseIO } from '../../workflow/phase.js';
import { backupDirs, copyTree, ensureBackupDir, restoreTree } from './backup.js';
import { imageTagOf } from '../../manifests/images.js';
import type { UpgradeContext, UpgradedComponent } from './context.js';
import { readStaticPodFacts } from '../../node/static-pods.js';
import { clearApplyJournal, saveApplyJournal } from './journal.js';

const timeoutText = (ms: number) => formatDuration(BigInt(ms) * 1_000_000n);

/** Backs up etcd's data directory next to the manifests' backups, before etcd is touched. */
async function backUpEtcdData(host: Host, io: PhaseIO, dataDir: string, stamp: string): Promise<UpgradedComponent['etcdData']> {
  const dir = backupDirs(stamp).etcd;
  const backup = path.join(dir, 'etcd');
  await ensureBackupDir(host, dir);
  io.log(`[upgrade/staticpods] Backing up etcd data to "${backup}"`);
  // A copy a killed run left half done starts over: files etcd has since removed must not linger in it.
  if (await host.stat(backup)) await host.remove(backup);
  const bytes = await copyTree(host, dataDir, backup);
  io.log(`[upgrade/staticpods] Backed up ${bytes} bytes of etcd data`);
  return { dir: dataDir, backup };
}

/**
 * Puts back the manifests this run changed, newest first. etcd goes back only when it is what failed (with its
 * data: its manifest is taken away so the kubelet stops it, the data directory is replaced, then the old manifest
 * returns); an etcd that was upgraded successfully stays, as it serves both versions of the API server and an
 * older etcd may not read what the newer one wrote. Then waits (within the timeout) for the restored components to
 * run their old manifests again.
 */
async function rollBack(ctx: UpgradeContext, io: PhaseIO, failed: UpgradedComponent): Promise<string[]> {
  const { host } = ctx;
  const toRestore = [...ctx.run.upgraded].reverse().filter((e) => e.component !== 'etcd' || e === failed);
  const kept = ctx.run.upgraded.find((e) => e.component === 'etcd' && e !== failed);
  if (kept) io.log(`[upgrade/rollback] etcd keeps its new manifest: it was upgraded successfully (its backup is ${kept.manifestBackup})`);
  const restored: UpgradedComponent[] = [];
  for (const entry of toRestore) {
    const file = manifestPath(entry.component);
    const old = await host.readFile(entry.manifestBackup);
    if (!old) {
      io.log(`[upgrade/rollback] WARNING: the backup ${entry.manifestBackup} is gone; ${file} is left as it is`);
      continue;
    }
    if (entry.etcdData) {
      io.log(`[upgrade/rollback] Stopping etcd and restoring its data from "${entry.etcdData.backup}"`);
      await host.remove(file);
      await restoreTree(host, entry.etcdData.backup, entry.etcdData.dir);
    }
    io.log(`[upgrade/rollback] Restoring "${file}" from "${entry.manifestBackup}"`);
    await host.writeFileAtomic(file, old, MANIFEST_MODE);
    restored.push(entry);
  }
  const cluster = await ctx.cluster();
  const node = (await ctx.node()).name;
  const deadline = Date.now() + ctx.options.timeoutMs;
  for (const entry of restored) {
    try {
      await waitHealthy(cluster, entry.component, node, { expectHash: entry.previousHash }, deadline);
      io.log(`[upgrade/rollback] ${entry.component} runs its previous manifest again`);
    } catch (err) {
      io.log(
        `[upgrade/rollback] WARNING: ${entry.component} is not healthy after the rollback: ${err instanceof ComponentNotHealthy ? err.detail : (err as Error).message}`,
      );
    }
  }
  ctx.run.upgraded = ctx.run.upgraded.filter((e) => !restored.includes(e));
  return restored.map((e) => e.component);
}

/** The static Pods this node should run at the target version (etcd left out when its upgrade is off). */
export async function desiredStaticPods(ctx: UpgradeContext): Promise<DesiredManifest[]> {
  const cfg = await ctx.config();
  const facts = await readStaticPodFacts(ctx.host, cfg);
  const currentEtcd = (await readManifest(ctx.host, 'etcd'))?.pod;
  return desiredManifests(cfg, facts, { currentEtcd, etcd: ctx.options.etcdUpgrade });
}

/**
 * Waits for the kubelet to run the component's new manifest and for the component to be healthy; on failure puts
 * the node back (see rollBack) and fails naming the component. Either way the journal says where the run stands.
 */
async function settle(ctx: UpgradeContext, io: PhaseIO, entry: UpgradedComponent): Promise<void> {
  const { component } = entry;
  const cluster = await ctx.cluster();
  const node = (await ctx.node()).name;
  io.log(`[upgrade/staticpods] This can take up to ${timeoutText(ctx.options.timeoutMs)}`);
  try {
    await waitHealthy(cluster, component, node, { previousHash: entry.previousHash }, Date.now() + ctx.options.timeoutMs);
  } catch (err) {
    // Whatever stopped the wait, the node goes back to what it ran before this run.
    const detail = err instanceof ComponentNotHealthy ? err.detail : `its health could not be checked: ${(err as Error).message}`;
    io.log(`[upgrade/staticpods] ${component} ${detail}; rolling back`);
    const restored = await rollBack(ctx, io, entry);
    // The node runs what it ran before (an upgraded etcd aside): a re-run starts a new upgrade.
    ctx.run.inFlight = undefined;
    await clearApplyJournal(ctx);
    throw new UserError(
      `${component} failed on its new manifest: ${detail}. ` +
        `Rolled back ${restored.join(', ')} to the backups in ${path.dirname(entry.manifestBackup)}${entry.etcdData ? ` (etcd data from ${entry.etcdData.backup})` : ''}.`,
    );
  }
  entry.healthy = true;
  ctx.run.inFlight = undefined;
  await saveApplyJournal(ctx);
  io.log(`[upgrade/staticpods] Component "${component}" upgraded successfully!`);
}

/**
 * A component an interrupted run had backed up: its backups stay as they are (the manifest on disk may already be
 * the new one, which must not become its own backup); its new manifest is put in place if it is not, then checked.
 */
async function finishInterrupted(ctx: UpgradeContext, io: PhaseIO, desired: DesiredManifest, entry: UpgradedComponent): Promise<void> {
  const file = manifestPath(desired.component);
  const inPlace = (await readManifest(ctx.host, desired.component))?.text === desired.text;
  io.log(
    `[upgrade/resume] ${desired.component} was ${entry.healthy ? 'upgraded' : 'being upgraded'} by the interrupted run (backup "${entry.manifestBackup}"): ` +
      (inPlace ? 'checking that it runs its new manifest' : `moving its new manifest to "${file}" again`),
  );
  if (!inPlace) {
    await ensureDir(ctx.host, MANIFESTS_DIR, MANIFESTS_DIR_MODE);
    await ctx.host.writeFileAtomic(file, desired.text, MANIFEST_MODE);
  }
  await settle(ctx, io, entry);
}

/** Upgrades one component to its desired manifest (see the file comment), or finishes what an interrupted run began. */
export async function upgradeStaticPod(ctx: UpgradeContext, io: PhaseIO, desired: DesiredManifest): Promise<void> {
  const { host, options } = ctx;
  const { component } = desired;
  const interrupted = ctx.run.upgraded.find((e) => e.component === component);
  if (interrupted) return finishInterrupted(ctx, io, desired, interrupted);
  const file = manifestPath(component);
  const current = await readManifest(host, component);
  if (!current) throw new UserError(`${file} is missing: this node does not run ${component} as a static Pod`);
  if (current.text === desired.text) {
    io.log(`[upgrade/staticpods] Current and new manifests of ${component} are equal, skipping upgrade`);
    return;
  }
  if (component === 'etcd') {
    const problem = etcdDowngradeProblem(imageTagOf(current.pod.spec.containers[0].image), imageTagOf(desired.pod.spec.containers[0].image));
    if (problem) {
      io.log(`[upgrade/etcd] WARNING: ${problem}; skipping the etcd upgrade`);
      return;
    }
  }
  if (ctx.run.inFlight === component) io.log(`[upgrade/resume] ${component} was being backed up when the run stopped: backing it up again`);
  const previousHash = await currentHash(await ctx.cluster(), component, (await ctx.node()).name);
  ctx.run.inFlight = component;
  await saveApplyJournal(ctx);
  const dirs = backupDirs(ctx.run.stamp);
  await ensureBackupDir(host, dirs.manifests);
  const manifestBackup = path.join(dirs.manifests, `${component}.yaml`);
  await host.writeFileAtomic(manifestBackup, current.text, MANIFEST_MODE);
  const dataDir = component === 'etcd' ? commandArg(current.pod, 'data-dir') : undefined;
  const etcdData = dataDir ? await backUpEtcdData(host, io, dataDir, ctx.run.stamp) : undefined;
  if (options.certificateRenewal) await renewForComponent(host, (await ctx.config()).cluster, component, io.log);
  // Journaled before the manifest moves: a component the journal does not list still runs its old manifest.
  const entry: UpgradedComponent = { component, manifestBackup, previousHash, ...(etcdData && { etcdData }) };
  ctx.run.upgraded.push(entry);
  await saveApplyJournal(ctx);
  io.log(`[upgrade/staticpods] Moving new manifest to "${file}" and backing up old manifest to "${manifestBackup}"`);
  await ensureDir(host, MANIFESTS_DIR, MANIFESTS_DIR_MODE);
  await host.writeFileAtomic(file, desired.text, MANIFEST_MODE);
  io.log(`[upgrade/staticpods] Waiting for the kubelet to restart the component`);
  await settle(ctx, io, entry);
}
