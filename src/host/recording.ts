import { FileReadError, READ_CAPS, type ExecOptions, type ExecResult, type FileStat, type Host, type ReadCap, type ServiceControl } from './host.js';

export interface RecordedAction {
  kind: 'write' | 'mkdir' | 'remove' | 'exec' | 'service';
  target: string;
  mode?: number;
  data?: Uint8Array;
  /** What the path held before this change, as this run saw it (undefined: nothing); the dry-run report's new/changed. */
  before?: { mode: number; isDirectory: boolean; data?: Uint8Array };
}

/**
 * The dry-run door: reads go to the real host (overlaid with what this run would have written),
 * every change is recorded instead of made.
 */
export class RecordingHost implements Host {
  readonly actions: RecordedAction[] = [];
  private readonly overlay = new Map<string, Uint8Array | null>();
  /** Directories this run would have created (mode), so a later stat sees them. */
  private readonly createdDirs = new Map<string, number>();

  constructor(private readonly inner: Host) {}

  get os() {
    return this.inner.os;
  }
  get root() {
    return this.inner.root;
  }
  get offline() {
    return true;
  }
  resolve(nodePath: string) {
    return this.inner.resolve(nodePath);
  }

  /** What this run wrote is held to the same cap as the file on the node would be. */
  async readFile(nodePath: string, cap: ReadCap = READ_CAPS.file): Promise<Buffer | undefined> {
    if (!this.overlay.has(nodePath)) return this.inner.readFile(nodePath, cap);
    const data = this.overlay.get(nodePath);
    if (data && data.length > cap.maxBytes) throw FileReadError.tooLarge(this.resolve(nodePath), data.length, cap);
    return data ? Buffer.from(data) : undefined;
  }

  async writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const before = await this.before(nodePath);
    this.overlay.set(nodePath, bytes);
    this.actions.push({ kind: 'write', target: nodePath, mode, data: bytes, before });
  }

  async mkdir(nodePath: string, mode?: number): Promise<void> {
    const before = await this.before(nodePath);
    this.createdDirs.set(nodePath, mode ?? 0o755);
    this.actions.push({ kind: 'mkdir', target: nodePath, mode, before });
  }

  private async before(nodePath: string): Promise<RecordedAction['before']> {
    const stat = await this.stat(nodePath);
    if (!stat) return undefined;
    // What is replaced may be a binary (a kubelet copied over the node's).
    const data = stat.isDirectory ? undefined : await this.readFile(nodePath, READ_CAPS.binary);
    return { mode: stat.mode, isDirectory: stat.isDirectory, data };
  }

  async stat(nodePath: string): Promise<FileStat | undefined> {
    if (this.overlay.has(nodePath)) {
      const data = this.overlay.get(nodePath);
      const write = this.actions.findLast((a) => a.kind === 'write' && a.target === nodePath);
      return data ? { mode: write?.mode ?? 0o644, size: data.length, isDirectory: false } : undefined;
    }
    const createdDir = this.createdDirs.get(nodePath);
    if (createdDir !== undefined) return { mode: createdDir, size: 0, isDirectory: true };
    return this.inner.stat(nodePath);
  }

  readdir(nodePath: string): Promise<string[]> {
    return this.inner.readdir(nodePath);
  }

  async remove(nodePath: string): Promise<void> {
    const before = await this.before(nodePath);
    this.overlay.set(nodePath, null);
    this.actions.push({ kind: 'remove', target: nodePath, before });
  }

  /** Recorded as what it does: the target written with the moved file's bytes, and the old path removed. */
  async rename(fromNodePath: string, toNodePath: string): Promise<void> {
    const [data, stat] = [await this.readFile(fromNodePath, READ_CAPS.binary), await this.stat(fromNodePath)];
    if (!data || !stat) throw new Error(`${this.resolve(fromNodePath)}: no such file to move`);
    await this.writeFileAtomic(toNodePath, data, stat.mode);
    await this.remove(fromNodePath);
  }

  freeSpace(nodePath: string): Promise<number | undefined> {
    return this.inner.freeSpace(nodePath);
  }

  async exec(cmd: string, args: string[], _opts?: ExecOptions): Promise<ExecResult> {
    this.actions.push({ kind: 'exec', target: [cmd, ...args].join(' ') });
    return { stdout: '', stderr: '', code: 0 };
  }

  service(name: string): ServiceControl {
    const record = (verb: string) => async () => {
      this.actions.push({ kind: 'service', target: `${verb} ${name}` });
    };
    return { start: record('start'), stop: record('stop'), restart: record('restart'), enable: record('enable'), disable: record('disable') };
  }
}
