import type { Client, SFTPWrapper } from 'ssh2';
import { subsystemSftp, sudoSftp } from './sftp-session.js';

/** One login, and its SFTP session once a file operation asked for it. */
interface Live {
  client: Client;
  dropped: boolean;
  sftp?: Promise<SFTPWrapper>;
}

/**
 * The one connection to a host (or a bastion) that every step shares. Keepalives (set when dialling) notice a dead
 * peer; a connection found dropped is dialled again, once, by the next operation that needs it.
 */
export class SshConnection {
  private live?: Promise<Live>;
  /** How many times this host was dialled: 1 for a run without drops. */
  dials = 0;

  constructor(
    private readonly dial: () => Promise<Client>,
    /** Whether file operations need root through sudo (a non-root login). */
    private readonly sudo: boolean,
  ) {}

  /** The live connection, dialling when there is none or the last one dropped. */
  async current(): Promise<Live> {
    for (;;) {
      const pending = this.live;
      const live = pending && (await pending.catch(() => undefined));
      if (live && !live.dropped) return live;
      // Another operation noticed the drop first and is dialling: wait for its connection instead of dialling twice.
      if (this.live !== pending) continue;
      const next = this.open();
      this.live = next;
      // A failed dial is not kept: the next operation tries again rather than repeating a stale error.
      next.catch(() => {
        if (this.live === next) this.live = undefined;
      });
      return next;
    }
  }

  private async open(): Promise<Live> {
    this.dials++;
    const client = await this.dial();
    const live: Live = { client, dropped: false };
    const drop = () => {
      live.dropped = true;
    };
    client.on('close', drop).on('end', drop).on('error', drop);
    return live;
  }

  async client(): Promise<Client> {
    return (await this.current()).client;
  }

  /** The connection's SFTP session, opened on first use and reused; a new one after a reconnect. */
  async sftp(): Promise<SFTPWrapper> {
    const live = await this.current();
    if (!live.sftp) {
      live.sftp = this.sudo ? sudoSftp(live.client) : subsystemSftp(live.client);
      live.sftp.then(
        (s) => s.on('close', () => (live.sftp = undefined)),
        () => (live.sftp = undefined),
      );
    }
    return live.sftp;
  }

  /** Whether the connection an operation used has dropped since (so a retry would reconnect). */
  async droppedSince(client: Client): Promise<boolean> {
    const live = this.live && (await this.live.catch(() => undefined));
    return !live || live.client !== client || live.dropped;
  }

  async close(): Promise<void> {
    const live = this.live && (await this.live.catch(() => undefined));
    this.live = undefined;
    if (!live || live.dropped) return;
    await new Promise<void>((resolve) => {
      live.client.once('close', () => resolve());
      live.client.end();
    });
  }
}
