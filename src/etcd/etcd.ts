import https from 'node:https';
import { readBoundedAnswer } from '../cluster/bounded-answer.js';
import { UserError } from '../errors.js';

/**
 * The etcd door: membership and health through etcd's JSON gateway to its gRPC API (`POST /v3/…` over HTTPS with a
 * client certificate), which every etcd 3.4+ serves on its client URLs.
 */
export interface EtcdMember {
  /** uint64, kept as the decimal string the gateway uses. */
  id: string;
  /** Empty until the member has started and published its name. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdStatus {
  version: string;
  leader: string;
  memberId: string;
  isLearner: boolean;
  raftIndex: string;
}

export interface Etcd {
  readonly endpoints: string[];
  memberList(): Promise<EtcdMember[]>;
  /** Adds a member (as a non-voting learner when asked); returns the new member and the members after the change. */
  memberAdd(peerURL: string, learner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }>;
  /** Makes a learner a voting member; etcd refuses until the learner has caught up with the leader. */
  memberPromote(id: string): Promise<EtcdMember[]>;
  memberRemove(id: string): Promise<EtcdMember[]>;
  /** One endpoint's own status (not the cluster's). */
  status(endpoint: string): Promise<EtcdStatus>;
}

/** A refusal or a failure to reach etcd; `code` is the gRPC code when etcd answered. */
export class EtcdError extends UserError {
  constructor(
    readonly action: string,
    readonly detail: string,
    readonly code?: number,
  ) {
    super(`etcd ${action}: ${detail}`);
    this.name = 'EtcdError';
  }
}

export interface EtcdTLS {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/** One call's whole exchange, every byte of the answer included. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Membership, health and status answers are a few KiB even for a large cluster. */
const ANSWER_MAX_BYTES = 4 << 20;

const member = (m: RawMember): EtcdMember => ({
  id: m.ID ?? '0',
  name: m.name ?? '',
  peerURLs: m.peerURLs ?? [],
  clientURLs: m.clientURLs ?? [],
  isLearner: Boolean(m.isLearner),
});

export class EtcdClient implements Etcd {
  private readonly agent: https.Agent;

  constructor(
    readonly endpoints: string[],
    tls: EtcdTLS,
  ) {
    if (!endpoints.length) throw new EtcdError('connect', 'no etcd endpoints to connect to');
    this.agent = new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
    this.agent.on('free', (socket) => socket.unref());
  }

  async memberList(): Promise<EtcdMember[]> {
    const res = await this.call<{ members?: RawMember[] }>('member list', '/v3/cluster/member/list', { linearizable: true });
    return (res.members ?? []).map(member);
  }

  async memberAdd(peerURL: string, learner: boolean): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    const res = await this.call<{ member?: RawMember; members?: RawMember[] }>(`member add ${peerURL}`, '/v3/cluster/member/add', {
      peerURLs: [peerURL],
      isLearner: learner,
    });
    return { member: member(res.member ?? {}), members: (res.members ?? []).map(member) };
  }

  async memberPromote(id: string): Promise<EtcdMember[]> {
    const res = await this.call<{ members?: RawMember[] }>(`member promote ${hexId(id)}`, '/v3/cluster/member/promote', { ID: id });
    return (res.members ?? []).map(member);
  }

  async memberRemove(id: string): Promise<EtcdMember[]> {
    const res = await this.call<{ members?: RawMember[] }>(`member remove ${hexId(id)}`, '/v3/cluster/member/remove', { ID: id });
    return (res.members ?? []).map(member);
  }

  async status(endpoint: string): Promise<EtcdStatus> {
    const res = await this.post<{ version?: string; leader?: string; header?: { member_id?: string }; isLearner?: boolean; raftIndex?: string }>(
      endpoint,
      '/v3/maintenance/status',
      {},
    );
    return {
      version: res.version ?? '',
      leader: res.leader ?? '0',
      memberId: res.header?.member_id ?? '0',
      isLearner: Boolean(res.isLearner),
      raftIndex: res.raftIndex ?? '0',
    };
  }

  /** Tries each endpoint in turn until one answers; etcd's own refusals are not retried elsewhere. */
  private async call<T>(action: string, route: string, body: object): Promise<T> {
    let last: EtcdError | undefined;
    for (const endpoint of this.endpoints) {
      try {
        return await this.post<T>(endpoint, route, body);
      } catch (err) {
        if (!(err instanceof EtcdError) || err.code !== undefined) throw err instanceof EtcdError ? relabel(err, action) : err;
        last = err;
      }
    }
    throw relabel(last!, action);
  }

  private async post<T>(endpoint: string, route: string, body: object): Promise<T> {
    const url = new URL(route, endpoint);
    const req = https.request({ hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname, method: 'POST', agent: this.agent });
    req.on('socket', (socket) => socket.ref());
    let res;
    try {
      res = await readBoundedAnswer(req, { timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: ANSWER_MAX_BYTES }, JSON.stringify(body));
    } catch (err) {
      throw new EtcdError(route, `${endpoint}: ${(err as Error).message}`);
    }
    let parsed: { error?: string; message?: string; code?: number } & Record<string, unknown>;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new EtcdError(route, `${endpoint}: HTTP ${res.status}: ${res.body.trim().slice(0, 300)}`, res.status);
    }
    if (res.status === 200 && parsed.error === undefined) return parsed as T;
    throw new EtcdError(route, `${endpoint}: ${parsed.message ?? parsed.error ?? `HTTP ${res.status}`}`, parsed.code ?? res.status);
  }
}

function relabel(err: EtcdError, action: string): EtcdError {
  return new EtcdError(action, err.detail, err.code);
}

/** Member ids as etcdctl prints them. */
export function hexId(id: string): string {
  return BigInt(id).toString(16);
}
