import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import type { Case } from './campaign.js';
import { certificateKey, hostileString, hostileValue, tokenId, tokenSecret } from './values.js';

const SAMPLES_DIR = path.resolve(import.meta.dirname, '../../data/config');
type Doc = Record<string, unknown>;

/** The valid sample files the mutations start from, as documents. */
const SAMPLES: Record<string, Doc[]> = Object.fromEntries(
  ['v1beta4-full.yaml', 'v1beta3.yaml', 'v1beta3-migrated.yaml', 'join-v1beta3.yaml'].map((name) => [
    name,
    parseAllDocuments(readFileSync(path.join(SAMPLES_DIR, name), 'utf8')).map((d) => d.toJS() as Doc),
  ]),
);

type Key = string | number;
type Mutation =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'pad'; at: number; pad: string; before: boolean }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'apiVersion'; doc: number; value: string }
  | { op: 'kind'; doc: number; value: string }
  | { op: 'duplicate'; doc: number }
  | { op: 'replaceDoc'; doc: number; value: unknown };

/** Whole-file shapes beyond what a mutation of one value reaches: size, depth, aliases, encodings, cuts. */
type TextChange =
  | { op: 'truncate'; fraction: number }
  | { op: 'insert'; fraction: number; text: string }
  | { op: 'crlf' | 'bom' | 'tabs' | 'nul' }
  | { op: 'manyKeys'; count: number }
  | { op: 'deep'; depth: number; flow: boolean }
  | { op: 'aliases'; levels: number; width: number }
  | { op: 'hugeValue'; mib: number }
  | { op: 'duplicateKey' };

const KINDS = [
  'InitConfiguration',
  'ClusterConfiguration',
  'JoinConfiguration',
  'KubeletConfiguration',
  'KubeProxyConfiguration',
  'ResetConfiguration',
  'UpgradeConfiguration',
];
const API_VERSIONS = [
  'kubeadm.k8s.io/v1beta4',
  'kubeadm.k8s.io/v1beta3',
  'kubeadm.k8s.io/v1beta2',
  'kubeadm.k8s.io/v1beta4/extra',
  'kubeadm.k8s.io/',
  'kubeadm.k8s.io',
  'v1',
  'kubelet.config.k8s.io/v1beta1',
  'KUBEADM.K8S.IO/V1BETA4',
  ' kubeadm.k8s.io/v1beta4',
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileValue }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('pad' as const),
      at: fc.nat(),
      pad: fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u200b'),
      before: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(hostileString, fc.constantFrom('kubernetesVersion', 'Networking', 'bindport', 'apiVersion')),
      value: hostileValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('apiVersion' as const, 'kind' as const),
      doc: fc.nat(),
      value: fc.oneof(fc.constantFrom(...API_VERSIONS, ...KINDS), hostileString),
    }) as fc.Arbitrary<Mutation>,
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), doc: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replaceDoc' as const), doc: fc.nat(), value: hostileValue }) },
);

const textChange: fc.Arbitrary<TextChange> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ op: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 30,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      text: fc.oneof(
        hostileString,
        fc.constantFrom(': :', '{', '[', '&a', '*a', '!!binary', '!<tag:x>', '? ', '%YAML 1.1\n', '---\n', '...\n', '- -', '"', "'"),
      ),
    }),
  },
  { weight: 24, arbitrary: fc.record({ op: fc.constantFrom('crlf' as const, 'bom' as const, 'tabs' as const, 'nul' as const) }) },
  { weight: 12, arbitrary: fc.record({ op: fc.constant('duplicateKey' as const) }) },
  // Size, depth and aliases: one whole-file change in a hundred, as each costs seconds while parsing is slow.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deep' as const), depth: fc.integer({ min: 100, max: 20_000 }), flow: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('aliases' as const), levels: fc.integer({ min: 2, max: 9 }), width: fc.integer({ min: 2, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('manyKeys' as const), count: fc.integer({ min: 1_000, max: 10_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('hugeValue' as const), mib: fc.integer({ min: 1, max: 4 }) }) },
);

