import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { EXIT_CODES } from '../../../src/errors.js';
import { changes, errorText, leakedSecrets, namesLocation, rawMessages, snapshot } from './checks.js';
import { VIOLATIONS, type Figures, type Violation } from './figures.js';
import { runBosun, runBosunProcess, type RunResult } from './harness.js';

/** One hostile input made concrete: the command line, and what the run is judged against. */
export interface Case {
  /** Counted under this name in the figures (`config validate`, `init --dry-run`, …). */
  command: string;
  argv: string[];
  /** Directories the run may only change when it succeeds (a rootfs). */
  watched: string[];
  /** Directories beside the root that links lead into: no run may change them. */
  outside?: string[];
  /** Run as its own process under a memory ceiling (bin/bosun.js over dist/): for inputs that may exhaust memory. */
  separateProcess?: boolean;
  /** A dry run changes nothing even when it succeeds. */
  dryRun: boolean;
  /** Places from the input; a refusal names at least one (file, document kind, field, flag). */
  locations: string[];
  /** What the input says beyond its command line (a config file's text): output quoting it is not a raw message. */
  inputText?: string;
  /** Values no output may contain (certificate keys, key material in node files). */
  secrets: string[];
  /** Secrets a successful run prints by design (the token in init's join command, migrate's document): no refusal may. */
  shownOnSuccess?: string[];
  deadlineMs: number;
  /** Undoes what the run may still be blocked on (a FIFO nobody writes), before the case's files are removed. */
  release?: () => void;
}

/** Exit codes the CLI documents (src/errors.ts): 0 ok, 1 user error, 2 usage, 3 failed precondition, 4 internal error, 130/143 interrupted. */
const DOCUMENTED_EXIT_CODES = new Set([0, ...Object.values(EXIT_CODES), 130, 143]);

export interface Verdict {
  result: RunResult;
  refused: boolean;
  violations: Map<Violation, string>;
}

/** Runs one case and judges it against every rule of the campaign. */
export async function judge(c: Case): Promise<Verdict> {
  const watched = [...c.watched, ...(c.outside ?? [])];
  const before = watched.map(snapshot);
  const result = c.separateProcess ? await runBosunProcess(c.argv, c.deadlineMs) : await runBosun(c.argv, c.deadlineMs);
  c.release?.();
  const v = new Map<Violation, string>();
  const output = `${result.stdout}\n${result.stderr}`;
  const refused = result.code !== 0;
  if (result.crashes.length) v.set('crash', result.crashes[0].slice(0, 600));
  // An internal error is main() reporting an exception it did not expect: documented, and a crash all the same.
  else if (result.code === EXIT_CODES.internal) v.set('crash', result.stderr.slice(0, 600));
  if (result.hung) v.set('hang', `no exit within ${c.deadlineMs} ms`);
  if (result.code !== undefined && !DOCUMENTED_EXIT_CODES.has(result.code)) v.set('undocumented exit code', `exit ${result.code}`);
  const raw = rawMessages(output, [...c.argv, c.inputText ?? ''].join('\n'));
  if (raw.length) v.set('raw message', `${raw.join(', ')}: ${excerpt(output, raw)}`);
  const after = watched.map(snapshot);
  const written = c.watched.flatMap((_, i) => changes(before[i], after[i]));
  const outside = (c.outside ?? []).flatMap((_, i) => changes(before[c.watched.length + i], after[c.watched.length + i]));
  if (outside.length) v.set('write outside the root', outside.slice(0, 5).join(', '));
  if (written.length && refused && !result.hung) v.set('write on refusal', written.slice(0, 5).join(', '));
  if (written.length && !refused && c.dryRun) v.set('write in dry run', written.slice(0, 5).join(', '));
  if (refused && result.code !== undefined) {
    const error = errorText(result.stderr, result.stdout);
    if (!namesLocation(error, c.locations))
      v.set('error without location', `${error.trim().slice(0, 300) || '(no error: line)'} — expected one of ${JSON.stringify(c.locations)}`);
  }
  const leaked = leakedSecrets(output, refused ? [...c.secrets, ...(c.shownOnSuccess ?? [])] : c.secrets);
  if (leaked.length) v.set('secret in output', `${leaked[0]}: ${excerpt(output, leaked)}`);
  return { result, refused, violations: v };
}

function excerpt(text: string, needles: string[]): string {
  const lines = text.split('\n');
  const hit = lines.find((l) => needles.some((n) => l.includes(n))) ?? lines.find((l) => /error/i.test(l)) ?? lines[0];
  return hit.trim().slice(0, 240);
}

export interface CampaignOptions<T> {
  kind: string;
  arbitrary: fc.Arbitrary<T>;
  /** Writes the input's files into `dir` (a fresh directory per case) and says how to run and judge it. */
  materialize: (input: T, dir: string) => Case;
  numRuns: number;
  /** Per broken rule, how long fast-check may spend shrinking its first counterexample. */
  shrinkMs?: number;
}

