import path from 'node:path';
import { Command } from 'commander';
import { initDefaultsYaml, joinDefaultsYaml, migratedYaml, validateConfig, type CommandPhases } from './documents.js';
import { loadConfigFile } from '../../config/load.js';
import { LocalHost } from '../../host/local.js';
import { commaList as list } from '../../workflow/flags.js';

/**
 * `bosun config print|migrate|validate`: kubeadm's `config` commands for kubeadm's file format. `phases` gives
 * init's and join's phase paths (the CLI knows the commands; this one does not import them), loaded when needed.
 */
export function registerConfig(program: Command, phases: () => Promise<CommandPhases>): void {
  const config = program.command('config').description('Print, migrate and validate kubeadm configuration files');

  const print = config.command('print').description('Print default configuration');
  print
    .command('init-defaults')
    .description("Print the default configuration for 'bosun init' (placeholders instead of a real token, address and node name)")
    .option('--component-configs <kinds>', 'also print these component configs: KubeletConfiguration, KubeProxyConfiguration', list)
    .action((opts: { componentConfigs?: string[] }) => {
      process.stdout.write(initDefaultsYaml(opts.componentConfigs));
    });
  print
    .command('join-defaults')
    .description("Print the default configuration for 'bosun join' (placeholders instead of a real token and endpoint)")
    .action(() => {
      process.stdout.write(joinDefaultsYaml());
    });

  config
    .command('migrate')
    .description('Convert a kubeadm config file (v1beta3 or v1beta4) to v1beta4, defaulted and validated')
    .requiredOption('--old-config <file>', 'the config file to convert')
    .option('--new-config <file>', 'where to write the result (atomically, mode 0600: it may hold tokens); default: stdout')
    .action(async (opts: { oldConfig: string; newConfig?: string }) => {
      const output = migratedYaml(await loadConfigFile(new LocalHost('/'), opts.oldConfig, '--old-config'));
      if (!opts.newConfig) return void process.stdout.write(output);
      await new LocalHost('/').writeFileAtomic(path.resolve(opts.newConfig), output, 0o600);
    });

  config
    .command('validate')
    .description("Check a kubeadm config file as 'bosun init' and 'bosun join' would; prints ok or the problems")
    .requiredOption('--config <file>', 'the config file to check')
    .action(async (opts: { config: string }) => {
      validateConfig(await loadConfigFile(new LocalHost('/'), opts.config), await phases());
      process.stdout.write('ok\n');
    });
}
