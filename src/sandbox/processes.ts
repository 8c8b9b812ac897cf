import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the sandbox started and must stop: its pid, and its start time so a reused pid is not mistaken for it. */
export interface ProcessRecord {
  name: string;
  pid: number;
  startTicks: number;
}

/** The process's state letter and start time in clock ticks since boot (/proc/<pid>/stat), or undefined when gone. */
function procStat(pid: number): { state: string; startTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** Alive and the same process (a zombie has exited; only its parent's wait is missing). */
export function isRunning(record: ProcessRecord): boolean {
  const stat = procStat(record.pid);
  return stat !== undefined && stat.startTicks === record.startTicks && stat.state !== 'Z';
}

/** Starts a process that outlives bosun (own session, output to a log file) and returns its record. */
export function startDetached(name: string, argv: string[], logFile: string, env: Record<string, string> = {}): ProcessRecord {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${argv[0]}`);
  return { name, pid: child.pid, startTicks: procStat(child.pid)?.startTicks ?? 0 };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(record: ProcessRecord, graceMs = 20_000): Promise<void> {
  if (!isRunning(record)) return;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record)) {
    if (Date.now() > deadline) {
      process.kill(record.pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  while (isRunning(record)) await sleep(50);
}
