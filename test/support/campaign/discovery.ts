import { mkdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Case } from './campaign.js';
import { clusterInfoKubeconfig } from '../../../src/tokens/cluster-info.js';
import type { Answer, HostileServer } from '../hostile-server.js';
import { KEY_MARKER } from './node-state.js';
import { hostileString, tokenId, tokenSecret } from './values.js';

/** What the server answers cluster-info: one of the shared server's answers, or one the case makes of them. */
export type DiscoveryAnswer = Answer | { kind: 'changing' | 'plaintext' | 'endless' };

/** A header value Node lets a server send: what a redirect's Location may hold. */
const headerValue = (s: string) => /^[\t\x20-\x7e]*$/.test(s);

const answer: fc.Arbitrary<DiscoveryAnswer> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        ...(['valid', 'bad-signature', 'unsigned', 'wrong-ca', 'tampered', 'missing-kubeconfig', 'changing', 'hang', 'reset', 'endless', 'plaintext'] as const),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      status: fc.constantFrom(200, 200, 200, 201, 204, 301, 401, 403, 404, 429, 500, 503),
      body: fc.oneof(
        hostileString,
        fc.constantFrom(
          'null',
          '[]',
          '"x"',
          '{}',
          '{"data":null}',
          '{"data":{"kubeconfig":null}}',
          '{"data":{"kubeconfig":"apiVersion: v1"}}',
          '{"data":{"kubeconfig":"::"}}',
          '{"kind":"Status","message":null}',
          '{"data":',
        ),
        fc.json(),
      ),
      headers: fc.constantFrom<Record<string, string>>(
        { 'Content-Type': 'application/json' },
        { 'Content-Type': 'text/html' },
        { 'Content-Type': '' },
        { 'X-Junk': 'x'.repeat(64 * 1024) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slow' as const), intervalMs: fc.constantFrom(50, 200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), bytes: fc.integer({ min: 1, max: 300 }).map((mib) => mib << 20) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      status: fc.constant(302),
      body: fc.constant(''),
      headers: fc.record({ Location: fc.oneof(hostileString.filter(headerValue), fc.constantFrom('https://127.0.0.1:1/', 'file:///etc/passwd', '/api')) }),
    }),
  },
);

const notFound = (status: number) => JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: status, message: 'not found' });

const followup: fc.Arbitrary<Answer> = fc.oneof(
  fc.constantFrom<Answer>({ kind: 'raw', status: 404, body: notFound(404) }, { kind: 'echo-auth' }),
  fc.record({
    kind: fc.constant('raw' as const),
    status: fc.constantFrom(200, 403, 500),
    body: fc.oneof(
      hostileString,
      fc.json(),
      fc.constantFrom('{"data":{"ClusterConfiguration":"kind: ClusterConfiguration\\napiVersion: kubeadm.k8s.io/v1beta4\\nkubernetesVersion: [x]"}}'),
    ),
  }),
);

export interface DiscoveryInput {
  command: 'join --dry-run' | 'join phase preflight';
  how: 'pinned' | 'wrongPin' | 'unsafe' | 'fileUrl';
  answer: DiscoveryAnswer;
  followup: Answer;
  timeoutSeconds: 1 | 2;
  token: { id: string; secret: string };
}

export const discoveryInput: fc.Arbitrary<DiscoveryInput> = fc.record({
  command: fc.constantFrom('join --dry-run' as const, 'join phase preflight' as const),
  how: fc.constantFrom('pinned' as const, 'pinned' as const, 'wrongPin' as const, 'unsafe' as const, 'fileUrl' as const),
  answer,
  followup,
  timeoutSeconds: fc.constantFrom(1 as const, 2 as const),
  token: fc.record({ id: tokenId, secret: tokenSecret }),
});

/** After the discovery timeout, this long for everything else a join does before it ends (a loaded machine). */
const GRACE_MS = 10_000;

/** Sets the server to answer cluster-info as `answer` says; the case's own kinds are made of the server's. */
function serveAnswer(server: HostileServer, answer: DiscoveryAnswer): void {
  if (answer.kind === 'plaintext') return server.serve({ kind: 'valid' });
  if (answer.kind === 'endless') return server.serve({ kind: 'huge', bytes: Infinity });
  // The first answer names this server, every later one another: a cluster-info that changes between reads.
  if (answer.kind === 'changing')
    return server.serve({ kind: 'valid' }, { kind: 'signed', kubeconfig: clusterInfoKubeconfig(`${server.url}/other`, server.caPem) });
  server.serve(answer as Answer);
}

export const discoveryCase =
  (server: HostileServer) =>
  (input: DiscoveryInput, dir: string): Case => {
    const token = `${input.token.id}.${input.token.secret}`;
    server.useToken(token);
    serveAnswer(server, input.answer);
    server.serveOtherPaths(input.followup);
    const rootfs = path.join(dir, 'root');
    mkdirSync(rootfs);
    const endpoint = input.answer.kind === 'plaintext' ? server.plainEndpoint : server.endpoint;
    const how =
      input.how === 'fileUrl'
        ? ['--discovery-file', `https://${endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info`, '--tls-bootstrap-token', token]
        : [
            endpoint,
            '--token',
            token,
            ...(input.how === 'unsafe'
              ? ['--discovery-token-unsafe-skip-ca-verification']
              : ['--discovery-token-ca-cert-hash', input.how === 'pinned' ? server.caHash : `sha256:${'0'.repeat(64)}`]),
          ];
    const words = input.command === 'join --dry-run' ? ['join', '--dry-run'] : ['join', 'phase', 'preflight'];
    return {
      command: input.command,
      // The node checks pass whatever the test machine lacks, so every case reaches discovery.
      argv: [...words, '--rootfs', rootfs, '--ignore-preflight-errors', 'all', '--discovery-timeout', `${input.timeoutSeconds}s`, ...how],
      watched: [rootfs],
      // What the server says is input too: bosun quoting its body is not the runtime speaking.
      inputText: JSON.stringify([input.answer, input.followup]) + [input.answer, input.followup].map((a) => ('body' in a ? String(a.body) : '')).join('\n'),
      dryRun: input.command === 'join --dry-run',
      locations: [endpoint, 'cluster-info', 'discovery', '--discovery-token-ca-cert-hash', 'kubeadm-config', 'kubelet-config'],
      secrets: [input.token.secret, KEY_MARKER],
      deadlineMs: input.timeoutSeconds * 1000 + GRACE_MS,
      // A body without an end grows a reader without bound: such answers meet a process with a memory ceiling.
      separateProcess: input.answer.kind === 'huge' || input.answer.kind === 'endless',
    };
  };
