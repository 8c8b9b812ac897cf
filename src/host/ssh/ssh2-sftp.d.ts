// ssh2 has no public way to speak SFTP over an exec channel; its own sftp() builds this class over a session
// channel, and sftp-session.ts does the same over `sudo -n sftp-server`.
declare module 'ssh2/lib/protocol/SFTP.js' {
  import type { Client, SFTPWrapper } from 'ssh2';
  interface ChannelEnds {
    id: number;
    window: number;
    packetSize: number;
    state: string;
  }
  export const SFTP: new (
    client: Client,
    chanInfo: { type: 'session'; incoming: ChannelEnds; outgoing: ChannelEnds },
    cfg: object,
  ) => SFTPWrapper & { _init(): void };
}
