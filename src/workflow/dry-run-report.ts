/**
 * The dry-run report: what a command would have changed, made from what its recording doors recorded. The same
 * for every command; printed as text, or given as data with `-o json|yaml` (see dry-run-output.ts).
 */
import type { RecordedClusterAction } from '../cluster/recording.js';
import type { RecordedEtcdAction } from '../etcd/recording.js';
import type { RecordedAction } from '../host/recording.js';
import { fileDiff } from '../util/file-diff.js';
import type { Recorded } from './doors.js';

/** A change to a node path. Secrets are described, never shown. */
export interface FileChange {
  path: string;
  action: 'write' | 'mkdir' | 'remove';
  change: 'new' | 'changed' | 'removed';
  /** Octal, as `ls -l` users read it: `0600`. */
  mode?: string;
  /** Bytes written. */
  size?: number;
  /** What a file holds when its content is not shown: a secret (`secret` set), a certificate, binary data. */
  holds?: string;
  secret?: boolean;
  /** The unified diff of the file's text against what the node has (the whole text for a new file). */
  diff?: string;
}

/** A process or a service the node would have run or (re)started. */
export type NodeCommand = { run: string } | { service: string; action: string };

/** A write to the Kubernetes API. */
export interface ObjectChange {
  verb: 'apply' | 'create' | 'patch' | 'update' | 'delete' | 'evict';
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  subresource?: string;
}

/** A change to etcd's membership. */
export interface EtcdChange {
  verb: 'member add' | 'member promote' | 'member remove';
  /** The member's peer URL (or its id, hex, when it is not known). */
  member: string;
  learner?: boolean;
}

export interface DryRunReport {
  /** Where the node's paths are (`/`, or `--rootfs`). */
  root: string;
  files: FileChange[];
  commands: NodeCommand[];
  objects: ObjectChange[];
  etcd: EtcdChange[];
}

const BOOTSTRAP_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/;

/** What makes a file's text a secret, said without showing it. */
function secretIn(path: string, text: string): string | undefined {
  if (path.endsWith('.key') || /PRIVATE KEY-----/.test(text)) return 'a private key';
  if (/client-key-data:/.test(text)) return 'a kubeconfig with an embedded client key';
  if (/^\s*token:/m.test(text)) return 'a kubeconfig with a token';
  if (BOOTSTRAP_TOKEN.test(text)) return 'a bootstrap token';
  return undefined;
}

/** Text worth no diff: certificates and public keys are base64 noise; other bytes are not text at all. */
function opaque(text: string | undefined, bytes: Uint8Array): string | undefined {
  if (text === undefined) return `binary data (${bytes.length} bytes)`;
  if (text.startsWith('-----BEGIN CERTIFICATE-----')) return `a certificate (${bytes.length} bytes)`;
  if (text.startsWith('-----BEGIN PUBLIC KEY-----')) return `a public key (${bytes.length} bytes)`;
  return undefined;
}

function textOf(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.includes('\0') ? undefined : text;
  } catch {
    return undefined;
  }
}

const octal = (mode: number | undefined) => (mode === undefined ? undefined : mode.toString(8).padStart(4, '0'));
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

function writeChange(action: RecordedAction, data: Uint8Array): FileChange | undefined {
  const { before, target: path } = action;
  if (before && !before.isDirectory && sameBytes(before.data, data) && before.mode === action.mode) return undefined;
  const change: FileChange = { path, action: 'write', change: before ? 'changed' : 'new', mode: octal(action.mode), size: data.length };
  const text = textOf(data);
  const previous = textOf(before?.data);
  const secret = (text !== undefined && secretIn(path, text)) || (previous !== undefined && secretIn(path, previous));
  if (secret) return { ...change, secret: true, holds: `${secret} (${data.length} bytes), not shown` };
  const holds = opaque(text, data);
  if (holds) return { ...change, holds };
  const diff = fileDiff(path, previous, text!);
  return diff ? { ...change, diff } : change;
}

/** A recorded node action as a change; undefined when it changes nothing (a directory that is there, the same bytes). */
function fileChange(action: RecordedAction): FileChange | undefined {
  const path = action.target;
  if (action.kind === 'write') return writeChange(action, action.data ?? new Uint8Array());
  if (action.kind === 'mkdir') return action.before ? undefined : { path, action: 'mkdir', change: 'new', mode: octal(action.mode ?? 0o755) };
  return action.before ? { path, action: 'remove', change: 'removed' } : undefined;
}

function nodeCommand(action: RecordedAction): NodeCommand {
  if (action.kind === 'exec') return { run: action.target };
  const [verb, ...name] = action.target.split(' ');
  return { service: name.join(' '), action: verb };
}

const WRITES = new Set<RecordedClusterAction['verb']>(['apply', 'create', 'patch', 'update', 'delete', 'evict']);

function objectChange(action: RecordedClusterAction & { ref: NonNullable<RecordedClusterAction['ref']> }): ObjectChange {
  const { apiVersion, kind, namespace, name } = action.ref;
  return {
    verb: action.verb as ObjectChange['verb'],
    apiVersion,
    kind,
    ...(namespace !== undefined && { namespace }),
    name,
    ...(action.subresource !== undefined && { subresource: action.subresource }),
  };
}

const etcdChange = (action: RecordedEtcdAction): EtcdChange => ({
  verb: action.verb,
  member: action.target,
  ...(action.learner !== undefined && { learner: action.learner }),
});

/** The report of a dry run's record: node files and commands, API writes (reads and waits left out), etcd changes. */
export function dryRunReport(recorded: Recorded): DryRunReport {
  const node = recorded.host.actions;
  return {
    root: recorded.host.root,
    files: node.flatMap((a) => (a.kind === 'exec' || a.kind === 'service' ? [] : (fileChange(a) ?? []))),
    commands: node.filter((a) => a.kind === 'exec' || a.kind === 'service').map(nodeCommand),
    objects: recorded.cluster
      .filter((a): a is RecordedClusterAction & { ref: NonNullable<RecordedClusterAction['ref']> } => WRITES.has(a.verb) && a.ref !== undefined)
      .map(objectChange),
    etcd: recorded.etcd.map(etcdChange),
  };
}
