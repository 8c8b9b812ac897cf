import { quote } from '../errors.js';
import { parseDuration } from './duration.js';
import { isDNS1123Subdomain, isWildcardDNS1123Subdomain, parseIP } from './net.js';
import type { Arg, Taint, Timeouts } from './types.js';

/** Reports a problem with a field (its path in the document). */
export type Fail = (field: string, problem: string) => void;

/**
 * Whitespace in a value kubeadm reads as one token (a version, subnet, address, DNS name, image, endpoint):
 * `"v1.37.1 "` would reach an image tag, `" 10.96.0.0/12"` a flag. `ends`: only leading or trailing whitespace
 * is refused (paths and the cluster name may hold spaces). Returns whether it refused, so the caller says
 * nothing more about a value whose other faults are the whitespace's.
 */
export function refuseWhitespace(value: string | undefined, field: string, fail: Fail, where: 'anywhere' | 'ends' = 'anywhere'): boolean {
  if (value === undefined) return false;
  const found = where === 'anywhere' ? /\s/.test(value) : value !== value.trim();
  if (found)
    fail(field, `${quote(value)} ${where === 'anywhere' ? 'contains whitespace' : 'has leading or trailing whitespace'}; expected the value without it`);
  return found;
}

/** An image tag as the registry grammar has it: a word character, then up to 127 word characters, dots or dashes. */
export function checkImageTag(tag: string | undefined, field: string, fail: Fail): void {
  if (tag && !refuseWhitespace(tag, field, fail) && !/^\w[\w.-]{0,127}$/.test(tag)) {
    fail(field, `${quote(tag)} is not an image tag; expected e.g. v1.12.0 (letters, digits, "_", "." and "-", at most 128)`);
  }
}

/**
 * The longest cluster name: a DNS subdomain's length. Past it, a name is a mistake (a pasted file), and every
 * kubeconfig bosun writes would carry it several times.
 */
const MAX_CLUSTER_NAME = 253;

/**
 * kubeadm takes any cluster name (it names the cluster in kubeconfigs and goes to kube-controller-manager's
 * --cluster-name); bosun refuses what no one means: control characters, leading or trailing whitespace, and a
 * name longer than MAX_CLUSTER_NAME.
 */
export function checkClusterName(name: string, fail: Fail): void {
  if (name.length > MAX_CLUSTER_NAME) return fail('clusterName', `${quote(name)} has ${name.length} characters; expected at most ${MAX_CLUSTER_NAME}`);
  if (refuseWhitespace(name, 'clusterName', fail, 'ends')) return;
  if (/\p{Cc}/u.test(name)) fail('clusterName', `${quote(name)} contains control characters; expected a name such as kubernetes`);
}

/** Every timeout set must be positive: a negative health-check timeout would become a negative failure threshold. */
export function checkTimeouts(timeouts: Timeouts | undefined, fail: Fail): void {
  for (const [name, value] of Object.entries(timeouts ?? {})) {
    if (value !== undefined && (parseDuration(value) ?? 0n) <= 0n) fail(`timeouts.${name}`, `${value} is not a positive duration; expected e.g. 4m0s`);
  }
}

/**
 * kubeletExtraArgs go to kubeadm-flags.env, whose variable the kubelet's unit splits on whitespace: a value with a
 * space (`a=b --x=y`) would hand the kubelet flags nobody asked for.
 */
export function checkKubeletArgValues(args: Arg[] | undefined, at: string, fail: Fail): void {
  args?.forEach((a, i) => {
    if (/[\s\p{Cc}]/u.test(a.value)) {
      fail(`${at}[${i}].value`, `${quote(a.value)} contains whitespace or control characters; expected one word (the kubelet's flags are split on whitespace)`);
    }
  });
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Taints a node registers with: a qualified name as key, a label value as value, or the kubelet refuses to start. */
export function checkTaints(taints: Taint[] | null | undefined, at: string, fail: Fail): void {
  taints?.forEach((t, i) => {
    const [prefix, name] = t.key.includes('/') ? t.key.split(/\/(.*)/s, 2) : [undefined, t.key];
    if (!NAME.test(name) || (prefix !== undefined && !isDNS1123Subdomain(prefix))) {
      fail(`${at}[${i}].key`, `${quote(t.key)} is not a taint key; expected a name such as example.com/dedicated (letters, digits, "-", "_", ".")`);
    }
    if (t.value && !NAME.test(t.value))
      fail(`${at}[${i}].value`, `${quote(t.value)} is not a taint value; expected at most 63 letters, digits, "-", "_" or "."`);
  });
}

/** Phase names to skip, against the phases of the command the configuration is for (when the caller knows them). */
export function checkSkipPhases(names: string[] | undefined, known: readonly string[] | undefined, fail: Fail): void {
  if (!known) return;
  names?.forEach((name, i) => {
    if (!known.includes(name)) fail(`skipPhases[${i}]`, `unknown phase ${quote(name)}; phases are: ${known.join(', ')}`);
  });
}

/**
 * metav1.Time as Go's time.Parse reads RFC 3339: the form, and a date and time that exist (no February 31st,
 * no hour 25), which Date.parse would roll over instead.
 */
export function isRFC3339(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

export function checkSANs(sans: string[] | undefined, field: string, fail: Fail): void {
  for (const san of sans ?? []) {
    if (!refuseWhitespace(san, field, fail) && !parseIP(san) && !isDNS1123Subdomain(san) && !isWildcardDNS1123Subdomain(san)) {
      fail(field, `${quote(san)} is not an IP address, a DNS name or a wildcard DNS name (*.example.com)`);
    }
  }
}

export function checkAbsolute(path: string | undefined, field: string, fail: Fail): void {
  if (!refuseWhitespace(path, field, fail, 'ends') && !path?.startsWith('/')) fail(field, `${quote(path ?? '')} is not an absolute path`);
}

/** A registry (and path) an image name can follow: `registry.k8s.io`, `my.registry:5000/k8s`. */
export function checkImageRepository(repo: string, field: string, fail: Fail): void {
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const domain = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::\\d+)?';
  if (refuseWhitespace(repo, field, fail)) return;
  if (!new RegExp(`^(?:${domain}/)?${component}(?:/${component})*$`).test(`${repo}/name`)) {
    fail(field, `${quote(repo)} is not an image repository; expected e.g. registry.k8s.io or my.registry:5000/k8s`);
  }
}
