import { x509 } from './x509.js';

/** id-ce-subjectAltName (RFC 5280). */
const SUBJECT_ALT_NAME_OID = '2.5.29.17';

/** What the approver reads of a kubelet-serving CSR's PKCS#10 request: its subject, its names, its signature. */
export interface ServingRequest {
  /** Every attribute of the subject, in order, as `[type, value]` (`['CN', 'system:node:a']`; unknown types by OID). */
  subject: Array<[string, string]>;
  dnsNames: string[];
  ips: string[];
  /** Subject alternative names of any other kind (email, URI, directory name, …), as `kind:value`. */
  otherNames: string[];
  /** The request is signed by the key it carries (proof of possession). */
  signatureValid: boolean;
}

/** A request that cannot be read, and why: the approver leaves such a CSR to a human. */
export interface UnreadableRequest {
  problem: string;
}

/**
 * Reads a PEM PKCS#10 request (`spec.request`, base64-decoded). Anything the X.509 library cannot parse, including
 * SAN kinds it does not know (otherName, X.400), is unreadable: what is not understood is never approved.
 */
export async function readServingRequest(pem: string): Promise<ServingRequest | UnreadableRequest> {
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem);
    const subject = csr.subjectName.toJSON().flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v): [string, string] => [type, v])));
    const sans = csr.getExtensions(SUBJECT_ALT_NAME_OID);
    if (sans.length > 1) return { problem: 'the request has more than one subjectAltName extension' };
    const names = sans.length ? new x509.SubjectAlternativeNameExtension(sans[0].rawData).names.items : [];
    const of = (kind: string) => names.filter((n) => n.type === kind).map((n) => n.value);
    return {
      subject,
      dnsNames: of('dns'),
      ips: of('ip'),
      otherNames: names.filter((n) => n.type !== 'dns' && n.type !== 'ip').map((n) => `${n.type}:${n.value}`),
      signatureValid: await csr.verify(),
    };
  } catch (err) {
    return { problem: `the request is not a PKCS#10 request the approver can read: ${(err as Error).message}` };
  }
}
