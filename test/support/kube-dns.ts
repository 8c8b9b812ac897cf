/**
 * A cluster as kubeadm v1.20 left one on kube-dns, made from a sandbox `bosun init` put on CoreDNS: bosun's CoreDNS
 * objects go and the upstream kube-dns objects (from the Go module cache, `go mod download k8s.io/kubernetes@v1.36.3`)
 * come with their template filled, Service kube-dns at an address of its own (not the 10th, so a test sees it kept,
 * not recomputed), and ConfigMap kube-dns holding the settings given.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { Sandbox } from './sandbox.js';

const KUBE_DNS_MANIFEST = path.join(
  process.env.GOMODCACHE ?? path.join(os.homedir(), 'go/pkg/mod'),
  'k8s.io/kubernetes@v1.36.3/cluster/addons/dns/kube-dns/kube-dns.yaml.base',
);

/** The upstream kube-dns objects with the template variables filled, at `clusterIP`. */
export function kubeDNSManifest(clusterIP: string): string {
  return readFileSync(KUBE_DNS_MANIFEST, 'utf8')
    .replaceAll('__DNS__SERVER__', clusterIP)
    .replaceAll('__DNS__DOMAIN__', 'cluster.local')
    .replaceAll('__DNS__MEMORY__LIMIT__', '170Mi');
}

/** Replaces the sandbox's CoreDNS by kube-dns with ConfigMap kube-dns's `data`; returns Service kube-dns's ClusterIP. */
export async function installKubeDNS(sandbox: Sandbox, cluster: Cluster, data: Record<string, string>): Promise<string> {
  await sandbox.kubectlOk('-n', 'kube-system', 'delete', 'deployment/coredns', 'configmap/coredns', 'service/kube-dns', 'serviceaccount/coredns');
  await sandbox.kubectlOk('delete', 'clusterrole/system:coredns', 'clusterrolebinding/system:coredns');
  const kubernetesIP = (await sandbox.kubectlOk('-n', 'default', 'get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}')).trim();
  const dnsIP = kubernetesIP.replace(/\.\d+$/, '.53');
  await sandbox.apply(kubeDNSManifest(dnsIP));
  await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-dns' }, { data });
  return dnsIP;
}