export interface ConfigInput {
  sample: string;
  command: 'config validate' | 'config migrate' | 'init --dry-run' | 'init phase certs all';
  token: { id: string; secret: string };
  certificateKey: string;
  mutations: Mutation[];
  text: TextChange | null;
}

const secretsAndChanges = {
  token: fc.record({ id: tokenId, secret: tokenSecret }),
  certificateKey,
  mutations: fc.array(mutation, { minLength: 0, maxLength: 4 }),
  text: fc.option(textChange, { freq: 8 }),
};

/**
 * Mutated sample configurations, each fed to one of the commands that read a config file without a cluster. The
 * v1beta3 samples (RSA keys: seconds per init on a loaded machine) go to the commands that only read them.
 */
export const configInput: fc.Arbitrary<ConfigInput> = fc.oneof(
  fc.record({
    sample: fc.constantFrom('v1beta4-full.yaml', 'v1beta3-migrated.yaml'),
    // Whole init runs (key generation, every phase) are the costly share: one line in six.
    command: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...(['config validate', 'config validate', 'config validate', 'config migrate', 'config migrate'] as const)) },
      { weight: 1, arbitrary: fc.constantFrom(...(['init --dry-run', 'init phase certs all'] as const)) },
    ),
    ...secretsAndChanges,
  }),
  fc.record({
    sample: fc.constantFrom('v1beta3.yaml', 'join-v1beta3.yaml'),
    command: fc.constantFrom(...(['config validate', 'config migrate'] as const)),
    ...secretsAndChanges,
  }),
);

/** Every path into the documents: [doc index, key, key, …]. */
function paths(docs: unknown[]): Key[][] {
  const out: Key[][] = [];
  const walk = (value: unknown, at: Key[]) => {
    out.push(at);
    if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, Array.isArray(value) ? Number(k) : k]);
  };
  docs.forEach((d, i) => walk(d, [i]));
  return out;
}

function parentOf(docs: unknown[], at: Key[]): Record<Key, unknown> | undefined {
  let node: unknown = docs;
  for (const k of at.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<Key, unknown>)[k] : undefined;
  return node !== null && typeof node === 'object' ? (node as Record<Key, unknown>) : undefined;
}

/** Applies one mutation; returns the names it touched (field keys, document kinds) for the location check. */
function apply(docs: unknown[], m: Mutation): string[] {
  if (m.op === 'apiVersion' || m.op === 'kind' || m.op === 'duplicate' || m.op === 'replaceDoc') {
    const i = m.doc % docs.length;
    const doc = docs[i] as Doc | null;
    // A generated kind may be an object without a prototype, which String() cannot convert: only a string names a kind.
    const kind = doc !== null && typeof doc === 'object' && typeof doc.kind === 'string' ? doc.kind : '';
    if (m.op === 'duplicate') docs.push(structuredClone(doc));
    else if (m.op === 'replaceDoc') docs[i] = m.value;
    else if (doc !== null && typeof doc === 'object') doc[m.op] = m.value;
    return [kind, m.op, ...(m.op === 'kind' || m.op === 'apiVersion' ? [m.value] : [])];
  }
  const all = paths(docs).filter((p) => p.length > 1);
  if (!all.length) return [];
  const at = all[m.at % all.length];
  const parent = parentOf(docs, at);
  const key = at[at.length - 1];
  if (!parent) return [];
  if (m.op === 'set') parent[key] = m.value;
  else if (m.op === 'pad') {
    const value = parent[key];
    // Stray whitespace around a scalar as an operator types it; a mapping or list has no text to pad.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parent[key] = m.before ? `${m.pad}${value}` : `${value}${m.pad}`;
  } else if (m.op === 'delete') delete parent[key];
  else {
    const target = parent[key];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
    return at.map(String).slice(1).concat(m.key);
  }
  return at.map(String).slice(1);
}

