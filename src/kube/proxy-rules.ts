/**
 * The iptables rules kube-proxy (and the kubelet's canaries) put on a node, taken out of an `iptables-save` dump:
 * every chain named `KUBE-…`, the rules in them, and the rules of other chains that jump to them. Everything else
 * (a firewall, a container runtime's, a CNI plugin's own chains) is kept as it was.
 */
const KUBE_CHAIN = /^KUBE-/;
/** A jump (`-j`/`--jump`) or goto (`-g`/`--goto`) to a kube chain, anywhere in a rule. */
const JUMP_TO_KUBE = /\s(?:-j|--jump|-g|--goto)\s+KUBE-/;

function isKubeLine(line: string): boolean {
  if (line.startsWith(':')) return KUBE_CHAIN.test(line.slice(1));
  if (!line.startsWith('-A ')) return false;
  return KUBE_CHAIN.test(line.slice(3)) || JUMP_TO_KUBE.test(line);
}

/**
 * The dump without kube-proxy's chains and rules, ready for `iptables-restore` (which replaces each table it is
 * given); undefined when the dump has none, so nothing is restored.
 */
export function withoutKubeRules(dump: string): string | undefined {
  const lines = dump.split('\n');
  const kept = lines.filter((line) => !isKubeLine(line));
  return kept.length === lines.length ? undefined : kept.join('\n');
}
