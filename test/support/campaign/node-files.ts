import { chmodSync, constants, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import type { Case } from './campaign.js';
import { copyNode, KEY_MARKER, MARKED_KEY, SAMPLE_CONFIG, type NodeTemplate } from './node-state.js';
import { hostileString } from './values.js';

/** What a node file becomes: cut, emptied, replaced, turned into a directory or a link, made huge or unreadable. */
export type FileState =
  | { op: 'truncate'; fraction: number }
  | { op: 'empty' | 'directory' | 'dangling' | 'loop' | 'markedKey' | 'mode000' | 'mode777' | 'outside' | 'outsideRelative' | 'sparse64M' | 'sparse3G' }
  | { op: 'garbage'; text: string }
  | { op: 'swap'; with: number };

/** What a node file becomes when special files are in play: a FIFO nobody writes, or a link to a device. */
export type SpecialState = { op: 'fifo' } | { op: 'device'; device: '/dev/zero' | '/dev/urandom' | '/dev/null' | '/dev/full' };

const fileState: fc.Arbitrary<FileState> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('garbage' as const), text: hostileString }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('swap' as const), with: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom(
        ...(['empty', 'directory', 'dangling', 'loop', 'markedKey', 'mode000', 'mode777', 'outside', 'outsideRelative', 'sparse64M', 'sparse3G'] as const),
      ),
    }),
  },
);

const specialState: fc.Arbitrary<SpecialState> = fc.oneof(
  fc.record({ op: fc.constant('fifo' as const) }),
  fc.record({
    op: fc.constant('device' as const),
    device: fc.constantFrom('/dev/zero' as const, '/dev/urandom' as const, '/dev/null' as const, '/dev/full' as const),
  }),
);

/** The commands that read a node's files with no cluster to talk to (its kubeconfigs name a closed port). */
const COMMANDS: Array<{ name: string; argv: (root: string) => string[]; dryRun: boolean; reaches?: string[] }> = [
  { name: 'init phase certs all', argv: (r) => ['init', 'phase', 'certs', 'all', '--rootfs', r, '--config', SAMPLE_CONFIG], dryRun: false },
  { name: 'init phase kubeconfig all', argv: (r) => ['init', 'phase', 'kubeconfig', 'all', '--rootfs', r, '--config', SAMPLE_CONFIG], dryRun: false },
  { name: 'init phase control-plane all', argv: (r) => ['init', 'phase', 'control-plane', 'all', '--rootfs', r, '--config', SAMPLE_CONFIG], dryRun: false },
  { name: 'init phase etcd local', argv: (r) => ['init', 'phase', 'etcd', 'local', '--rootfs', r, '--config', SAMPLE_CONFIG], dryRun: false },
  { name: 'init phase kubelet-start', argv: (r) => ['init', 'phase', 'kubelet-start', '--rootfs', r, '--config', SAMPLE_CONFIG], dryRun: false },
  // The node is rendered already: without the ignore, preflight refuses every case for the files it finds.
  {
    name: 'init --dry-run',
    argv: (r) => ['init', '--dry-run', '--rootfs', r, '--config', SAMPLE_CONFIG, '--skip-token-print', '--ignore-preflight-errors', 'all'],
    dryRun: true,
  },
  // It asks the cluster (a closed port) before it reads the files: a refusal may name what it asked for instead.
  { name: 'upgrade node --dry-run', argv: (r) => ['upgrade', 'node', '--dry-run', '--rootfs', r], dryRun: true, reaches: ['127.0.0.1:1', 'kubeadm-config'] },
];

export interface NodeInput<S> {
  command: number;
  /** Which template entries (files, then directories) change, and into what. */
  changes: Array<{ entry: number; state: S }>;
}

export const nodeInput: fc.Arbitrary<NodeInput<FileState>> = fc.record({
  command: fc.nat({ max: COMMANDS.length - 1 }),
  changes: fc.array(fc.record({ entry: fc.nat(), state: fileState }), { minLength: 1, maxLength: 3 }),
});

export const specialInput: fc.Arbitrary<NodeInput<SpecialState>> = fc.record({
  command: fc.nat({ max: COMMANDS.length - 1 }),
  changes: fc.array(fc.record({ entry: fc.nat(), state: specialState }), { minLength: 1, maxLength: 2 }),
});

interface Planted {
  /** Places the error may name: the node path, its base name, the host path it stands at or links to. */
  locations: string[];
  fifos: string[];
}