/** A fresh directory per case under one base, removed once the case is judged. */
function caseDirs(kind: string) {
  const base = mkdtempSync(path.join(os.tmpdir(), `bosun-campaign-${kind}-`));
  let n = 0;
  return {
    next() {
      const dir = path.join(base, String(n++));
      mkdirSync(dir);
      return dir;
    },
    remove: (dir: string) => rmSync(dir, { recursive: true, force: true }),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}

/**
 * The tests run one fixed seed, so a run's verdict depends on the code alone; BOSUN_CAMPAIGN_SEED=random explores
 * new cases (a finding prints its seed, and BOSUN_CAMPAIGN_SEED=<seed> replays it).
 */
const FIXED_SEED = 1017493441;

function campaignSeed(setting: string | undefined): number {
  if (setting === 'random') return Date.now() % 2 ** 31;
  if (setting === undefined || setting === '') return FIXED_SEED;
  const seed = Number(setting);
  if (!Number.isSafeInteger(seed)) throw new Error(`BOSUN_CAMPAIGN_SEED=${setting}: expected "random" or an integer`);
  return seed;
}

/**
 * Runs `numRuns` generated cases, counting every outcome (a failing case does not stop the run: the figures
 * cover all of them), then asks fast-check to shrink the first counterexample of each broken rule.
 */
export async function runCampaign<T>(opts: CampaignOptions<T>): Promise<Figures> {
  const seed = campaignSeed(process.env.BOSUN_CAMPAIGN_SEED);
  const dirs = caseDirs(opts.kind);
  const started = Date.now();
  const figures: Figures = {
    kind: opts.kind,
    cases: 0,
    refused: 0,
    accepted: 0,
    byCommand: {},
    violations: Object.fromEntries(VIOLATIONS.map((v) => [v, 0])) as Record<Violation, number>,
    counterexamples: {},
    seed,
    ms: 0,
  };
  const firstFailure = new Map<Violation, number>();
  const play = async (input: T): Promise<{ c: Case; verdict: Verdict }> => {
    const dir = dirs.next();
    try {
      const c = opts.materialize(input, dir);
      const verdict = await judge(c);
      if (process.env.BOSUN_CAMPAIGN_TRACE) {
        const broken = [...verdict.violations].map(([v, detail]) => `\n    ${v}: ${JSON.stringify(detail.slice(0, 300))}`).join('');
        const line = `${verdict.result.ms} ms exit ${verdict.result.code}: ${c.argv.join(' ').slice(0, 200)}${broken}\n`;
        appendFileSync(process.env.BOSUN_CAMPAIGN_TRACE, line);
      }
      return { c, verdict };
    } finally {
      dirs.remove(dir);
    }
  };
  try {
    let index = 0;
    await fc.check(
      fc.asyncProperty(opts.arbitrary, async (input) => {
        let played;
        try {
          played = await play(input);
        } catch (err) {
          // A case the campaign could not set up or judge is counted, not allowed to end the run (fc.check stops at a throw).
          figures.violations['campaign error']++;
          figures.counterexamples['campaign error'] ??= {
            input: fc.stringify(input).slice(0, 800),
            argv: '',
            detail: String((err as Error).stack ?? err).slice(0, 600),
          };
          index++;
          return true;
        }
        const { c, verdict } = played;
        figures.cases++;
        figures[verdict.refused ? 'refused' : 'accepted']++;
        const per = (figures.byCommand[c.command] ??= { cases: 0, refused: 0 });
        per.cases++;
        if (verdict.refused) per.refused++;
        for (const v of verdict.violations.keys()) {
          figures.violations[v]++;
          if (!firstFailure.has(v)) firstFailure.set(v, index);
        }
        index++;
        return true;
      }),
      { numRuns: opts.numRuns, seed },
    );
    for (const [violation, at] of firstFailure) {
      if (violation === 'campaign error') continue;
      let last: { c: Case; verdict: Verdict } | undefined;
      const shrunk = await fc.check(
        fc.asyncProperty(opts.arbitrary, async (input) => {
          const played = await play(input);
          if (!played.verdict.violations.has(violation)) return true;
          last = played;
          return false;
        }),
        { seed, path: String(at), numRuns: 1, interruptAfterTimeLimit: opts.shrinkMs ?? 5_000 },
      );
      // Shrinking keeps the last failing input as the current one, so the last failing run is the smallest.
      const input = shrunk.counterexample?.[0];
      if (input === undefined || last === undefined) continue;
      figures.counterexamples[violation] = {
        input: fc.stringify(input).slice(0, 800),
        argv: last.c.argv.map((a) => JSON.stringify(a)).join(' '),
        detail: last.verdict.violations.get(violation) ?? '',
      };
    }
  } finally {
    dirs.dispose();
  }
  figures.ms = Date.now() - started;
  return figures;
}

/** How many cases a kind runs: its share of BOSUN_CAMPAIGN_RUNS (default 10,000 over all kinds). */
export function runsFor(share: number): number {
  const total = Number(process.env.BOSUN_CAMPAIGN_RUNS ?? 10_000);
  return Math.max(1, Math.round(total * share));
}

/** The failure message of a campaign test: each broken rule with its count and smallest counterexample. */
export function describeViolations(f: Figures): string {
  return VIOLATIONS.filter((v) => f.violations[v] > 0)
    .map((v) => {
      const ce = f.counterexamples[v];
      return `${v}: ${f.violations[v]} of ${f.cases} cases${ce ? `\n  smallest: bosun ${ce.argv}\n  input: ${ce.input}\n  ${ce.detail}` : ''}`;
    })
    .join('\n');
}
