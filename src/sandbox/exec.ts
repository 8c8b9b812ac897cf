import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with each line the command prints (stdout and stderr), for progress. */
  onLine?: (line: string) => void;
}

/** The last lines of a command's output, enough to see why it failed without flooding the terminal. */
function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a machine-level command (go, ip, a binary's --version) and returns its stdout;
 * a non-zero exit rejects with the command line and the tail of its output.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    let partial = '';
    const collect = (isStdout: boolean) => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (isStdout) stdout += text;
      output += text;
      if (opts.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) opts.onLine(line);
      }
    };
    child.stdout.on('data', collect(true));
    child.stderr.on('data', collect(false));
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail(output)}`));
    });
  });
}

/** Like run, but a failure is an answer (undefined), not an error: for probing what a binary is. */
export async function tryRun(cmd: string, args: string[], opts: RunOptions = {}): Promise<string | undefined> {
  try {
    return await run(cmd, args, opts);
  } catch {
    return undefined;
  }
}
