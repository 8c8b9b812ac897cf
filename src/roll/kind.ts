/**
 * What makes a roll an upgrade or a migration: the engine (batches, cordon, drain, journal, health gate, lock) is
 * one; a kind gives what its node-side steps do, when a node counts as back (Ready as the kind wants it), what a
 * node that did not come back is rolled back to, and the cluster-wide steps that go before any node.
 */
import type { Cluster } from '../cluster/cluster.js';
import { isNodeReady, type Node } from '../kube/workloads.js';
import type { EventPath, EventSink } from '../workflow/events.js';
import type { JournalStore } from './journal/store.js';
import type { NodeRecord } from './journal/journal.js';
import type { NodeSideWork, NodeStepContext, ReachedNode } from './nodes.js';
import { sameVersion } from './plan.js';
import { PURPOSES, type NodeOS, type RollPurpose } from './steps.js';

/** What a cluster-wide step before the nodes gets. */
export interface BeforeStepContext {
  cluster: Cluster;
  target: string;
  path: EventPath;
  events: EventSink;
  signal: AbortSignal;
}

export interface RollKind {
  purpose: RollPurpose;
  work: NodeSideWork;
  /** When a node whose node-side steps ran counts as back, as the Node reports it. */
  ready: {
    /** `Ready with kubelet v1.37.1`. */
    what: string;
    test(node: Node): boolean;
    /** What the Node reports now, for the error when it is not back in time. */
    reports(node: Node | undefined): string;
  };
  /** Checked on the node once its Node is back (the node's files say what the roll wrote); throws when not. */
  confirm?(ctx: NodeStepContext): Promise<void>;
  /**
   * Per operating system: puts a node whose node-side step or wait for Ready failed back as it was before the roll
   * (its files, binaries and services); the node stays cordoned. A node whose OS has none is not rolled back.
   */
  rollback?: Partial<Record<NodeOS, (ctx: NodeStepContext) => Promise<void>>>;
  /** Cluster-wide steps, journaled, run once before any node (names as in the journal's `before`). */
  before?: Record<string, (ctx: BeforeStepContext) => Promise<void>>;
  /** `upgraded to kubelet v1.37.1`: what a node that finished is. */
  nodeDone: string;
  /** `4 node(s) run kubelet v1.37.1`: what the roll leaves, given the number of nodes. */
  rollDone(nodes: number): string;
}

export const prefixOf = (kind: Pick<RollKind, 'purpose'>): string => PURPOSES[kind.purpose].prefix;

/** `bosun upgrade nodes`: a node is back when Ready with the target kubelet. */
export function upgradeKind(target: string, work: NodeSideWork, rollback?: RollKind['rollback']): RollKind {
  return {
    purpose: 'upgrade',
    work,
    rollback,
    ready: {
      what: `Ready with kubelet ${target}`,
      test: (node) => isNodeReady(node) && sameVersion(node.status?.nodeInfo?.kubeletVersion, target),
      reports: (node) => `it reports ${node?.status?.nodeInfo?.kubeletVersion ?? 'nothing'}, ${node && isNodeReady(node) ? 'Ready' : 'not Ready'}`,
    },
    nodeDone: `upgraded to kubelet ${target}`,
    rollDone: (nodes) => `${nodes} node(s) run kubelet ${target}`,
  };
}

/** What a run of the engine is given. */
export interface RollContext {
  cluster: Cluster;
  store: JournalStore;
  /** How a node of the journal is reached (its Host door, its kubelet install). */
  reach(node: NodeRecord): ReachedNode;
  /** What the roll is (upgrade, migration): its node-side steps, Ready test, rollback; given by the command. */
  kind: RollKind;
  /** Where the roll's progress goes, as typed events. */
  events: EventSink;
  /** Aborts the run (the lock was lost). */
  signal: AbortSignal;
  evictionConcurrency?: number;
}
