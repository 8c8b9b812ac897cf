/**
 * kube-dns → CoreDNS (kubeadm 1.10–1.20's swap): CoreDNS is applied beside kube-dns with a Corefile translated from
 * kube-dns's ConfigMap, Service kube-dns (its ClusterIP, every pod's nameserver) selects the CoreDNS pods as it
 * selected kube-dns's (same `k8s-app` label), and Deployment kube-dns goes once CoreDNS has rolled out. ConfigMap
 * kube-dns stays, for a rollback.
 */
import type { ClusterConfiguration } from '../../config/types.js';
import type { AddonAction, AddonSettings } from '../addon.js';
import { COREDNS } from '../coredns.js';
import { deprecatedNotices, describeNotice } from '../corefile-migration/notices.js';
import { KUBE_DNS_CONFIGMAP, translateKubeDNS, type KubeDNSConfigData } from '../kube-dns.js';
import { COREDNS_DEPLOYMENT, KUBE_DNS_DEPLOYMENT, type ClusterDNS } from './cluster-dns.js';
import { coreDNSRelease, migrateBetween } from './corefile-upgrade.js';
import { coreDNSApplies, coreDNSDeploymentFor, coreDNSServiceFor, corefileConfigMap } from './objects.js';
import { indented, ROLLOUT_SECONDS, type PlanBody } from './plan-body.js';

/**
 * Where the translated Corefile starts its migration: kubeadm's translation wrote plugins of the CoreDNS it
 * installed, `federation` among them, which CoreDNS dropped in 1.7.0 (CoreDNS 1.7.0 and later refuse to start with
 * it). 1.6.7, kubeadm v1.18's, is the last CoreDNS kubeadm shipped with the plugin. Migrating from there takes the
 * `federation` block out with the migration's notice (a warning: the federations are gone) and gives the stub
 * domains' `forward` the `max_concurrent` of 1.7.0, as a kubeadm cluster upgraded past 1.18 got them; the rest of
 * the translation is already bosun's current default and passes unchanged.
 */
export const KUBE_DNS_TRANSLATION_RELEASE = '1.6.7';

const KUBE_DNS_CM = `ConfigMap ${KUBE_DNS_CONFIGMAP.namespace}/${KUBE_DNS_CONFIGMAP.name}`;

interface SwapCorefile {
  corefile: string;
  notes: string[];
  warnings: string[];
}

/** The translation, carried to CoreDNS `to` unless the operator skips the Corefile migration. */
export function translatedCorefile(dns: ClusterDNS, dnsDomain: string, to: string, settings: AddonSettings): SwapCorefile {
  const translation = translateKubeDNS(dns.kubeDNSData as KubeDNSConfigData | undefined, { dnsDomain });
  const source = dns.kubeDNSData ? `translated from ${KUBE_DNS_CM} (kept for a rollback)` : `the default: there is no ${KUBE_DNS_CM} to translate`;
  const notes = [`kube-dns → CoreDNS ${to}: the Corefile is ${source}`];
  if (settings.skipCorefileMigration) {
    const skipped = `the Corefile translated from kube-dns is not migrated to CoreDNS ${to} (migration skipped): check that CoreDNS ${to} takes it`;
    return { corefile: translation.corefile, notes: [...notes, `Corefile:\n${indented(translation.corefile)}`], warnings: [...translation.warnings, skipped] };
  }
  const migration = migrateBetween(translation.corefile, KUBE_DNS_TRANSLATION_RELEASE, to);
  const removed = deprecatedNotices(translation.corefile, KUBE_DNS_TRANSLATION_RELEASE, coreDNSRelease(to) ?? to).filter((n) => n.severity === 'removed');
  return {
    corefile: migration.corefile,
    notes: [
      ...notes,
      ...migration.notices.map((n) => `Corefile migration from CoreDNS ${KUBE_DNS_TRANSLATION_RELEASE}: ${n}`),
      `Corefile:\n${indented(migration.corefile)}`,
    ],
    warnings: [
      ...translation.warnings,
      ...removed.map((n) => `the Corefile translated from kube-dns loses a plugin CoreDNS ${to} does not have: ${describeNotice(n)}`),
    ],
  };
}

/** An existing CoreDNS ConfigMap is kept (kubeadm's CreateOrRetainConfigMap; a repeated swap finds its own). */
function swapCorefile(dns: ClusterDNS, dnsDomain: string, to: string, settings: AddonSettings): SwapCorefile {
  const existing = dns.corefileData?.Corefile;
  if (existing === undefined) return translatedCorefile(dns, dnsDomain, to, settings);
  return {
    corefile: existing,
    notes: [`kube-dns → CoreDNS ${to}: keeping the existing Corefile of ConfigMap ${COREDNS.namespace}/${COREDNS.name}`],
    warnings: [],
  };
}

export function swapFromKubeDNS(cluster: ClusterConfiguration, dns: ClusterDNS, to: string, settings: AddonSettings): PlanBody {
  const { corefile, notes, warnings } = swapCorefile(dns, cluster.networking.dnsDomain, to, settings);
  const deployment = coreDNSDeploymentFor(cluster, { live: dns.coreDNS, replicas: dns.kubeDNS?.spec?.replicas });
  const service = coreDNSServiceFor(cluster, dns.service);
  const actions: AddonAction[] = [
    ...coreDNSApplies(corefileConfigMap({ corefile, backup: dns.corefileData?.['Corefile-backup'] }), deployment, service),
    { action: 'wait-rollout', ref: COREDNS_DEPLOYMENT, timeoutSeconds: ROLLOUT_SECONDS },
    {
      action: 'delete',
      ref: KUBE_DNS_DEPLOYMENT,
      reason: `replaced by CoreDNS: Deployment ${COREDNS.name} has rolled out and serves Service ${COREDNS.service}; ${KUBE_DNS_CM} is kept for a rollback`,
    },
  ];
  const address = `Service ${COREDNS.namespace}/${COREDNS.service} keeps its ClusterIP ${service.spec.clusterIP} and selects the CoreDNS pods`;
  const removal = `Deployment ${KUBE_DNS_DEPLOYMENT.namespace}/${KUBE_DNS_DEPLOYMENT.name} is deleted once Deployment ${COREDNS.name} has rolled out`;
  return { actions, notes: [...notes, address, removal], warnings };
}
