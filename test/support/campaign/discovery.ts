import { mkdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Case } from './campaign.js';
import type { Answer, Followup, HostileServer } from './hostile-server.js';
import { KEY_MARKER } from './node-state.js';
import { hostileString, tokenId, tokenSecret } from './values.js';

const answer: fc.Arbitrary<Answer> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom(...(['valid', 'wrongJws', 'noJws', 'wrongCa', 'changing', 'stall', 'close', 'endless', 'hugeHeader', 'plaintext'] as const)),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('body' as const),
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
      contentType: fc.constantFrom('application/json', 'text/html', ''),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slow' as const), byteMs: fc.constantFrom(50, 200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), mib: fc.integer({ min: 1, max: 300 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('redirect' as const),
      location: fc.oneof(hostileString, fc.constantFrom('https://127.0.0.1:1/', 'file:///etc/passwd', '/api')),
    }),
  },
);

const followup: fc.Arbitrary<Followup> = fc.oneof(
  fc.record({ kind: fc.constantFrom('notFound' as const, 'echoAuth' as const) }),
  fc.record({
    kind: fc.constant('body' as const),
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
  answer: Answer;
  followup: Followup;
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

export const discoveryCase =
  (server: HostileServer) =>
  (input: DiscoveryInput, dir: string): Case => {
    server.answer = input.answer;
    server.followup = input.followup;
    server.token = input.token;
    const rootfs = path.join(dir, 'root');
    mkdirSync(rootfs);
    const port = input.answer.kind === 'plaintext' ? server.plainPort : server.port;
    const endpoint = `127.0.0.1:${port}`;
    const token = `${input.token.id}.${input.token.secret}`;
    const how =
      input.how === 'fileUrl'
        ? ['--discovery-file', `https://${endpoint}/api/v1/namespaces/kube-public/configmaps/cluster-info`, '--tls-bootstrap-token', token]
        : [
            endpoint,
            '--token',
            token,
            ...(input.how === 'unsafe'
              ? ['--discovery-token-unsafe-skip-ca-verification']
              : ['--discovery-token-ca-cert-hash', input.how === 'pinned' ? server.pin : `sha256:${'0'.repeat(64)}`]),
          ];
    const words = input.command === 'join --dry-run' ? ['join', '--dry-run'] : ['join', 'phase', 'preflight'];
    return {
      command: input.command,
      // The node checks pass whatever the test machine lacks, so every case reaches discovery.
      argv: [...words, '--rootfs', rootfs, '--ignore-preflight-errors', 'all', '--discovery-timeout', `${input.timeoutSeconds}s`, ...how],
      watched: [rootfs],
      // What the server says is input too: bosun quoting its body is not the runtime speaking.
      inputText: JSON.stringify([input.answer, input.followup]) + [input.answer, input.followup].map((a) => ('body' in a ? a.body : '')).join('\n'),
      dryRun: input.command === 'join --dry-run',
      locations: [endpoint, 'cluster-info', 'discovery', '--discovery-token-ca-cert-hash', 'kubeadm-config', 'kubelet-config'],
      secrets: [input.token.secret, KEY_MARKER],
      deadlineMs: input.timeoutSeconds * 1000 + GRACE_MS,
      // A body without an end grows a reader without bound: such answers meet a process with a memory ceiling.
      separateProcess: input.answer.kind === 'huge' || input.answer.kind === 'endless',
    };
  };
