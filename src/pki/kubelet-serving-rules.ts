import { cidrContains, parseIP, type CIDR } from '../config/net.js';
import type { ServingRequest, UnreadableRequest } from './kubelet-serving-request.js';

/** The signer of kubelet serving certificates, whose CSRs the approver judges (and no other). */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODE_USER_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
/** What a kubelet asks for its serving certificate: key encipherment only with an RSA key. */
const REQUIRED_USAGES = ['digital signature', 'server auth'];
const ALLOWED_USAGES = new Set([...REQUIRED_USAGES, 'key encipherment']);
/** Node address types that are names; the others (InternalIP, ExternalIP) are addresses. */
const NAME_ADDRESS_TYPES = new Set(['Hostname', 'InternalDNS', 'ExternalDNS']);
const IP_ADDRESS_TYPES = new Set(['InternalIP', 'ExternalIP']);

/** Each rule a CSR can break; the name is the reason of the Event the approver leaves on it. */
export type ServingRule =
  | 'RequesterNotNode'
  | 'RequestUnreadable'
  | 'SignatureInvalid'
  | 'SubjectNotRequester'
  | 'UsagesNotServing'
  | 'NoSubjectAltNames'
  | 'SubjectAltNameKindNotAllowed'
  | 'WildcardName'
  | 'NodeNotFound'
  | 'NameNotOnNode'
  | 'AddressNotOnNode'
  | 'AddressOutsideAllowedCidrs';

/** A kubelet-serving CSR as the approver judges it: who asked (the API server's record), for what, and the request. */
export interface ServingCsr {
  username: string;
  groups: string[];
  usages: string[];
  request: ServingRequest | UnreadableRequest;
}

/** One entry of a Node's `status.addresses`. */
export interface NodeAddress {
  type: string;
  address: string;
}

export type ServingVerdict = { approve: true; node: string } | { approve: false; rule: ServingRule; message: string };

const refuse = (rule: ServingRule, message: string): ServingVerdict => ({ approve: false, rule, message });

/** The node a CSR's requester is, when it is a node (`system:node:<name>` in `system:nodes`). */
export function requesterNode(csr: Pick<ServingCsr, 'username' | 'groups'>): string | undefined {
  if (!csr.username.startsWith(NODE_USER_PREFIX) || !csr.groups.includes(NODES_GROUP)) return undefined;
  const name = csr.username.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

/** The checks of the request itself, before any name is compared with the Node. */
function requestProblem(node: string, csr: ServingCsr, request: ServingRequest): ServingVerdict | undefined {
  if (!request.signatureValid) return refuse('SignatureInvalid', 'the request is not signed by the key it carries');
  const subject = request.subject.map(([type, value]) => `${type}=${value}`);
  const wanted = [`O=${NODES_GROUP}`, `CN=${NODE_USER_PREFIX}${node}`];
  if (subject.length !== wanted.length || !wanted.every((part) => subject.includes(part))) {
    return refuse('SubjectNotRequester', `the subject is "${subject.join(', ')}", not exactly "${wanted.join(', ')}" (the requester)`);
  }
  const extra = csr.usages.filter((u) => !ALLOWED_USAGES.has(u));
  const missing = REQUIRED_USAGES.filter((u) => !csr.usages.includes(u));
  if (extra.length || missing.length) {
    const why = [extra.length ? `not a serving usage: ${extra.join(', ')}` : '', missing.length ? `missing: ${missing.join(', ')}` : ''];
    return refuse('UsagesNotServing', `usages ${JSON.stringify(csr.usages)} (${why.filter(Boolean).join('; ')})`);
  }
  if (request.otherNames.length) return refuse('SubjectAltNameKindNotAllowed', `only DNS and IP names may be asked for, not ${request.otherNames.join(', ')}`);
  if (!request.dnsNames.length && !request.ips.length) return refuse('NoSubjectAltNames', 'the request names no DNS name or IP address');
  const wildcard = request.dnsNames.find((name) => name.includes('*'));
  if (wildcard !== undefined) return refuse('WildcardName', `wildcard name "${wildcard}"`);
  return undefined;
}

/** The checks of the request's names against what the Node reports, and the allowed CIDRs. */
function namesProblem(node: string, request: ServingRequest, addresses: NodeAddress[], allowedCidrs: CIDR[] | undefined): ServingVerdict | undefined {
  const names = new Set(addresses.filter((a) => NAME_ADDRESS_TYPES.has(a.type)).map((a) => a.address.toLowerCase()));
  const foreignName = request.dnsNames.find((name) => !names.has(name.toLowerCase()));
  if (foreignName !== undefined) return refuse('NameNotOnNode', `DNS name "${foreignName}" is not a hostname or DNS name Node ${node} reports`);
  const ips = addresses.filter((a) => IP_ADDRESS_TYPES.has(a.type)).flatMap((a) => parseIP(a.address) ?? []);
  for (const text of request.ips) {
    const ip = parseIP(text);
    if (!ip || !ips.some((own) => own.family === ip.family && own.value === ip.value)) {
      return refuse('AddressNotOnNode', `IP address ${text} is not an address Node ${node} reports`);
    }
    if (allowedCidrs && !allowedCidrs.some((cidr) => cidrContains(cidr, ip))) {
      return refuse('AddressOutsideAllowedCidrs', `IP address ${text} is outside the allowed CIDRs`);
    }
  }
  return undefined;
}

/**
 * Whether a pending kubelet-serving CSR may be approved: the requester is a node, the request is that node's own
 * (subject exactly its identity, serving usages only) and asks only for names and addresses its Node object reports
 * (inside `allowedCidrs` when given). Otherwise the first rule it breaks. `nodeAddresses` is undefined when the
 * requester's Node does not exist.
 */
export function judgeServingCsr(csr: ServingCsr, nodeAddresses: NodeAddress[] | undefined, allowedCidrs?: CIDR[]): ServingVerdict {
  const node = requesterNode(csr);
  if (node === undefined) return refuse('RequesterNotNode', `requested by "${csr.username}", not a node (system:node:<name> in ${NODES_GROUP})`);
  if ('problem' in csr.request) return refuse('RequestUnreadable', csr.request.problem);
  const problem = requestProblem(node, csr, csr.request);
  if (problem) return problem;
  if (nodeAddresses === undefined) return refuse('NodeNotFound', `Node ${node} does not exist`);
  return namesProblem(node, csr.request, nodeAddresses, allowedCidrs) ?? { approve: true, node };
}
