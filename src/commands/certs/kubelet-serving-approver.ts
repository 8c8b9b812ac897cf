import type { Cluster, KubeObject } from '../../cluster/cluster.js';
import { ClusterError } from '../../cluster/errors.js';
import type { CIDR } from '../../config/net.js';
import type { Node } from '../../kube/workloads.js';
import { readServingRequest } from '../../pki/kubelet-serving-request.js';
import { judgeServingCsr, KUBELET_SERVING_SIGNER, requesterNode, type ServingRule, type ServingVerdict } from '../../pki/kubelet-serving-rules.js';
import type { Clock } from '../../workflow/doors.js';

/** certificates.k8s.io/v1 CertificateSigningRequest, as far as the approver reads and writes it. */
export interface CertificateSigningRequest extends KubeObject {
  spec: { request: string; signerName: string; usages?: string[]; username?: string; groups?: string[] };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string }>;
    certificate?: string;
  };
}

export const CSR_API = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest' } as const;
/** The API server selects CSRs by signer: the approver sees no other. */
export const SERVING_SIGNER_SELECTOR = `spec.signerName=${KUBELET_SERVING_SIGNER}`;
/** Who the Events and the approval conditions say decided. */
export const APPROVER_COMPONENT = 'bosun-kubelet-serving-approver';
/** Events of cluster-scoped objects live in `default`, where `kubectl describe csr` looks for them. */
const EVENT_NAMESPACE = 'default';
/** How often a CSR changed by someone else between our read and our approval is read again. */
const CONFLICT_RETRIES = 3;

/** What a run did: approvals, and CSRs left pending by the rule they broke (each CSR counted once per rule). */
export interface ApproverCounts {
  approved: number;
  refused: Partial<Record<ServingRule, number>>;
}

const decided = (csr: CertificateSigningRequest) => (csr.status?.conditions ?? []).some((c) => ['Approved', 'Denied', 'Failed'].includes(c.type));

/**
 * Approves the pending kubelet-serving CSRs that pass the rules (src/pki/kubelet-serving-rules.ts) through the
 * `approval` subresource; every other one is left pending, never denied, with a Warning Event naming the rule and a
 * log line. A CSR is told about once per rule, however often a watch shows it again.
 */
export class KubeletServingApprover {
  readonly counts: ApproverCounts = { approved: 0, refused: {} };
  /** The rules each CSR (by uid) was told about. */
  private readonly told = new Map<string, Set<ServingRule>>();
  private events = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: { allowedCidrs?: CIDR[]; clock: Clock; log: (line: string) => void },
  ) {}

  /** Judges one CSR as seen; CSRs of other signers and decided ones are not looked at. */
  async consider(seen: CertificateSigningRequest): Promise<void> {
    let csr: CertificateSigningRequest | undefined = seen;
    for (let attempt = 0; csr && csr.spec.signerName === KUBELET_SERVING_SIGNER && !decided(csr); attempt++) {
      const verdict = await this.judge(csr);
      if (!verdict.approve) return this.leavePending(csr, verdict);
      try {
        return await this.approve(csr, verdict.node);
      } catch (err) {
        if (!(err instanceof ClusterError) || err.code !== 409 || attempt >= CONFLICT_RETRIES) throw err;
        csr = await this.cluster.get<CertificateSigningRequest>({ ...CSR_API, name: csr.metadata.name });
      }
    }
  }

  /** A deleted CSR is not remembered (a watch runs for months; the controller-manager deletes old CSRs). */
  forget(csr: CertificateSigningRequest): void {
    this.told.delete(csr.metadata.uid ?? csr.metadata.name);
  }

  private async judge(csr: CertificateSigningRequest): Promise<ServingVerdict> {
    const facts = {
      username: csr.spec.username ?? '',
      groups: csr.spec.groups ?? [],
      usages: csr.spec.usages ?? [],
      request: await readServingRequest(Buffer.from(csr.spec.request, 'base64').toString('utf8')),
    };
    const nodeName = requesterNode(facts);
    const node = nodeName === undefined ? undefined : await this.cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name: nodeName });
    return judgeServingCsr(facts, node && (node.status?.addresses ?? []), this.opts.allowedCidrs);
  }

  private async approve(csr: CertificateSigningRequest, node: string): Promise<void> {
    const condition = {
      type: 'Approved',
      status: 'True',
      reason: 'AutoApproved',
      message: `${APPROVER_COMPONENT}: node ${node} asked for names and addresses its Node reports`,
      lastUpdateTime: this.opts.clock.now().toISOString(),
    };
    // The resourceVersion read makes this conditional: a CSR changed since is judged again as it is now.
    await this.cluster.update({ ...csr, status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] } }, { subresource: 'approval' });
    this.counts.approved++;
    this.opts.log(`approved certificatesigningrequest/${csr.metadata.name} of node ${node}`);
  }

  private async leavePending(csr: CertificateSigningRequest, verdict: { rule: ServingRule; message: string }): Promise<void> {
    const id = csr.metadata.uid ?? csr.metadata.name;
    const rules = this.told.get(id) ?? new Set<ServingRule>();
    if (rules.has(verdict.rule)) return;
    this.told.set(id, rules.add(verdict.rule));
    this.counts.refused[verdict.rule] = (this.counts.refused[verdict.rule] ?? 0) + 1;
    this.opts.log(`left pending certificatesigningrequest/${csr.metadata.name}: ${verdict.rule}: ${verdict.message}`);
    try {
      await this.cluster.create(this.event(csr, verdict));
    } catch (err) {
      // The decision stands without its Event: a missing right to create Events must not stop the approver.
      if (!(err instanceof ClusterError)) throw err;
      this.opts.log(`could not record an Event on certificatesigningrequest/${csr.metadata.name}: ${err.message}`);
    }
  }

  private event(csr: CertificateSigningRequest, verdict: { rule: ServingRule; message: string }): KubeObject {
    const now = this.opts.clock.now();
    return {
      apiVersion: 'v1',
      kind: 'Event',
      // client-go's naming (object name, then the time in hex), with a counter for Events of the same millisecond.
      metadata: { name: `${csr.metadata.name}.${now.getTime().toString(16)}${(this.events++).toString(16)}`, namespace: EVENT_NAMESPACE },
      involvedObject: { ...CSR_API, name: csr.metadata.name, uid: csr.metadata.uid },
      reason: verdict.rule,
      message: `left pending, not approved: ${verdict.message}`,
      type: 'Warning',
      source: { component: APPROVER_COMPONENT },
      reportingComponent: APPROVER_COMPONENT,
      reportingInstance: APPROVER_COMPONENT,
      firstTimestamp: now.toISOString(),
      lastTimestamp: now.toISOString(),
      count: 1,
    };
  }
}

/** The run's counts as the summary prints them. */
export function countsSummary(counts: ApproverCounts): string {
  const refused = Object.entries(counts.refused).sort(([a], [b]) => a.localeCompare(b));
  const total = refused.reduce((sum, [, n]) => sum + (n ?? 0), 0);
  const lines = [`approved: ${counts.approved}`, `left pending: ${total}`, ...refused.map(([rule, n]) => `  ${rule}: ${n}`)];
  return `${lines.join('\n')}\n`;
}
