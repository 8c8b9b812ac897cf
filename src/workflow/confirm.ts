import { createInterface } from 'node:readline/promises';
import { UserError } from '../errors.js';

/**
 * Asks before a change that restarts the control plane, as kubeadm does. Without a terminal to ask on, it refuses
 * at once rather than wait for an answer that cannot come.
 */
export async function confirm(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
  /** The flag that answers yes in advance (`--force` for reset, whose flag kubeadm names so). */
  yesFlag = '--yes (-y)',
): Promise<void> {
  if (!input.isTTY) {
    throw new UserError(
      `refusing to proceed without confirmation: stdin is not a terminal; pass ${yesFlag} to proceed non-interactively, or --dry-run to see what would change`,
    );
  }
  const rl = createInterface({ input, output });
  try {
    const answer = (await rl.question(`${question} [y/N]: `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new UserError("won't proceed; the answer was not y or yes");
  } finally {
    rl.close();
  }
}
