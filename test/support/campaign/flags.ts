import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Case } from './campaign.js';
import { COMMANDS, STRAY_FLAGS, type CaseFiles, type CommandSpec, type Plausible, type RootfsMode } from './flag-table.js';
import { CLOSED_PORT, KEY_MARKER, SAMPLE_CONFIG as SAMPLE, type NodeTemplate } from './node-state.js';
import { certificateKey, hostileString, tokenId, tokenSecret } from './values.js';

type FlagForm = 'separate' | 'equals' | 'bare';

export interface FlagsInput {
  command: number;
  rootfs: RootfsMode;
  flags: Array<{ which: number; form: FlagForm; plausible: boolean; pick: number; value: string }>;
  positionals: Array<{ plausible: boolean; pick: number; value: string }>;
  token: { id: string; secret: string };
  certificateKey: string;
}

/** A command line for one of the commands that need no cluster (or find none where they look), with generated flags. */
export const flagsInput: fc.Arbitrary<FlagsInput> = fc.record({
  // Lines that generate keys are a third of the weight of the others: the run's time goes to many cheap lines.
  command: fc.oneof(...COMMANDS.map((spec, i) => ({ weight: spec.generatesKeys ? 1 : 3, arbitrary: fc.constant(i) }))),
  rootfs: fc.constantFrom<RootfsMode>('dir', 'dir', 'dir', 'missing', 'file', 'empty'),
  flags: fc.array(
    fc.record({
      which: fc.nat(),
      form: fc.constantFrom<FlagForm>('separate', 'separate', 'equals', 'bare'),
      // Mostly valid values, so a line gets past its first flag often enough to reach the others.
      plausible: fc.constantFrom(true, true, false),
      pick: fc.nat(),
      value: hostileString,
    }),
    { maxLength: 4 },
  ),
  positionals: fc.array(fc.record({ plausible: fc.constantFrom(true, true, false), pick: fc.nat(), value: hostileString }), { maxLength: 1 }),
  token: fc.record({ id: tokenId, secret: tokenSecret }),
  certificateKey,
});

function caseFiles(dir: string, spec: CommandSpec, mode: RootfsMode, kubeconfigText: string): CaseFiles & { watched: string } {
  const watched = path.join(dir, 'node');
  mkdirSync(watched);
  const config = path.join(dir, 'config.yaml');
  copyFileSync(SAMPLE, config);
  const kubeconfig = path.join(dir, 'admin.conf');
  writeFileSync(kubeconfig, kubeconfigText);
  const allowed = spec.rootfsModes.includes(mode) ? mode : 'dir';
  const rootfs =
    allowed === 'empty' ? '' : allowed === 'missing' ? path.join(watched, 'missing', 'root') : allowed === 'file' ? path.join(watched, 'file') : watched;
  if (allowed === 'file') writeFileSync(rootfs, 'not a directory\n');
  return { rootfs, config, kubeconfig, dir, watched };
}

/** The case of a flags input; commands that reach for a cluster get the template node's admin kubeconfig (closed port). */
export const flagsCase =
  (node: NodeTemplate, kubeconfigText: string) =>
  (input: FlagsInput, dir: string): Case => {
    const spec = COMMANDS[input.command];
    const files = caseFiles(dir, spec, input.rootfs, kubeconfigText);
    const secrets = { token: `${input.token.id}.${input.token.secret}`, certificateKey: input.certificateKey };
    const choose = (plausible: Plausible | null, g: { plausible: boolean; pick: number; value: string }) => {
      const values = plausible?.(secrets) ?? [];
      return g.plausible && values.length ? values[g.pick % values.length] : g.value;
    };
    const table = [...spec.flags, ...STRAY_FLAGS];
    const generated: string[] = [];
    const names: string[] = [];
    const locations: string[] = [];
    for (const g of input.flags) {
      const [name, plausible] = table[g.which % table.length];
      const value = choose(plausible, g);
      const form = plausible === null && g.form !== 'equals' ? 'bare' : g.form;
      generated.push(...(form === 'bare' ? [name] : form === 'equals' ? [`${name}=${value}`] : [name, value]));
      names.push(name, name.replace(/^-+/, ''));
      if (form !== 'bare') locations.push(value);
    }
    const positionals = input.positionals.map((p) => choose(spec.positional ?? null, p));
    // The cluster a command reaches is a place from its input too: the server its kubeconfig names. Any generated
    // word that is not an option (a lone `-`, the value after a flag that takes none, any word after `--`) may be
    // taken as the argument.
    if ((positionals.length || generated.some((a) => !a.startsWith('-') || a === '-' || a === '--')) && spec.argument) names.push(spec.argument);
    // An empty --rootfs has no value long enough to be matched: the flag is its name.
    if (files.rootfs === '') names.push('--rootfs');
    // An option Commander does not know is named as typed (`-=`, `-1`); a missing node file by its node path.
    names.push(...[...generated, ...positionals].filter((a) => a.startsWith('-') && a.length >= 2));
    locations.push('/etc/kubernetes/', '/var/lib/kubelet/');
    locations.push(...positionals, files.rootfs, files.config, files.kubeconfig, `127.0.0.1:${CLOSED_PORT}`, spec.words[spec.words.length - 1]);
    const given = (flag: string) => generated.includes(flag);
    // init prints the certificate key with --upload-certs and the token in its join command, unless told not to;
    // token create --print-join-command prints the control-plane join command with the key it was given, as kubeadm's.
    const printsKey =
      (spec.name === 'init --dry-run' && given('--upload-certs') && !given('--skip-certificate-key-print')) ||
      (spec.name.startsWith('token create') && given('--print-join-command') && given('--certificate-key'));
    const printsToken = spec.printsToken && !given('--skip-token-print');
    return {
      command: spec.name,
      // The fixed part first: a generated `--` must not turn the --rootfs that keeps the run off this machine into an argument.
      argv: [...spec.words, ...spec.fixed(files), ...positionals, ...generated],
      watched: [files.watched],
      dryRun: spec.dryRun,
      // Flag names always count; values and paths only when long enough not to match by chance.
      locations: [...names.filter((n) => /[a-z0-9=]/i.test(n)), ...locations.filter((l) => l.trim().length >= 3)],
      secrets: [KEY_MARKER, node.keySample, ...(printsKey ? [] : [input.certificateKey]), ...(printsToken ? [] : [input.token.secret])],
      shownOnSuccess: [input.token.secret, input.certificateKey],
      deadlineMs: spec.deadlineMs,
    };
  };
