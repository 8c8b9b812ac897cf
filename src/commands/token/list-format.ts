import type { BootstrapToken } from '../../config/types.js';
import { shortHumanDuration, tabwriterBlock } from '../../util/go-format.js';
import { emitYaml } from '../../util/yaml.js';

/** How `token list` shows tokens, as kubeadm prints them (`-o text|json|yaml`, output.kubeadm.k8s.io/v1alpha3). */
export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const COLUMNS = ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'];

function cells(token: BootstrapToken, now: Date): string[] {
  const expires = token.expires ? new Date(token.expires) : undefined;
  return [
    token.token,
    (expires ? shortHumanDuration(expires.getTime() - now.getTime()) : '<forever>').padEnd(9),
    expires ? token.expires! : '<never>',
    (token.usages?.join(',') || '<none>').padEnd(22),
    (token.description || '<none>').padEnd(56),
    token.groups?.join(',') || '<none>',
  ];
}

/**
 * kubeadm prints each token with its own tabwriter (the header shares the first token's): only the header and the
 * first row are aligned with each other, as in kubeadm's output.
 */
export function formatTokenTable(tokens: BootstrapToken[], now: Date): string {
  return tokens.map((t, i) => tabwriterBlock(i === 0 ? [COLUMNS, cells(t, now)] : [cells(t, now)])).join('');
}

/** One output.kubeadm.k8s.io/v1alpha3 BootstrapToken per token, JSON indented by 4 as kubeadm's printer does. */
function outputObject(token: BootstrapToken) {
  return {
    kind: 'BootstrapToken',
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    token: token.token,
    ...(token.description && { description: token.description }),
    ...(token.expires && { expires: token.expires }),
    ...(token.usages?.length && { usages: token.usages }),
    ...(token.groups?.length && { groups: token.groups }),
  };
}

export function formatTokens(tokens: BootstrapToken[], format: OutputFormat, now = new Date()): string {
  if (format === 'text') return formatTokenTable(tokens, now);
  if (format === 'json') return tokens.map((t) => `${JSON.stringify(outputObject(t), null, 4)}\n`).join('');
  // kubeadm's YAML goes through JSON into a map: keys in alphabetical order.
  const sorted = (t: BootstrapToken) => Object.fromEntries(Object.entries(outputObject(t)).sort(([a], [b]) => (a < b ? -1 : 1)));
  return tokens.map((t, i) => `${i ? '---\n' : ''}${emitYaml(sorted(t))}`).join('');
}
