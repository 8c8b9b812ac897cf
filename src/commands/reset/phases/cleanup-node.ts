import { cleanupNetwork, stopKubelet, unmountKubeletDirectory } from '../../../node/node-reset.js';
import { DEFAULT_CERT_DIR } from '../../../kube/paths.js';
import { cleanDirectory, resetTargets } from '../../../node/reset-files.js';
import type { Phase } from '../../../workflow/phase.js';
import type { ResetContext } from '../context.js';

export const cleanupNodePhase: Phase<ResetContext> = {
  name: 'cleanup-node',
  description: 'Run cleanup node.',
  help:
    'Stops the kubelet, unmounts what is mounted under /var/lib/kubelet, deletes the contents of /etc/kubernetes/manifests, ' +
    '/var/lib/kubelet, the certificates directory and (local etcd) the etcd data directory, and the kubeconfigs kubeadm writes.',
  run: async (ctx, io) => {
    const { host, options } = ctx;
    await stopKubelet(host, io.log);
    await unmountKubeletDirectory(host, io.log);
    if (options.certificatesDir !== DEFAULT_CERT_DIR) io.log(`[reset] WARNING: Cleaning a non-default certificates directory: "${options.certificatesDir}"`);
    const targets = resetTargets({ certificatesDir: options.certificatesDir, etcdDataDir: (await ctx.node()).etcd?.dataDir });
    io.log(`[reset] Deleting contents of directories: [${targets.directories.join(' ')}]`);
    for (const dir of targets.directories) await cleanDirectory(host, dir);
    io.log(`[reset] Deleting files: [${targets.files.join(' ')}]`);
    for (const file of targets.files) await host.remove(file);
  },
};

export const cleanupNetworkPhase: Phase<ResetContext> = {
  name: 'cleanup-network',
  description: "Clean the CNI configuration and kube-proxy's iptables and IPVS rules (--cleanup-network)",
  help: 'Deletes the contents of /etc/cni/net.d; removes the KUBE-* iptables chains (IPv4 and IPv6) and clears IPVS where the node has the tools.',
  runIf: (ctx) => ctx.options.cleanupNetwork,
  run: (ctx, io) => cleanupNetwork(ctx.host, io.log),
};
