/**
 * The kubelet-serving approver's rules, on real PKCS#10 requests made with the X.509 library: each rule refuses what
 * it names, and generated requests show that no name or address outside the Node's is ever approved.
 */
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseCIDRList } from '../../../src/config/net.js';
import { readServingRequest } from '../../../src/pki/kubelet-serving-request.js';
import { judgeServingCsr, requesterNode, type NodeAddress, type ServingCsr } from '../../../src/pki/kubelet-serving-rules.js';
import { x509 } from '../../../src/pki/x509.js';

type San = { type: 'dns' | 'ip' | 'email' | 'url'; value: string };
let keys: webcrypto.CryptoKeyPair;
let otherKeys: webcrypto.CryptoKeyPair;

beforeAll(async () => {
  const generate = () => webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
  [keys, otherKeys] = await Promise.all([generate(), generate()]);
});

async function requestPem(subject: string, sans: San[]): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return csr.toString('pem');
}

const NODE_ADDRESSES: NodeAddress[] = [
  { type: 'Hostname', address: 'worker-1' },
  { type: 'InternalDNS', address: 'worker-1.internal.example' },
  { type: 'InternalIP', address: '10.0.0.11' },
  { type: 'InternalIP', address: 'fd00::11' },
  { type: 'ExternalIP', address: '203.0.113.11' },
];
const TRUE_SANS: San[] = [
  { type: 'dns', value: 'worker-1' },
  { type: 'ip', value: '10.0.0.11' },
  { type: 'ip', value: 'fd00::11' },
];
const NODE_SUBJECT = 'O=system:nodes, CN=system:node:worker-1';

async function csrOf(overrides: Partial<Omit<ServingCsr, 'request'>> & { subject?: string; sans?: San[] } = {}): Promise<ServingCsr> {
  return {
    username: overrides.username ?? 'system:node:worker-1',
    groups: overrides.groups ?? ['system:nodes', 'system:authenticated'],
    usages: overrides.usages ?? ['digital signature', 'server auth'],
    request: await readServingRequest(await requestPem(overrides.subject ?? NODE_SUBJECT, overrides.sans ?? TRUE_SANS)),
  };
}

const ruleOf = async (overrides: Parameters<typeof csrOf>[0], addresses: NodeAddress[] | undefined = NODE_ADDRESSES, cidrs?: string) => {
  const verdict = judgeServingCsr(await csrOf(overrides), addresses, cidrs ? parseCIDRList(cidrs) : undefined);
  return verdict.approve ? 'approved' : verdict.rule;
};

