/** `/var/lib/kubelet/kubeadm-flags.env`: the node-specific kubelet flags the kubelet's systemd drop-in reads. */
import type { Arg, NodeRegistrationOptions, Taint } from '../config/types.js';
import { argValue, argsToCommand } from '../manifests/args.js';

export const KUBELET_FLAGS_VARIABLE = 'KUBELET_KUBEADM_ARGS';

function taintText(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/**
 * The flags kubeadm computes for a node: `--hostname-override` when the node name differs from the
 * machine's hostname (a kubeletExtraArgs `hostname-override` is the node name), `--register-with-taints`
 * for a node that registers itself with taints (a worker joining). The CRI socket goes to the
 * instance configuration instead (NodeLocalCRISocket, locked on in 1.36 and 1.37).
 */
export function kubeletBaseFlags(nodeReg: NodeRegistrationOptions, hostname: string, registerTaints = false): Arg[] {
  const flags: Arg[] = [];
  if (registerTaints && nodeReg.taints?.length) {
    flags.push({ name: 'register-with-taints', value: nodeReg.taints.map(taintText).join(',') });
  }
  const machineName = hostname.trim().toLowerCase();
  const nodeName = argValue(nodeReg.kubeletExtraArgs, 'hostname-override') ?? (nodeReg.name || machineName);
  if (nodeName !== machineName) flags.push({ name: 'hostname-override', value: nodeName });
  return flags;
}

/** The file's content: base flags sorted, kubeletExtraArgs replacing them by name and following in their order. */
export function renderKubeletFlagsEnv(nodeReg: NodeRegistrationOptions, hostname: string, registerTaints = false): string {
  const flags = argsToCommand(kubeletBaseFlags(nodeReg, hostname, registerTaints), nodeReg.kubeletExtraArgs);
  // Double-quoted with `"` and `\` escaped, as Go's %q does for the printable flags kubelet takes.
  return `${KUBELET_FLAGS_VARIABLE}=${JSON.stringify(flags.join(' '))}\n`;
}

/**
 * The flags in a kubeadm-flags.env, in order, as `--name=value` pairs (a bare `--flag` is `true`). The value is
 * read as systemd reads an EnvironmentFile line: one quoted string (kubeadm's %q quoting) or a plain word list.
 */
export function parseKubeletFlagsEnv(text: string): Arg[] {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(`${KUBELET_FLAGS_VARIABLE}=`));
  if (line === undefined) return [];
  const raw = line
    .trimStart()
    .slice(KUBELET_FLAGS_VARIABLE.length + 1)
    .trim();
  const quoted = /^(["'])(.*)\1$/.exec(raw);
  const value = !quoted ? raw : quoted[1] === '"' ? quoted[2].replace(/\\(["\\])/g, '$1') : quoted[2];
  return value
    .split(/\s+/)
    .filter((word) => word.startsWith('--'))
    .map((word) => {
      const eq = word.indexOf('=');
      return eq < 0 ? { name: word.slice(2), value: 'true' } : { name: word.slice(2, eq), value: word.slice(eq + 1) };
    });
}
