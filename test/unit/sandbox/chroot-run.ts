import { spawn } from 'node:child_process';

/** A program run as a session on a sandbox machine runs it: chrooted into the machine's rootfs `root`. */
export function runInChroot(root: string, program: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('chroot', [root, program, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
