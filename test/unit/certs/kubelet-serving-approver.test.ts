/** The approver's handling of the API: approval through the subresource, conflicts, Events told once, others ignored. */
import { webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError } from '../../../src/cluster/errors.js';
import { countsSummary, KubeletServingApprover, type CertificateSigningRequest } from '../../../src/commands/certs/kubelet-serving-approver.js';
import { x509 } from '../../../src/pki/x509.js';

const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1' }, status: { addresses: [{ type: 'Hostname', address: 'w1' }] } };
let request: string;

beforeAll(async () => {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'O=system:nodes, CN=system:node:w1',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'w1' }])],
  });
  request = Buffer.from(csr.toString('pem')).toString('base64');
});

function csrOf(name: string, spec: Partial<CertificateSigningRequest['spec']> = {}, status?: CertificateSigningRequest['status']): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1' },
    spec: {
      request,
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'server auth'],
      username: 'system:node:w1',
      groups: ['system:nodes'],
      ...spec,
    },
    ...(status && { status }),
  };
}

/** The API as the approver uses it: Nodes and CSRs to read, approvals and Events recorded; failures on demand. */
function fakeApi(opts: { conflicts?: number; fresh?: CertificateSigningRequest; eventsForbidden?: boolean } = {}) {
  const updates: Array<{ obj: KubeObject; subresource?: string }> = [];
  const events: KubeObject[] = [];
  let conflicts = opts.conflicts ?? 0;
  const cluster = {
    async get(ref: ObjectRef) {
      if (ref.kind === 'Node') return ref.name === 'w1' ? NODE : undefined;
      return opts.fresh;
    },
    async update(obj: KubeObject, o: { subresource?: string } = {}) {
      if (conflicts-- > 0) throw new ClusterError('update', obj.metadata.name, 'Conflict', 'the object has been modified', 409);
      updates.push({ obj, subresource: o.subresource });
      return obj;
    },
    async create(obj: KubeObject) {
      if (opts.eventsForbidden) throw new ClusterError('create', 'Event default/x', 'Forbidden', 'events is forbidden', 403);
      events.push(obj);
      return obj;
    },
  } as unknown as Cluster;
  const lines: string[] = [];
  const approver = new KubeletServingApprover(cluster, { clock: { now: () => new Date('2026-12-04T12:00:00Z') }, log: (l) => lines.push(l) });
  return { approver, updates, events, lines };
}

describe('KubeletServingApprover', () => {
  test("approves a node's own CSR through the approval subresource, adding an Approved condition to the one read", async () => {
    const { approver, updates, lines } = fakeApi();
    await approver.consider(csrOf('good'));
    expect(updates).toHaveLength(1);
    expect(updates[0].subresource).toBe('approval');
    expect(updates[0].obj.metadata.resourceVersion, 'conditional on the version judged').toBe('1');
    expect((updates[0].obj as CertificateSigningRequest).status!.conditions).toEqual([
      expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved', lastUpdateTime: '2026-12-04T12:00:00.000Z' }),
    ]);
    expect(approver.counts).toEqual({ approved: 1, refused: {} });
    expect(lines).toEqual(['approved certificatesigningrequest/good of node w1']);
  });

  test('a CSR changed meanwhile is read and judged again; one decided meanwhile is left alone', async () => {
    const again = fakeApi({ conflicts: 1, fresh: { ...csrOf('good'), metadata: { name: 'good', resourceVersion: '2' } } });
    await again.approver.consider(csrOf('good'));
    expect(again.updates.map((u) => u.obj.metadata.resourceVersion)).toEqual(['2']);
    const decided = fakeApi({ conflicts: 1, fresh: csrOf('good', {}, { conditions: [{ type: 'Denied', status: 'True' }] }) });
    await decided.approver.consider(csrOf('good'));
    expect(decided.updates).toEqual([]);
    expect(decided.approver.counts.approved).toBe(0);
  });

  test('a CSR that breaks a rule gets one Warning Event in default however often it is seen, and is counted once', async () => {
    const { approver, updates, events, lines } = fakeApi();
    const foreign = csrOf('bootstrap', { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] });
    await approver.consider(foreign);
    await approver.consider(foreign);
    expect(updates).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ namespace: 'default' }),
        involvedObject: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', name: 'bootstrap', uid: 'uid-bootstrap' },
        reason: 'RequesterNotNode',
        type: 'Warning',
      }),
    ]);
    expect(approver.counts.refused).toEqual({ RequesterNotNode: 1 });
    approver.forget(foreign);
    await approver.consider(foreign);
    expect(events, 'told again once forgotten').toHaveLength(2);
    expect(lines[0]).toMatch(/^left pending certificatesigningrequest\/bootstrap: RequesterNotNode: requested by "system:bootstrap:abcdef"/);
  });

  test('without the right to record Events it says so and goes on', async () => {
    const { approver, lines } = fakeApi({ eventsForbidden: true });
    await approver.consider(csrOf('lost', { username: 'system:node:gone' }));
    // The subject names w1, the requester another node.
    expect(approver.counts.refused).toEqual({ SubjectNotRequester: 1 });
    expect(lines[1]).toMatch(/^could not record an Event on certificatesigningrequest\/lost: .*Forbidden/);
  });

  test('CSRs of other signers and decided ones are not looked at', async () => {
    const { approver, updates, events } = fakeApi();
    await approver.consider(csrOf('client', { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'] }));
    await approver.consider(csrOf('done', {}, { conditions: [{ type: 'Approved', status: 'True' }] }));
    expect([updates, events, approver.counts]).toEqual([[], [], { approved: 0, refused: {} }]);
  });

  test('the summary counts approvals and CSRs left pending by rule', () => {
    expect(countsSummary({ approved: 2, refused: { WildcardName: 1, NameNotOnNode: 3 } })).toBe(
      'approved: 2\nleft pending: 4\n  NameNotOnNode: 3\n  WildcardName: 1\n',
    );
  });
});
