/**
 * A WindowsSshHost over a small fake SSH client that records each exec request's line and answers it: for unit
 * tests of what the Windows door sends (the real thing needs a Windows machine). The scripts are decoded back from
 * `-EncodedCommand` exactly as powershell.exe would.
 */
import { EventEmitter } from 'node:events';
import type { SshConnection } from '../../src/host/ssh/connection.js';
import { endpoint } from '../../src/host/ssh/settings.js';
import { WindowsSshHost } from '../../src/host/windows/windows-host.js';

export interface Answer {
  stdout?: string;
  stderr?: string;
  code?: number;
}

export const ENCODED_PREFIX = 'powershell.exe -NoProfile -NonInteractive -EncodedCommand ';

/** The script of a command line as powershell.exe reads it: base64, then UTF-16LE. */
export function decodeCommandLine(line: string): string {
  if (!line.startsWith(ENCODED_PREFIX)) throw new Error(`not a PowerShell command line: ${line}`);
  return Buffer.from(line.slice(ENCODED_PREFIX.length), 'base64').toString('utf16le');
}

/**
 * A Windows host whose node answers every script with `answer(script)`; `lines` holds what was sent. `sftp` stands
 * in for the SFTP session (its `_extensions` are the server's announced extensions).
 */
export function fakeWindowsHost(answer: (script: string) => Answer = () => ({}), sftp: object = {}) {
  const lines: string[] = [];
  const client = {
    exec(line: string, started: (err: Error | undefined, channel: unknown) => void) {
      lines.push(line);
      const channel = Object.assign(new EventEmitter(), { stderr: new EventEmitter(), close: () => undefined, end: () => reply() });
      const reply = () =>
        setImmediate(() => {
          const { stdout, stderr, code = 0 } = answer(decodeCommandLine(line));
          if (stdout) channel.emit('data', Buffer.from(stdout));
          if (stderr) channel.stderr.emit('data', Buffer.from(stderr));
          channel.emit('exit', code);
          channel.emit('close');
        });
      started(undefined, channel);
    },
  };
  const connection = { client: async () => client, sftp: async () => sftp, droppedSince: async () => false } as unknown as SshConnection;
  const host = new WindowsSshHost('win-1', endpoint({ address: '10.0.0.9', user: 'Administrator' }, 'win-1'), connection);
  return { host, lines, scripts: () => lines.map(decodeCommandLine) };
}

/** The wrapper's error line for a record, as a node prints it. */
export const errorRecordLine = (message: string, id: string, category = 'ObjectNotFound') => `bosun-error: ${JSON.stringify({ message, id, category })}\r\n`;

/** An SFTP server without posix-rename whose own rename refuses (SSH_FX_FAILURE), as SFTP v3 does over an existing file. */
export const SFTP_WITHOUT_POSIX_RENAME = {
  _extensions: {},
  rename: (_from: string, _to: string, cb: (err: Error) => void) => cb(Object.assign(new Error('Failure'), { code: 4 })),
};
