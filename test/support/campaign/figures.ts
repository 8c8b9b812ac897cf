/** The ways a case fails the campaign. */
export const VIOLATIONS = [
  'crash',
  'undocumented exit code',
  'raw message',
  'hang',
  'write on refusal',
  'write in dry run',
  'write outside the root',
  'error without location',
  'secret in output',
  'campaign error',
] as const;
export type Violation = (typeof VIOLATIONS)[number];

/** The figures of one kind of input: how many cases, how they ended, and what they broke. */
export interface Figures {
  kind: string;
  cases: number;
  refused: number;
  accepted: number;
  byCommand: Record<string, { cases: number; refused: number }>;
  violations: Record<Violation, number>;
  /** Per broken rule: the smallest input fast-check shrank it to, and what the run said. */
  counterexamples: Partial<Record<Violation, { input: string; argv: string; detail: string }>>;
  seed: number;
  ms: number;
}
