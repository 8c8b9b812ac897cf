import type { Etcd, EtcdMember, EtcdStatus } from './etcd.js';

export interface RecordedEtcdAction {
  verb: 'member add' | 'member promote' | 'member remove';
  target: string;
}

/** The dry-run etcd door: reads go to etcd when it answers, membership changes are recorded and seen by later reads. */
export class RecordingEtcd implements Etcd {
  readonly actions: RecordedEtcdAction[] = [];
  private added: EtcdMember[] = [];

  constructor(private readonly inner: Etcd | undefined) {}

  get endpoints(): string[] {
    return this.inner?.endpoints ?? [];
  }

  async memberList(): Promise<EtcdMember[]> {
    const current = this.inner ? await this.inner.memberList().catch(() => []) : [];
    return [...current, ...this.added];
  }

  async memberAdd(peerURL: string, learner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    this.actions.push({ verb: 'member add', target: `${peerURL}${learner ? ' (learner)' : ''}` });
    const member: EtcdMember = { id: '0', name: '', peerURLs: [peerURL], clientURLs: [], isLearner: learner };
    this.added.push(member);
    return { member, members: await this.memberList() };
  }

  async memberPromote(id: string): Promise<EtcdMember[]> {
    this.actions.push({ verb: 'member promote', target: id });
    this.added = this.added.map((m) => (m.id === id ? { ...m, isLearner: false } : m));
    return this.memberList();
  }

  async memberRemove(id: string): Promise<EtcdMember[]> {
    this.actions.push({ verb: 'member remove', target: id });
    return (await this.memberList()).filter((m) => m.id !== id);
  }

  async status(endpoint: string): Promise<EtcdStatus> {
    if (this.inner) return this.inner.status(endpoint);
    return { version: '', leader: '0', memberId: '0', isLearner: false, raftIndex: '0' };
  }
}
