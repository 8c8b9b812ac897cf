import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type KnownHostEntry, knownHostsLine, parseKnownHosts } from './known-hosts.js';

/** Appends to one file, one at a time: hosts reached in parallel each add a line and none may lose another's. */
const appendQueues = new Map<string, Promise<void>>();

/** An OpenSSH known_hosts file on this machine. */
export class KnownHostsFile {
  constructor(readonly file: string) {}

  /** The file's entries; none when it does not exist yet. */
  async entries(): Promise<KnownHostEntry[]> {
    try {
      return parseKnownHosts(await fs.readFile(this.file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Records `key` for `name` (accept-new): the file is rewritten beside itself and renamed, never left half-written. */
  record(name: string, key: Buffer): Promise<void> {
    const previous = appendQueues.get(this.file) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.append(knownHostsLine(name, key)));
    appendQueues.set(this.file, next);
    return next;
  }

  private async append(line: string): Promise<void> {
    const dir = path.dirname(this.file);
    // ssh keeps ~/.ssh private; a directory made here gets the same mode.
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    let current = '';
    let mode = 0o600;
    try {
      current = await fs.readFile(this.file, 'utf8');
      mode = (await fs.stat(this.file)).mode & 0o777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const text = `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`;
    const temp = path.join(dir, `.${path.basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx', mode);
      try {
        await handle.writeFile(text);
        await handle.chmod(mode);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }
}