describe('the rules', () => {
  test("a node's own request for its true names is approved, with or without key encipherment", async () => {
    expect(judgeServingCsr(await csrOf(), NODE_ADDRESSES)).toEqual({ approve: true, node: 'worker-1' });
    expect(await ruleOf({ usages: ['key encipherment', 'digital signature', 'server auth'] })).toBe('approved');
    const otherTrueNames: San[] = [
      { type: 'dns', value: 'WORKER-1.internal.example' },
      { type: 'ip', value: '203.0.113.11' },
    ];
    expect(await ruleOf({ sans: otherTrueNames }), 'DNS names compared without case').toBe('approved');
    expect(await ruleOf({ sans: [{ type: 'ip', value: 'fd00:0:0::11' }] }), 'IPv6 compared as addresses, not text').toBe('approved');
  });

  test.each([
    ['a bootstrap token', { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] }],
    ['a node name outside system:nodes', { groups: ['system:authenticated'] }],
    ['an admin', { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins'] }],
    ['an empty node name', { username: 'system:node:' }],
  ])('the requester must be a node: %s is not', async (_what, overrides) => {
    expect(await ruleOf(overrides)).toBe('RequesterNotNode');
  });

  test.each([
    ['another node', 'O=system:nodes, CN=system:node:worker-2'],
    ['no organization', 'CN=system:node:worker-1'],
    ['another organization', 'O=system:masters, CN=system:node:worker-1'],
    ['an extra attribute', 'O=system:nodes, OU=x, CN=system:node:worker-1'],
    ['two organizations', 'O=system:nodes, O=system:masters, CN=system:node:worker-1'],
  ])('the subject must be exactly the requester: not %s', async (_what, subject) => {
    expect(await ruleOf({ subject })).toBe('SubjectNotRequester');
  });

  test.each([
    ['client auth added', ['digital signature', 'server auth', 'client auth']],
    ['client auth only', ['digital signature', 'client auth']],
    ['no server auth', ['digital signature', 'key encipherment']],
    ['no digital signature', ['key encipherment', 'server auth']],
    ['cert sign', ['digital signature', 'server auth', 'cert sign']],
  ])('the usages must be the serving ones: not %s', async (_what, usages) => {
    expect(await ruleOf({ usages })).toBe('UsagesNotServing');
  });

  test('names are DNS names and IPs the Node reports, without wildcards, inside the allowed CIDRs', async () => {
    expect(await ruleOf({ sans: [...TRUE_SANS, { type: 'dns', value: 'example.com' }] })).toBe('NameNotOnNode');
    expect(await ruleOf({ sans: [{ type: 'dns', value: '*.internal.example' }] })).toBe('WildcardName');
    expect(await ruleOf({ sans: [{ type: 'ip', value: '10.0.0.12' }] })).toBe('AddressNotOnNode');
    expect(await ruleOf({ sans: [{ type: 'ip', value: '::ffff:10.0.0.11' }] }), 'a mapped IPv4 is another family').toBe('AddressNotOnNode');
    expect(await ruleOf({ sans: [{ type: 'dns', value: '10.0.0.11' }] }), 'an address as a DNS name is not a name').toBe('NameNotOnNode');
    const withEmail: San[] = [...TRUE_SANS, { type: 'email', value: 'root@worker-1' }];
    expect(await ruleOf({ sans: withEmail })).toBe('SubjectAltNameKindNotAllowed');
    expect(await ruleOf({ sans: [{ type: 'url', value: 'spiffe://worker-1' }] })).toBe('SubjectAltNameKindNotAllowed');
    expect(await ruleOf({ sans: [] })).toBe('NoSubjectAltNames');
    expect(judgeServingCsr(await csrOf(), undefined)).toMatchObject({ approve: false, rule: 'NodeNotFound' });
    expect(await ruleOf({}, NODE_ADDRESSES, '10.0.0.0/24,fd00::/64')).toBe('approved');
    expect(await ruleOf({}, NODE_ADDRESSES, '10.0.0.0/24')).toBe('AddressOutsideAllowedCidrs');
    expect(await ruleOf({ sans: [{ type: 'ip', value: '203.0.113.11' }] }, NODE_ADDRESSES, '10.0.0.0/8')).toBe('AddressOutsideAllowedCidrs');
  });

  test('a request that cannot be read, or is not signed by its key, is left alone', async () => {
    expect(judgeServingCsr({ ...(await csrOf()), request: await readServingRequest('not a request') }, NODE_ADDRESSES)).toMatchObject({
      approve: false,
      rule: 'RequestUnreadable',
    });
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: NODE_SUBJECT,
      keys: { privateKey: otherKeys.privateKey, publicKey: keys.publicKey },
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension(TRUE_SANS)],
    });
    expect(judgeServingCsr({ ...(await csrOf()), request: await readServingRequest(csr.toString('pem')) }, NODE_ADDRESSES)).toMatchObject({
      approve: false,
      rule: 'SignatureInvalid',
    });
  });

  test('requesterNode reads the node of a node identity only', () => {
    expect(requesterNode({ username: 'system:node:a', groups: ['system:nodes'] })).toBe('a');
    expect(requesterNode({ username: 'system:node:a', groups: [] })).toBeUndefined();
    expect(requesterNode({ username: 'system:serviceaccount:kube-system:a', groups: ['system:nodes'] })).toBeUndefined();
  });
});

/** Hundreds of signed requests: a loaded machine takes far longer than the default 5 s over them. */
const PROPERTY_TIMEOUT_MS = 120_000;

