import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import sftpProtocol from 'ssh2/lib/protocol/SFTP.js';

/**
 * Where distributions put OpenSSH's SFTP server. A non-root user's SFTP session is this program run through
 * `sudo -n` on an exec channel (as ansible's and k0sctl's become do), so every file operation runs as root with
 * one code path for root and non-root logins alike.
 */
const SFTP_SERVER_SCRIPT =
  'for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/ssh/sftp-server /usr/libexec/sftp-server; ' +
  'do [ -x "$p" ] && exec "$p"; done; echo "no sftp-server found" >&2; exit 127';

export const SUDO_SFTP_COMMAND = `sudo -n -- sh -c '${SFTP_SERVER_SCRIPT}'`;

interface ChannelInternals {
  incoming: ConstructorParameters<typeof sftpProtocol.SFTP>[1]['incoming'];
  outgoing: ConstructorParameters<typeof sftpProtocol.SFTP>[1]['outgoing'];
}

interface ClientInternals {
  _chanMgr: { update(id: number, channel: unknown): void };
}

function whenReady(sftp: SFTPWrapper, start: () => void, stderr: () => string = () => ''): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    // 'close' passes no error (or a flag): then the session ended before the server answered.
    const fail = (err?: unknown) => {
      cleanup();
      reject(err instanceof Error ? err : new Error(`the SFTP server closed the session at once${stderr() ? `: ${stderr().trim()}` : ''}`));
    };
    const ready = () => {
      cleanup();
      resolve(sftp);
    };
    const cleanup = () => {
      sftp.off('ready', ready).off('error', fail).off('close', fail);
    };
    sftp.once('ready', ready).once('error', fail).once('close', fail);
    start();
  });
}

/** The SFTP subsystem of the login user (root). */
export function subsystemSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

/**
 * An SFTP session as root through `sudo -n`: the exec channel's ends are handed to ssh2's SFTP client, which then
 * receives the channel's data in its place, exactly as ssh2's `sftp()` wires a subsystem channel. When sudo
 * refuses, the session ends at once and the error carries sudo's words.
 */
export function sudoSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.exec(SUDO_SFTP_COMMAND, (err, channel: ClientChannel) => {
      if (err) return reject(err);
      const ends = channel as unknown as ChannelInternals;
      const sftp = new sftpProtocol.SFTP(client, { type: 'session', incoming: ends.incoming, outgoing: ends.outgoing }, {});
      // sudo's refusal arrives on stderr, which ssh2's SFTP client drops: it keeps the channel's stderr stream instead.
      let stderr = '';
      channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      Object.assign(sftp, { stderr: channel.stderr });
      (client as unknown as ClientInternals)._chanMgr.update(ends.incoming.id, sftp);
      whenReady(
        sftp,
        () => sftp._init(),
        () => stderr,
      ).then(resolve, reject);
    });
  });
}

/** The extensions the server announced in its VERSION packet (ssh2 keeps them; its API only checks them). */
export function serverExtensions(sftp: SFTPWrapper): Readonly<Record<string, string>> {
  return (sftp as unknown as { _extensions: Record<string, string> })._extensions;
}
