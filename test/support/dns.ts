/**
 * DNS for end-to-end tests: the sandbox's real CoreDNS (src/sandbox/coredns.ts), small DNS servers with fixed
 * records (src/sandbox/dns-server.ts), and Node's resolver as the client, pointed at one server.
 */
import { promises as dns } from 'node:dns';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DnsPod } from '../../src/sandbox/dns-pod.js';

export { startCoreDNS, type SandboxCoreDNS } from '../../src/sandbox/coredns.js';
export { startDnsServer } from '../../src/sandbox/dns-server.js';
export type { DnsPod } from '../../src/sandbox/dns-pod.js';

/** A query's answer: the A records (sorted), or the resolver's error code (ENOTFOUND for NXDOMAIN, EREFUSED, …). */
export type Answer = string[] | string;

/** Asks `server` (no retries: a lost answer is an answer) for the A records of `name`. */
export async function answerA(server: string, name: string): Promise<Answer> {
  const resolver = new dns.Resolver({ timeout: 5_000, tries: 1 });
  resolver.setServers([server]);
  try {
    return (await resolver.resolve4(name)).sort();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** The answers of `server` to each name, in one object (to compare two servers, or one before and after a change). */
export async function answersA(server: string, names: readonly string[]): Promise<Record<string, Answer>> {
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await answerA(server, n)] as const)));
}

/** Asks again until the answer is `expected` (CoreDNS sees API changes through its watch); rejects with the last answer. */
export async function waitForAnswer(server: string, name: string, expected: Answer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await answerA(server, name);
  while (JSON.stringify(last) !== JSON.stringify(expected)) {
    if (Date.now() > deadline)
      throw new Error(`${server} answers ${name} with ${JSON.stringify(last)}, not ${JSON.stringify(expected)}, after ${timeoutMs / 1000}s`);
    await sleep(500);
    last = await answerA(server, name);
  }
}

/** Stops every pod given (those that started), even when one fails to stop. */
export async function stopAll(pods: Array<DnsPod | undefined>): Promise<void> {
  const results = await Promise.allSettled(pods.filter((p): p is DnsPod => p !== undefined).map((p) => p.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
