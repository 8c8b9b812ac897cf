import https from 'node:https';
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

const REQUEST_TIMEOUT_MS = 10_000;

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

  private post<T>(endpoint: string, route: string, body: object): Promise<T> {
    const url = new URL(route, endpoint);
    return new Promise((resolve, reject) => {
      const req = https.request(
        { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname, method: 'POST', agent: this.agent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new EtcdError(route, `${endpoint}: ${err.message}`)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: { error?: string; message?: string; code?: number } & Record<string, unknown>;
            try {
              parsed = JSON.parse(text);
            } catch {
              return reject(new EtcdError(route, `${endpoint}: HTTP ${res.statusCode}: ${text.trim().slice(0, 300)}`, res.statusCode));
            }
            if (res.statusCode === 200 && parsed.error === undefined) return resolve(parsed as T);
            reject(new EtcdError(route, `${endpoint}: ${parsed.message ?? parsed.error ?? `HTTP ${res.statusCode}`}`, parsed.code ?? res.statusCode));
          });
        },
      );
      req.on('socket', (socket) => socket.ref());
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', (err) => reject(new EtcdError(route, `${endpoint}: ${err.message}`)));
      req.end(JSON.stringify(body));
    });
  }
}

function relabel(err: EtcdError, action: string): EtcdError {
  return new EtcdError(action, err.detail, err.code);
}

/** Member ids as etcdctl prints them. */
export function hexId(id: string): string {
  return BigInt(id).toString(16);
}
