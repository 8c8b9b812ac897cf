import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../config/duration.js';
import { UserError } from '../errors.js';
import { RetryableError } from './fetch.js';

const FIRST_DELAY_MS = 100;
/** kubeadm's discovery interval: the longest pause between two tries. */
const MAX_DELAY_MS = 5_000;
/** Too little time left for another try to mean anything. */
const LAST_TRY_MS = 50;

/**
 * Tries `attempt` until it returns, with a doubling pause between tries (100 ms up to 5 s), while it throws
 * RetryableErrors; anything else stops at once. At the deadline the last reason is reported with `what`.
 */
export async function retryUntil<T>(deadline: number, what: string, attempt: (remainingMs: number) => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  for (;;) {
    let last: RetryableError;
    try {
      return await attempt(Math.max(LAST_TRY_MS, deadline - Date.now()));
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      last = err;
    }
    const remaining = deadline - Date.now();
    if (remaining < LAST_TRY_MS) {
      const waited = formatDuration(BigInt(Math.round((Date.now() - started) / 100) * 100) * 1_000_000n);
      throw new UserError(`${what}: gave up after ${waited}: ${last.message}`);
    }
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
