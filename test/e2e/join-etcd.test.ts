/**
 * The etcd door against a real etcd 3.6 serving with bosun's certificates: membership through the JSON gateway as a
 * joining control-plane node uses it (learner add, refused promotion of a learner that never started, removal).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, EtcdError } from '../../src/etcd/etcd.js';
import { freePort, startEtcdWithBosunCerts, type RealEtcd } from '../support/etcd.js';

let etcd: RealEtcd;
let client: EtcdClient;
let clientURL: string;

beforeAll(async () => {
  etcd = await startEtcdWithBosunCerts('etcd-a');
  clientURL = etcd.clientURL;
  const [ca, cert, key] = await Promise.all(['etcd/ca.crt', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key'].map((f) => readFile(etcd.pki(f))));
  // A dead endpoint first: the door goes on to the next one.
  client = new EtcdClient([`https://127.0.0.1:${await freePort()}`, clientURL], { ca, cert, key });
});

afterAll(async () => {
  await etcd?.stop();
});

describe('the etcd door', () => {
  it('lists the started member and reads its status', async () => {
    const members = await client.memberList();
    expect(members).toEqual([expect.objectContaining({ name: 'etcd-a', isLearner: false, clientURLs: [clientURL] })]);
    const status = await client.status(clientURL);
    expect(status.version).toMatch(/^3\.6\./);
    expect(status.leader).toBe(members[0].id);
  });

  it('adds a learner, refuses to promote it before it runs, removes it', async () => {
    const { member, members } = await client.memberAdd('https://127.0.0.2:2380', true);
    expect(member).toMatchObject({ name: '', isLearner: true, peerURLs: ['https://127.0.0.2:2380'] });
    expect(members).toHaveLength(2);
    const refusal = await client.memberPromote(member.id).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(EtcdError);
    expect((refusal as EtcdError).message).toMatch(/^etcd member promote [0-9a-f]+: .*can only promote a learner member which is in sync with leader/);
    expect((await client.memberRemove(member.id)).map((m) => m.name)).toEqual(['etcd-a']);
  });

  it('names the endpoint when none answers', async () => {
    const dead = new EtcdClient([`https://127.0.0.1:${await freePort()}`], { ca: '', cert: '', key: '' });
    await expect(dead.memberList()).rejects.toThrow(/^etcd member list: https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