/** Puts one state at `nodePath` under `root`; `outside` is a watched directory beside the root that links lead into. */
function plant(t: NodeTemplate, root: string, outside: string, nodePath: string, state: FileState | SpecialState): Planted {
  const at = path.join(root, nodePath);
  const original = readFileSync(path.join(t.root, nodePath));
  const target = path.join(outside, path.basename(nodePath));
  const planted: Planted = { locations: [nodePath, path.basename(nodePath), at], fifos: [] };
  const replace = () => rmSync(at, { recursive: true, force: true });
  switch (state.op) {
    case 'truncate':
      writeFileSync(at, original.subarray(0, Math.floor(original.length * state.fraction)));
      break;
    case 'empty':
      writeFileSync(at, '');
      break;
    case 'garbage':
      writeFileSync(at, state.text);
      break;
    case 'markedKey':
      writeFileSync(at, MARKED_KEY);
      break;
    case 'swap': {
      const other = t.files[state.with % t.files.length];
      copyFileSync(path.join(t.root, other), at);
      break;
    }
    case 'directory':
      replace();
      mkdirSync(path.join(at, 'inside'), { recursive: true });
      break;
    case 'dangling':
      replace();
      symlinkSync(path.join(root, 'nowhere', path.basename(nodePath)), at);
      break;
    case 'loop':
      replace();
      symlinkSync(at, at);
      break;
    case 'mode000':
      chmodSync(at, 0o000);
      break;
    case 'mode777':
      chmodSync(at, 0o777);
      break;
    case 'outside':
    case 'outsideRelative':
      // The same content beside the root: a run that follows the link reads a valid file and writes through it.
      copyFileSync(path.join(t.root, nodePath), target);
      replace();
      symlinkSync(state.op === 'outside' ? target : path.relative(path.dirname(at), target), at);
      planted.locations.push(target);
      break;
    case 'sparse64M':
      truncateSync(at, 64 * 1024 * 1024);
      break;
    case 'sparse3G':
      truncateSync(at, 3 * 1024 * 1024 * 1024);
      break;
    case 'fifo':
      replace();
      execFileSync('mkfifo', [at]);
      planted.fifos.push(at);
      break;
    case 'device':
      replace();
      symlinkSync(state.device, at);
      planted.locations.push(state.device);
      break;
  }
  return planted;
}

/** Unblocks a run stuck opening a FIFO: a writer that opens and closes it gives the reader its end of file. */
function releaseFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waits on it (ENXIO), or it is gone: nothing to release.
  }
}

/** A directory taken over whole: every file under it at once (a pki directory linked out of the root). */
function plantDir(root: string, outside: string, nodeDir: string): Planted {
  const at = path.join(root, nodeDir);
  const target = path.join(outside, 'dir');
  execFileSync('cp', ['-a', at, target]);
  rmSync(at, { recursive: true, force: true });
  symlinkSync(target, at);
  return { locations: [nodeDir, path.basename(nodeDir), at, target], fifos: [] };
}

export const nodeCase =
  <S extends FileState | SpecialState>(t: NodeTemplate) =>
  (input: NodeInput<S>, dir: string): Case => {
    const root = copyNode(t, dir);
    const outside = path.join(dir, 'outside');
    mkdirSync(outside);
    const entries = [...t.files, ...t.dirs];
    const planted: Planted[] = [];
    const seen = new Set<string>();
    for (const change of input.changes) {
      const entry = entries[change.entry % entries.length];
      if ([...seen].some((s) => entry.startsWith(`${s}/`) || s.startsWith(`${entry}/`) || s === entry)) continue;
      seen.add(entry);
      if (t.dirs.includes(entry)) planted.push(plantDir(root, outside, entry));
      else planted.push(plant(t, root, outside, entry, change.state));
    }
    const spec = COMMANDS[input.command];
    const fifos = planted.flatMap((p) => p.fifos);
    return {
      command: spec.name,
      argv: spec.argv(root),
      watched: [root],
      outside: [outside],
      inputText: input.changes.map((c) => ('text' in c.state ? c.state.text : '')).join('\n'),
      dryRun: spec.dryRun,
      locations: [...planted.flatMap((p) => p.locations), ...(spec.reaches ?? [])].filter((l) => l.length >= 3),
      secrets: [KEY_MARKER, t.keySample],
      deadlineMs: 20_000,
      release: () => fifos.forEach(releaseFifo),
      // A link to a device grows a reader without bound: such runs get their own process with a memory ceiling.
      separateProcess: input.changes.some((c) => (c.state as SpecialState).op === 'device'),
    };
  };
