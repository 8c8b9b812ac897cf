/** What each CoreDNS case plans: the plan without its name and version. */
import type { AddonPlan } from '../addon.js';

export type PlanBody = Pick<AddonPlan, 'actions' | 'notes' | 'warnings'>;

/** How long CoreDNS may take to roll out before a plan that waits for it gives up (a swap, a roll onto the backup). */
export const ROLLOUT_SECONDS = 300;

/** A Corefile in a note: indented, so `--dry-run` prints it as a block under its heading. */
export function indented(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
