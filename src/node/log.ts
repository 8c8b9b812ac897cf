/** Where a step writes its progress lines, kubeadm style (`[certs] Generating "ca" certificate and key`): a phase's log. */
export type Log = (line: string) => void;
