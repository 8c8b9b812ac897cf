import { describe, expect, it } from 'vitest';
import { announce } from '../../../src/commands/join/control-plane/etcd-join.js';
import type { Etcd, EtcdMember } from '../../../src/etcd/etcd.js';
import type { PhaseIO } from '../../../src/workflow/phase.js';

const member = (id: string, name: string, peer: string, isLearner = false): EtcdMember => ({ id, name, peerURLs: [peer], clientURLs: [], isLearner });

/** Only the progress lines: announce neither waits nor asks which phases run. */
const io = (log: (line: string) => void) => ({ log }) as Partial<PhaseIO> as PhaseIO;

/** etcd's member list, which only `memberAdd` grows. */
function etcdOf(members: EtcdMember[]): Etcd & { added: string[] } {
  const added: string[] = [];
  return {
    added,
    endpoints: ['https://10.0.0.1:2379'],
    memberList: async () => members,
    memberAdd: async (peerURL, learner) => {
      added.push(peerURL);
      const m = member(String(members.length + 1), '', peerURL, learner);
      members = [...members, m];
      return { member: m, members };
    },
    memberPromote: async () => members,
    memberRemove: async () => members,
    status: async () => ({ version: '3.6.0' }) as Awaited<ReturnType<Etcd['status']>>,
  };
}

describe('a control-plane join finished after a kill (bosun apply resumed)', () => {
  it('finds its own learner, added before the kill and never started, by its peer URL: no second member', async () => {
    const etcd = etcdOf([member('1', 'cp-1', 'https://10.0.0.1:2380'), member('2', '', 'https://10.0.0.2:2380', true)]);
    const lines: string[] = [];
    const { members, self } = await announce(
      etcd,
      'cp-2',
      'https://10.0.0.2:2380',
      io((l) => lines.push(l)),
    );
    expect(etcd.added).toEqual([]);
    expect(self.id).toBe('2');
    expect(members).toEqual([
      { name: 'cp-1', peerURL: 'https://10.0.0.1:2380' },
      { name: 'cp-2', peerURL: 'https://10.0.0.2:2380' },
    ]);
    expect(lines).toContain('[etcd] https://10.0.0.2:2380 is a member already (id 2); not adding it again');
  });

  it('adds the member of a host that had none', async () => {
    const etcd = etcdOf([member('1', 'cp-1', 'https://10.0.0.1:2380')]);
    await announce(
      etcd,
      'cp-2',
      'https://10.0.0.2:2380',
      io(() => undefined),
    );
    expect(etcd.added).toEqual(['https://10.0.0.2:2380']);
  });
});