describe('generated requests', () => {
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
  const dnsName = fc.oneof(
    label,
    fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
    label.map((l) => `*.${l}`),
  );
  const ipv4 = fc.tuple(fc.constantFrom(10, 192, 203), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.0.${b}.${c}`);
  const ipv6 = fc.tuple(fc.nat(3), fc.nat(3)).map(([a, b]) => `fd00::${a}:${b}`);
  const address: fc.Arbitrary<NodeAddress> = fc.oneof(
    fc.record({ type: fc.constantFrom('Hostname', 'InternalDNS', 'ExternalDNS'), address: label }),
    fc.record({ type: fc.constantFrom('InternalIP', 'ExternalIP'), address: fc.oneof(ipv4, ipv6) }),
  );
  const san: fc.Arbitrary<San> = fc.oneof(
    dnsName.map((value) => ({ type: 'dns' as const, value })),
    fc.oneof(ipv4, ipv6).map((value) => ({ type: 'ip' as const, value })),
  );
  const nodeName = fc.constantFrom('n1', 'n2');
  /** What the allowed CIDRs hold of the generated addresses, told without the code under test. */
  const CIDR_PREFIXES: Record<string, string> = { '10.0.0.0/8': '10.', 'fd00::/64': 'fd00::', '192.0.0.0/8': '192.' };

  test(
    "no request is approved with a name or address outside its Node's, or from anyone but that node",
    async () => {
      let approved = 0;
      await fc.assert(
        fc.asyncProperty(
          nodeName,
          nodeName,
          fc.array(address, { minLength: 1, maxLength: 5 }),
          // Mostly the Node's own names (as a kubelet asks), some foreign ones.
          fc.array(fc.oneof({ arbitrary: fc.nat(), weight: 4 }, { arbitrary: san, weight: 1 }), { minLength: 1, maxLength: 4 }),
          fc.oneof(
            fc.constant<string[]>(['digital signature', 'server auth']),
            fc.subarray<string>(['digital signature', 'key encipherment', 'server auth', 'client auth']),
          ),
          fc.option(fc.constantFrom('10.0.0.0/8', '10.0.0.0/8,fd00::/64', '192.0.0.0/8'), { nil: undefined }),
          async (requester, subjectNode, addresses, picks, usages, cidrs) => {
            const sans = picks.map((pick): San => {
              if (typeof pick !== 'number') return pick;
              const own = addresses[pick % addresses.length];
              return { type: own.type.endsWith('IP') ? 'ip' : 'dns', value: own.address };
            });
            const csr: ServingCsr = {
              username: `system:node:${requester}`,
              groups: ['system:nodes'],
              usages,
              request: await readServingRequest(await requestPem(`O=system:nodes, CN=system:node:${subjectNode}`, sans)),
            };
            const allowed = cidrs ? parseCIDRList(cidrs) : undefined;
            const verdict = judgeServingCsr(csr, addresses, allowed);
            if (!verdict.approve) return;
            approved++;
            const names = new Set(addresses.map((a) => a.address));
            expect(requester).toBe(subjectNode);
            expect(usages).not.toContain('client auth');
            for (const { value } of sans) expect(names.has(value) && !value.includes('*'), `${value} approved`).toBe(true);
            for (const { value } of sans.filter((s) => s.type === 'ip')) {
              expect(addresses.some((a) => a.address === value && a.type.endsWith('IP'))).toBe(true);
              if (cidrs)
                expect(
                  cidrs.split(',').some((cidr) => value.startsWith(CIDR_PREFIXES[cidr])),
                  `${value} outside ${cidrs}`,
                ).toBe(true);
            }
          },
        ),
        { numRuns: 300, seed: 15 },
      );
      expect(approved, 'the generator makes approvable requests too').toBeGreaterThan(10);
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'every request naming only true names of the requesting node is approved',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(address, { minLength: 1, maxLength: 5, selector: (a) => a.address }), async (addresses) => {
          const sans: San[] = addresses.map((a) => ({ type: a.type.endsWith('IP') ? 'ip' : 'dns', value: a.address }));
          const verdict = judgeServingCsr(await csrOf({ username: 'system:node:n1', subject: 'O=system:nodes, CN=system:node:n1', sans }), addresses);
          expect(verdict).toEqual({ approve: true, node: 'n1' });
        }),
        { numRuns: 100, seed: 15 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
