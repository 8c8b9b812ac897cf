/** The dry-run report as text (`[dryrun] …` lines, diffs as `bosun upgrade diff` prints them) or as data. */
import { Option } from 'commander';
import { UserError } from '../errors.js';
import { emitYaml } from '../util/yaml.js';
import type { Doors } from './doors.js';
import { dryRunReport, type DryRunReport, type EtcdChange, type FileChange, type NodeCommand, type ObjectChange } from './dry-run-report.js';

export const REPORT_FORMATS = ['text', 'json', 'yaml'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `-o, --output`: the dry-run report's format, on commands where `-o` means nothing else. */
export const reportOutputOption = () =>
  new Option('-o, --output <format>', 'with --dry-run: the report of what would change as text, or as data (json, yaml)')
    .choices(REPORT_FORMATS)
    .default('text');

/** Refuses `-o json|yaml` without `--dry-run`: there would be no report to print. */
export function checkReportOutput(flags: { dryRun?: boolean; output?: string }): void {
  if (flags.output !== undefined && flags.output !== 'text' && !flags.dryRun) {
    throw new UserError(`-o/--output ${flags.output}: only with --dry-run (the report of what would change)`);
  }
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function fileLines(file: FileChange): string[] {
  if (file.action === 'remove') return [`[dryrun] would remove ${file.path}`];
  const details = [file.change, file.holds].filter(Boolean).join(', ');
  const head = `[dryrun] would ${file.action} ${file.path} (mode ${file.mode}): ${details}`;
  return file.diff ? [head, file.diff.replace(/\n$/, '')] : [head];
}

const commandLine = (c: NodeCommand) => ('run' in c ? `[dryrun] would run ${c.run}` : `[dryrun] would ${c.action} service ${c.service}`);

function objectLine(o: ObjectChange): string {
  const name = `${o.namespace ? `${o.namespace}/` : ''}${o.name}${o.subresource ? `/${o.subresource}` : ''}`;
  return `[dryrun] would ${o.verb} ${o.kind} ${name} (${o.apiVersion})`;
}

function etcdLine(e: EtcdChange): string {
  if (e.verb === 'member add') return `[dryrun] would add etcd member ${e.member}${e.learner ? ' as a learner' : ''}`;
  return `[dryrun] would ${e.verb === 'member promote' ? 'promote' : 'remove'} etcd member ${e.member}`;
}

/** The report as `[dryrun]` lines: files, node commands, API objects, etcd members; a section only when it has changes. */
export function reportText(report: DryRunReport): string {
  const { files, commands, objects, etcd } = report;
  const lines = [
    `[dryrun] Would change under ${report.root}: ${count(files.length, 'file')}, ${count(commands.length, 'node command')}, ` +
      `${count(objects.length, 'API object')}, ${count(etcd.length, 'etcd member change')}; nothing was changed`,
  ];
  const section = <T>(title: string, items: T[], render: (item: T) => string[]) => {
    if (items.length) lines.push(`[dryrun] ${title}:`, ...items.flatMap(render));
  };
  section('Files', files, fileLines);
  section('Node commands', commands, (c) => [commandLine(c)]);
  section('API objects', objects, (o) => [objectLine(o)]);
  section('etcd members', etcd, (e) => [etcdLine(e)]);
  return `${lines.join('\n')}\n`;
}

export function renderReport(report: DryRunReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return emitYaml(report);
  return reportText(report);
}

const isEmpty = (r: DryRunReport) => !r.files.length && !r.commands.length && !r.objects.length && !r.etcd.length;

/**
 * Prints the dry-run report when the doors recorded (a live run's print nothing). `whenEmpty: false` leaves out a
 * report with no changes (a command whose own output already says what it would do).
 */
export function printDryRunReport(doors: Doors, format: ReportFormat = 'text', opts: { whenEmpty?: boolean; out?: NodeJS.WritableStream } = {}): void {
  if (!doors.recorded) return;
  const report = dryRunReport(doors.recorded);
  if (opts.whenEmpty === false && isEmpty(report)) return;
  (opts.out ?? process.stdout).write(renderReport(report, format));
}
