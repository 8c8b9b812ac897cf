import { constants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** The command ran past its deadline and was stopped. */
export class CommandTimeout extends Error {}

/** The command printed more than bosun keeps. */
export class OutputTooLarge extends Error {}

/**
 * The connection failed under the command. `started` is false when it failed before the server confirmed the command
 * (the node never got it, or got it in the very moment the connection died: sending it again relies on bosun's steps
 * being idempotent, as a resumed run does).
 */
export class ConnectionLost extends Error {
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super(message);
  }
}

/** A signal's death as a shell reports it: 128 + its number. */
function signalCode(signal: string | undefined): number {
  const number = signal ? constants.signals[signal as keyof typeof constants.signals] : undefined;
  return number ? 128 + number : 255;
}

/** What `timeout` exits with when it stopped the command: 124 (coreutils, after TERM), 137 (after KILL), 143 (busybox). */
const TIMED_OUT = new Set([124, 137, 143]);

/** Grace for the node's own `timeout` to report before the client gives up on the channel. */
const CLIENT_GRACE_MS = 5_000;

/**
 * `timeout` from coreutils or busybox in front of a command: OpenSSH ignores signal requests on a channel without
 * a terminal, so only a process on the node can stop the command (TERM at the deadline, KILL a second later).
 */
export function withTimeout(words: string[], timeoutMs: number | undefined): string[] {
  return timeoutMs === undefined ? words : ['timeout', '-k', '1', String(Math.max(timeoutMs, 1) / 1000), ...words];
}

/**
 * Runs one command line on an exec channel: stdin from `input`, stdout and stderr collected, the exit status (or
 * 128 + signal). With `timeoutMs` the line was built with `withTimeout`: a `timeout` exit status once the deadline
 * passed is reported as a timeout, and a node that does not answer by then is given up on a little later.
 */
export function runCommand(client: Client, line: string, opts: { input?: string | Uint8Array; timeoutMs?: number; outputLimit: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = (err: Error | undefined, channel: ClientChannel) => {
      if (err) return reject(new ConnectionLost(err.message, false));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | undefined;
      let timedOut = false;
      const started = Date.now();
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              channel.close();
            }, opts.timeoutMs + CLIENT_GRACE_MS);
      // Output past the limit closes the channel: the command's next write fails (SIGPIPE) instead of filling memory.
      let printed = 0;
      let overflow = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        printed += chunk.length;
        if (printed > opts.outputLimit) {
          overflow = true;
          channel.close();
        } else into.push(chunk);
      };
      channel.on('data', collect(stdout));
      channel.stderr.on('data', collect(stderr));
      channel.on('exit', (status: number | null, signal?: string) => (code = status ?? signalCode(signal)));
      channel.on('close', () => {
        clearTimeout(timer);
        if (overflow) return reject(new OutputTooLarge(`printed more than the ${opts.outputLimit} bytes bosun reads and was cut off`));
        const deadlinePassed = opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs;
        if (timedOut || (deadlinePassed && code !== undefined && TIMED_OUT.has(code))) {
          return reject(new CommandTimeout(`did not finish within ${opts.timeoutMs} ms and was stopped`));
        }
        if (code === undefined) return reject(new ConnectionLost('the connection closed before the command reported its exit status', true));
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code });
      });
      channel.end(opts.input ?? '');
    };
    try {
      client.exec(line, started);
    } catch (err) {
      // ssh2 throws at once when it already knows the socket is gone.
      reject(new ConnectionLost((err as Error).message, false));
    }
  });
}
