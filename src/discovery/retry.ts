import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../config/duration.js';
import { UserError } from '../errors.js';
import { RetryableError } from './fetch.js';

const FIRST_DELAY_MS = 100;
/** kubeadm's discovery interval: the longest pause between two tries. */
const MAX_DELAY_MS = 5_000;
/** Too little time left for another try to mean anything: its failure would only say that time ran out. */
const SHORTEST_TRY_MS = 1_000;

/** The time discovery has in all, every try, pause and byte included: the deadline, and the timeout it came from. */
export interface Budget {
  deadline: number;
  timeoutMs: number;
}

export const budgetOf = (timeoutMs: number, now = Date.now()): Budget => ({ deadline: now + timeoutMs, timeoutMs });

const seconds = (ms: number) => formatDuration(BigInt(Math.round(ms / 100) * 100) * 1_000_000n);

/**
 * Tries `attempt` with the time left until the budget's deadline, with a doubling pause between tries (100 ms up to
 * 5 s), while it throws RetryableErrors; anything else stops at once. Once too little time is left for another try,
 * the last reason is reported with the time discovery took and the timeout that bounds it; the caller names the endpoint.
 */
export async function retryUntil<T>(budget: Budget, attempt: (remainingMs: number) => Promise<T>): Promise<T> {
  const started = budget.deadline - budget.timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    let last: RetryableError;
    try {
      return await attempt(Math.max(1, budget.deadline - Date.now()));
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      last = err;
    }
    const remaining = budget.deadline - Date.now();
    const shortest = Math.min(SHORTEST_TRY_MS, budget.timeoutMs / 4);
    if (remaining < shortest) {
      throw new UserError(
        `gave up after ${seconds(Date.now() - started)}: ${last.message}; ` +
          `the discovery timeout (--discovery-timeout, timeouts.discovery) is ${seconds(budget.timeoutMs)}`,
      );
    }
    // The pause shrinks so that the last try still has time to mean something.
    await sleep(Math.min(delay, remaining - shortest));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
