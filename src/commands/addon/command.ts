/**
 * `bosun addon list|install|upgrade|remove`: the addons of the catalog on a cluster that runs, planned from the
 * cluster's stored configuration, applied server-side and recorded, so what bosun applied it can list and remove.
 */
import { Option, type Command } from 'commander';
import { addonNamed } from '../../addons/catalog.js';
import { readAddonRecords } from '../../addons/record.js';
import { removalPlan } from '../../addons/run-plan.js';
import type { AddonPlan } from '../../addons/addon.js';
import { preconditionFailed, UserError } from '../../errors.js';
import { emitYamlDocuments } from '../../util/yaml.js';
import { confirm } from '../../workflow/confirm.js';
import { kubeconfigOption, type CommandEnvironment } from '../../workflow/flags.js';
import { addonList, formatAddonList, type ListFormat } from './list.js';
import { openSession, planFor, printAndRun, settingsFromFlags, type AddonFlags } from './session.js';

const DRY_RUN = 'print the plan and what would be applied or deleted; change nothing';

function settingOptions(cmd: Command): Command {
  return cmd
    .option('--version <version>', 'the addon version (default: the one bosun pins for the cluster, see bosun addon list)')
    .option('--windows', 'flannel: the Windows settings (VNI 4096, port 4789, the Windows DaemonSets) even before a Windows node joins')
    .option('--mode <mode>', 'calico: operator (the Tigera operator and an Installation, default) or manifest')
    .option('--local-dns <ip>', 'nodelocaldns: the link-local address the cache listens on (default 169.254.20.10)')
    .option('--skip-corefile-migration', 'coredns: keep a customised Corefile as it is instead of migrating it')
    .option('--dry-run', DRY_RUN)
    .addOption(
      new Option('-o, --output <format>', 'with --dry-run: yaml prints only the objects the plan would apply, as multi-document YAML (for review or kubectl)')
        .choices(['text', 'yaml'])
        .default('text'),
    )
    .addOption(kubeconfigOption());
}

/** The objects a plan applies, in its order, as one YAML stream. */
const appliedObjects = (plan: AddonPlan) => emitYamlDocuments(plan.actions.flatMap((a) => (a.action === 'apply' ? [a.object] : [])));

type InstallFlags = AddonFlags & { output: 'text' | 'yaml' };

async function install(name: string, flags: InstallFlags, env: CommandEnvironment, upgrade: boolean): Promise<void> {
  const addon = addonNamed(name);
  if (flags.output === 'yaml' && !flags.dryRun)
    throw new UserError({ what: 'only with --dry-run (the objects the plan would apply)', where: { flag: '-o/--output yaml' } });
  const settings = settingsFromFlags(addon, flags);
  const session = await openSession(flags, env);
  if (upgrade && (await addon.installedVersion(session.cluster)) === undefined) {
    throw preconditionFailed(`addon ${name} is not installed`, { object: name }, `an installed addon; install it with: bosun addon install ${name}`);
  }
  const plan = await planFor(session, addon, settings);
  if (flags.output === 'yaml') process.stdout.write(appliedObjects(plan));
  else await printAndRun(session, plan);
}

async function remove(name: string, flags: AddonFlags & { yes?: boolean }, env: CommandEnvironment): Promise<void> {
  addonNamed(name);
  const session = await openSession(flags, env);
  const record = (await readAddonRecords(session.cluster)).get(name);
  if (!record) {
    throw preconditionFailed(
      `addon ${name} was not installed by bosun (ConfigMap kube-system/bosun-addons has no key ${name})`,
      { object: name },
      'an addon bosun installed; bosun removes only what it recorded applying',
    );
  }
  const plan = removalPlan(name, record);
  if (!flags.dryRun && !flags.yes) await confirm(`[addons] Deleting the ${plan.actions.length} object(s) of addon ${name} ${record.version}. Are you sure?`);
  await printAndRun(session, plan);
}

export function registerAddon(program: Command, env: CommandEnvironment): void {
  const addon = program.command('addon').description('List, install, upgrade and remove cluster addons (CoreDNS, kube-proxy, Flannel, Calico, …)');
  addon
    .command('list')
    .description('Every addon bosun knows: the version the cluster runs, whether bosun installed it, the default version for the cluster')
    .addOption(kubeconfigOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .action(async (flags: { kubeconfig?: string; output: ListFormat }) => {
      const session = await openSession(flags, env);
      process.stdout.write(formatAddonList(await addonList(session.cluster), flags.output));
    });
  settingOptions(addon.command('install').argument('<name>', 'the addon (see bosun addon list)'))
    .description('Install an addon (or re-apply it): print the plan, apply its objects server-side, wait for its workloads, record them')
    .action((name: string, flags: InstallFlags) => install(name, flags, env, false));
  settingOptions(addon.command('upgrade').argument('<name>', 'an installed addon'))
    .description('Move an installed addon to another version (default: the one bosun pins for the cluster); refused when it is not installed')
    .action((name: string, flags: InstallFlags) => install(name, flags, env, true));
  addon
    .command('remove')
    .argument('<name>', 'an addon bosun installed')
    .description('Delete what bosun recorded applying for the addon (namespaced objects first, then Namespaces and CRDs), then its record')
    .option('--dry-run', DRY_RUN)
    .option('-y, --yes', 'do not ask before deleting')
    .addOption(kubeconfigOption())
    .action((name: string, flags: AddonFlags & { yes?: boolean }) => remove(name, flags, env));
}