/** Puts the marked token and certificate key where the sample has its own, so any output that echoes them is caught. */
function withSecrets(docs: Doc[], input: ConfigInput): Doc[] {
  const token = `${input.token.id}.${input.token.secret}`;
  for (const doc of docs) {
    // ECDSA keys where the version has the field: RSA key generation would make the campaign's init runs ten times slower.
    if (doc.kind === 'ClusterConfiguration' && doc.apiVersion === 'kubeadm.k8s.io/v1beta4') doc.encryptionAlgorithm ??= 'ECDSA-P256';
    if (doc.kind === 'InitConfiguration') {
      doc.bootstrapTokens = [{ ...((doc.bootstrapTokens as Doc[] | undefined)?.[0] ?? {}), token }];
      doc.certificateKey = input.certificateKey;
    }
    if (doc.kind === 'JoinConfiguration') {
      const discovery = doc.discovery as { bootstrapToken: Doc };
      discovery.bootstrapToken.token = token;
      doc.controlPlane = { certificateKey: input.certificateKey };
    }
  }
  return docs;
}

function changeText(text: string, c: TextChange): string {
  const at = (f: number) => Math.floor(text.length * f);
  switch (c.op) {
    case 'truncate':
      return text.slice(0, at(c.fraction));
    case 'insert':
      return text.slice(0, at(c.fraction)) + c.text + text.slice(at(c.fraction));
    case 'crlf':
      return text.replaceAll('\n', '\r\n');
    case 'bom':
      return `\ufeff${text}`;
    case 'tabs':
      return text.replace(/^ {2}/gm, '\t');
    case 'nul':
      return text.replace(/\n/, '\n\u0000');
    case 'duplicateKey':
      return text.replace(/^(kind: .*)$/m, '$1\n$1');
    case 'manyKeys':
      return `${text}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  certSANs: []\n${Array.from({ length: c.count }, (_, i) => `k${i}: v${i}`).join('\n')}\n`;
    case 'deep':
      return c.flow
        ? `${text}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: ${'['.repeat(c.depth)}${']'.repeat(c.depth)}\n`
        : `${text}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n${Array.from({ length: Math.min(c.depth, 2000) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} x\n`;
    case 'aliases': {
      const lines = [`a0: &a0 [${Array(c.width).fill('"lol"').join(', ')}]`];
      for (let l = 1; l < c.levels; l++)
        lines.push(
          `a${l}: &a${l} [${Array(c.width)
            .fill(`*a${l - 1}`)
            .join(', ')}]`,
        );
      return `${text}\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  certSANs: *a${c.levels - 1}\n${lines.join('\n')}\n`;
    }
    case 'hugeValue':
      return text.replace(/^(kind: ClusterConfiguration)$/m, `$1\nclusterName: ${'k'.repeat(c.mib * 1024 * 1024)}`);
  }
}

/** The argv for a command that reads `config` (and writes under `rootfs`, which is watched). */
function commandLine(command: ConfigInput['command'], config: string, rootfs: string): string[] {
  if (command === 'config validate') return ['config', 'validate', '--config', config];
  if (command === 'config migrate') return ['config', 'migrate', '--old-config', config];
  if (command === 'init --dry-run') return ['init', '--dry-run', '--rootfs', rootfs, '--config', config, '--progress', 'plain'];
  return ['init', 'phase', 'certs', 'all', '--rootfs', rootfs, '--config', config];
}

export function configCase(input: ConfigInput, dir: string): Case {
  const docs = withSecrets(structuredClone(SAMPLES[input.sample]), input);
  const touched = input.mutations.flatMap((m) => apply(docs, m));
  let text = docs.map((d) => stringify(d)).join('---\n');
  if (input.text) text = changeText(text, input.text);
  const config = path.join(dir, 'config.yaml');
  const rootfs = path.join(dir, 'rootfs');
  writeFileSync(config, text);
  mkdirSync(rootfs);
  return {
    command: input.command,
    argv: commandLine(input.command, config, rootfs),
    inputText: text,
    watched: [rootfs],
    dryRun: input.command !== 'init phase certs all',
    locations: [config, ...touched.filter((t) => t.length >= 3 && !/^\d+$/.test(t))],
    // migrate prints the document (token and key in it); init prints the join commands with the token and key.
    secrets: input.command === 'config migrate' || input.command === 'init --dry-run' ? [] : [input.token.secret, input.certificateKey],
    shownOnSuccess: [input.token.secret, input.certificateKey],
    deadlineMs: input.command.startsWith('init') ? 60_000 : 30_000,
  };
}
