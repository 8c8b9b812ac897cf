/**
 * A control-plane node's own etcd member taken out of the cluster's etcd before its files go (kubeadm reset's
 * remove-etcd-member), found from the node's etcd manifest and reached with the node's etcd client certificate.
 */
import path from 'node:path/posix';
import { UserError } from '../errors.js';
import type { Etcd, EtcdMember, EtcdTLS } from '../etcd/etcd.js';
import type { Host } from '../host/host.js';
import { manifestPath } from '../manifests/static-pods.js';
import { commandArg } from './static-pods.js';
import { readManifest } from './static-pod-files.js';

/** This node's local etcd as its manifest starts it. */
export interface LocalEtcdMember {
  name: string;
  /** Where this member serves clients (`--advertise-client-urls`). */
  clientURLs: string[];
  peerURLs: string[];
  dataDir: string;
}

const urls = (value: string | undefined) => (value ?? '').split(',').filter(Boolean);

/** The node's local etcd (its static Pod manifest), undefined when it has none (a worker, external etcd). */
export async function readLocalEtcd(host: Host): Promise<LocalEtcdMember | undefined> {
  const pod = (await readManifest(host, 'etcd'))?.pod;
  if (!pod) return undefined;
  const member = {
    name: commandArg(pod, 'name') ?? '',
    clientURLs: urls(commandArg(pod, 'advertise-client-urls')),
    peerURLs: urls(commandArg(pod, 'initial-advertise-peer-urls')),
    dataDir: commandArg(pod, 'data-dir') ?? '',
  };
  const missing = Object.entries(member).find(([, value]) => value.length === 0)?.[0];
  if (missing) throw new UserError(`${manifestPath('etcd')}: the etcd command has no ${missing} flag; cannot tell which etcd member this node is`);
  return member;
}

/** The etcd client certificate every control-plane node has (kubeadm's etcd/healthcheck-client). */
export async function etcdClientTLS(host: Host, certificatesDir: string): Promise<EtcdTLS> {
  const read = async (file: string) => {
    const data = await host.readFile(path.join(certificatesDir, file));
    if (!data) throw new UserError(`${path.join(certificatesDir, file)} is missing: cannot reach etcd to remove this node's member`);
    return data;
  };
  const [ca, cert, key] = await Promise.all([read('etcd/ca.crt'), read('etcd/healthcheck-client.crt'), read('etcd/healthcheck-client.key')]);
  return { ca, cert, key };
}

const isSelf = (local: LocalEtcdMember) => (m: EtcdMember) => m.name === local.name || m.peerURLs.some((u) => local.peerURLs.includes(u));

/**
 * Removes the node's member through the other members (the member itself stops serving once removed): the member
 * removed and those left, undefined when it was no member (removed before). The last member is refused: removing it
 * would end the cluster's data, which a reset of one node must never do.
 */
export async function removeOwnMember(
  local: LocalEtcdMember,
  connect: (endpoints: string[]) => Etcd,
): Promise<{ removed: EtcdMember; left: EtcdMember[] } | undefined> {
  const members = await connect(local.clientURLs).memberList();
  const self = members.find(isSelf(local));
  if (!self) return undefined;
  const others = members.filter((m) => m !== self);
  if (!others.length) {
    throw new UserError(
      `etcd member ${local.name} (${self.peerURLs.join(', ')}) is the last member of the cluster's etcd: removing it would destroy the cluster's data; ` +
        'nothing was changed. Reset the other control-plane nodes first; to tear the whole cluster down on purpose, skip this step with ' +
        '--skip-phases remove-etcd-member',
    );
  }
  return { removed: self, left: await connect(others.flatMap((m) => m.clientURLs)).memberRemove(self.id) };
}
