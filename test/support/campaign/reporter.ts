import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import { VIOLATIONS, type Figures } from './figures.js';

/**
 * Ends a run that included the hostile-input campaign with its figures: cases, refused and accepted per kind of
 * input and per command, and how many broke each rule. BOSUN_CAMPAIGN_FIGURES names a file to write them to as JSON.
 */
export default class CampaignReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const all: Figures[] = [];
    for (const module of testModules) for (const test of module.children.allTests()) if (test.meta().campaign) all.push(test.meta().campaign as Figures);
    if (!all.length) return;
    const lines = ['', 'campaign figures (seed per kind in brackets):'];
    const total = { cases: 0, refused: 0, accepted: 0, ms: 0 };
    for (const f of all) {
      total.cases += f.cases;
      total.refused += f.refused;
      total.accepted += f.accepted;
      total.ms = Math.max(total.ms, f.ms);
      lines.push(`  ${f.kind} [${f.seed}]: ${f.cases} cases, ${f.refused} refused, ${f.accepted} accepted, ${(f.ms / 1000).toFixed(0)} s`);
      for (const [command, c] of Object.entries(f.byCommand)) lines.push(`    ${command}: ${c.cases} cases, ${c.refused} refused`);
    }
    const broken = VIOLATIONS.map((v) => `${all.reduce((n, f) => n + f.violations[v], 0)} ${v}`);
    lines.push(`  total: ${total.cases} cases, ${total.refused} refused, ${total.accepted} accepted`);
    lines.push(`  ${broken.join(', ')}`, '');
    process.stdout.write(lines.join('\n'));
    if (process.env.BOSUN_CAMPAIGN_FIGURES) writeFileSync(process.env.BOSUN_CAMPAIGN_FIGURES, JSON.stringify(all, null, 2));
  }
}
