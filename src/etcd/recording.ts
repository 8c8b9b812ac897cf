import { hexId, type Etcd, type EtcdMember, type EtcdStatus } from './etcd.js';

export interface RecordedEtcdAction {
  verb: 'member add' | 'member promote' | 'member remove';
  /** The member: its peer URL when this run added it or etcd knows it, else its id (hex). */
  target: string;
  /** `member add`: as a learner (a non-voting member until promoted). */
  learner?: boolean;
}

/**
 * The dry-run etcd door: reads go to etcd when it answers, membership changes are recorded and seen by later reads.
 * Doors of one run may share one record (`actions`), in order.
 */
export class RecordingEtcd implements Etcd {
  private added: EtcdMember[] = [];

  constructor(
    private readonly inner: Etcd | undefined,
    readonly actions: RecordedEtcdAction[] = [],
  ) {}

  get endpoints(): string[] {
    return this.inner?.endpoints ?? [];
  }

  async memberList(): Promise<EtcdMember[]> {
    const current = this.inner ? await this.inner.memberList().catch(() => []) : [];
    return [...current, ...this.added];
  }

  async memberAdd(peerURL: string, learner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    this.actions.push({ verb: 'member add', target: peerURL, learner });
    // An id no real member has (etcd's are random 64-bit numbers), told apart by its peer URL.
    const member: EtcdMember = { id: String(this.added.length + 1), name: '', peerURLs: [peerURL], clientURLs: [], isLearner: learner };
    this.added.push(member);
    return { member, members: await this.memberList() };
  }

  async memberPromote(id: string): Promise<EtcdMember[]> {
    this.actions.push({ verb: 'member promote', target: await this.describe(id) });
    this.added = this.added.map((m) => (m.id === id ? { ...m, isLearner: false } : m));
    return this.memberList();
  }

  async memberRemove(id: string): Promise<EtcdMember[]> {
    this.actions.push({ verb: 'member remove', target: await this.describe(id) });
    return (await this.memberList()).filter((m) => m.id !== id);
  }

  async status(endpoint: string): Promise<EtcdStatus> {
    if (this.inner) return this.inner.status(endpoint);
    return { version: '', leader: '0', memberId: '0', isLearner: false, raftIndex: '0' };
  }

  private async describe(id: string): Promise<string> {
    const member = (await this.memberList()).find((m) => m.id === id);
    return member?.peerURLs[0] ?? hexId(id);
  }
}
