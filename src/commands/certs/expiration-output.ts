/**
 * `certs check-expiration` output as kubeadm prints it: its two tables (`-o text`), or its
 * output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo object (`-o json`, `-o yaml`).
 */
import type { CertificateExpiration, CertificateExpirationInfo } from '../../pki/expiration.js';
import { emitYaml } from '../../util/yaml.js';
import { shortHumanDuration, tabwriterBlock } from '../../util/go-format.js';

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Go's `Jan 02, 2006 15:04 MST` of a UTC time. */
function expires(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())}, ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

/** kubeadm's `%-8v` of a yes/no. */
const yesNo = (value: boolean) => (value ? 'yes' : 'no').padEnd(8);

/** A row's cells; a missing certificate is its name alone, the other cells empty. */
function cells(row: CertificateExpiration, withCa: boolean): string[] {
  const count = withCa ? 5 : 4;
  if (row.missing) return [`!MISSING! ${row.name}`, ...Array<string>(count - 1).fill('')];
  const residual = shortHumanDuration(row.residualTimeSeconds * 1000);
  const ca = withCa ? [row.caName ?? ''] : [];
  return [row.name, expires(row.expirationDate!), residual, ...ca, yesNo(row.externallyManaged)];
}

/** kubeadm's two tables, certificates then CAs, a blank line between. */
export function expirationTables(info: CertificateExpirationInfo): string {
  const certs = tabwriterBlock([
    ['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED'],
    ...info.certificates.map((c) => cells(c, true)),
  ]);
  const cas = tabwriterBlock([
    ['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED'],
    ...info.certificateAuthorities.map((c) => cells(c, false)),
  ]);
  return `${certs}\n${cas}`;
}

/** Go's RFC 3339 of a metav1.Time: whole seconds, `Z`. */
const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** One entry in the object's field order (a CA has no caName; an empty caName is left out, as omitempty does). */
function entry(row: CertificateExpiration, ca: boolean) {
  return {
    name: row.name,
    expirationDate: row.expirationDate ? rfc3339(row.expirationDate) : null,
    residualTime: row.residualTimeSeconds,
    externallyManaged: row.externallyManaged,
    ...(!ca && row.caName && { caName: row.caName }),
    missing: row.missing,
  };
}

/** The CertificateExpirationInfo object, in kubeadm's JSON field order. */
export function expirationObject(info: CertificateExpirationInfo) {
  return {
    kind: 'CertificateExpirationInfo',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    certificates: info.certificates.map((c) => entry(c, false)),
    certificateAuthorities: info.certificateAuthorities.map((c) => entry(c, true)),
  };
}

/** kubeadm's YAML goes through JSON into maps: every level's keys in alphabetical order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}

export function formatExpiration(info: CertificateExpirationInfo, format: OutputFormat): string {
  if (format === 'text') return expirationTables(info);
  if (format === 'json') return `${JSON.stringify(expirationObject(info), null, 4)}\n`;
  return emitYaml(sortedKeys(expirationObject(info)), { goStyle: true });
}
