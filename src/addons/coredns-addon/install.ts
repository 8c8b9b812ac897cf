/**
 * CoreDNS installed, upgraded or applied again: kubeadm's objects, the Corefile decided by the versions (see
 * corefile-upgrade.ts), the operator's replicas, resources and affinity kept. A migrated Corefile rolls in two
 * steps (kubeadm's): the old pods first move onto the old text, kept as `Corefile-backup`, so that none of them
 * reads a Corefile written for the new CoreDNS; then the new Deployment reads the migrated `Corefile`.
 */
import type { ClusterConfiguration } from '../../config/types.js';
import type { AddonAction, AddonSettings } from '../addon.js';
import { COREDNS, corefile as defaultCorefile } from '../coredns.js';
import { COREDNS_DEPLOYMENT, coreDNSContainer, runningTag, type ClusterDNS } from './cluster-dns.js';
import { upgradeCorefile, type CorefileUpgrade } from './corefile-upgrade.js';
import { COREFILE_BACKUP_KEY, coreDNSApplies, coreDNSDeploymentFor, coreDNSServiceFor, corefileConfigMap } from './objects.js';
import { indented, ROLLOUT_SECONDS, type PlanBody } from './plan-body.js';
import { translatedCorefile } from './swap.js';

const CONFIGMAP = `ConfigMap ${COREDNS.namespace}/${COREDNS.name}`;

/**
 * No CoreDNS Deployment yet (init, a first install): a Corefile already there is the operator's and stays. Without
 * one, the settings of a kube-dns ConfigMap are translated, as kubeadm (up to v1.20) did whenever it created
 * CoreDNS's: a cluster taken off kube-dns keeps that ConfigMap, so CoreDNS removed and installed again gets back
 * the stub domains and upstreams it was swapped with.
 */
function firstCorefile(dns: ClusterDNS, dnsDomain: string, to: string, settings: AddonSettings): CorefileUpgrade {
  const existing = dns.corefileData?.Corefile;
  if (existing !== undefined) return { corefile: existing, lines: [`Keeping the existing Corefile of ${CONFIGMAP}`], warnings: [] };
  if (dns.kubeDNSData !== undefined) {
    const { corefile, notes, warnings } = translatedCorefile(dns, dnsDomain, to, settings);
    return { corefile, lines: notes, warnings };
  }
  return { corefile: defaultCorefile(dnsDomain), lines: [`Writing the default Corefile of CoreDNS ${to} to ${CONFIGMAP}`], warnings: [] };
}

function corefileNotes(from: string | undefined, to: string, upgrade: CorefileUpgrade): string[] {
  if (from === undefined) return upgrade.lines;
  const [outcome, ...notices] = upgrade.lines;
  const notes = [`Corefile of ${CONFIGMAP} (CoreDNS ${from} → ${to}): ${outcome}`, ...notices.map((n) => `Corefile migration: ${n}`)];
  if (upgrade.backup !== undefined) {
    notes.push(`The previous Corefile is kept as ${COREFILE_BACKUP_KEY}, which the old pods read until the new ones run`);
    notes.push(`Corefile:\n${indented(upgrade.corefile)}`);
  }
  return notes;
}

/** The old pods onto the old text under `Corefile-backup`, rolled out before the ConfigMap's Corefile changes. */
function rollOntoBackup(cluster: ClusterConfiguration, dns: ClusterDNS, backup: string): AddonAction[] {
  const live = dns.coreDNS!;
  const onBackup = coreDNSDeploymentFor(cluster, { live, corefileKey: COREFILE_BACKUP_KEY, image: coreDNSContainer(live)?.image });
  return [
    { action: 'apply', object: corefileConfigMap({ corefile: backup, backup }) },
    { action: 'apply', object: onBackup },
    { action: 'wait-rollout', ref: COREDNS_DEPLOYMENT, timeoutSeconds: ROLLOUT_SECONDS },
  ];
}

export function installOrUpgrade(cluster: ClusterConfiguration, dns: ClusterDNS, to: string, settings: AddonSettings): PlanBody {
  const dnsDomain = cluster.networking.dnsDomain;
  const from = dns.coreDNS && runningTag(dns.coreDNS);
  const upgrade =
    from === undefined
      ? firstCorefile(dns, dnsDomain, to, settings)
      : upgradeCorefile({ text: dns.corefileData?.Corefile, from, to, dnsDomain, skipMigration: settings.skipCorefileMigration });
  const backup = upgrade.backup ?? dns.corefileData?.[COREFILE_BACKUP_KEY];
  const actions = [
    ...(upgrade.backup === undefined ? [] : rollOntoBackup(cluster, dns, upgrade.backup)),
    ...coreDNSApplies(
      corefileConfigMap({ corefile: upgrade.corefile, backup }),
      coreDNSDeploymentFor(cluster, { live: dns.coreDNS }),
      coreDNSServiceFor(cluster, dns.service),
    ),
  ];
  return { actions, notes: corefileNotes(from, to, upgrade), warnings: upgrade.warnings };
}
