/** The static Pods a control-plane node should run after the upgrade, computed from the upgrade's configuration. */
import type { InitConfig } from '../../config/types.js';
import { argValue } from '../../manifests/args.js';
import { CONTROL_PLANE_PODS } from '../../manifests/control-plane.js';
import { localEtcdPod, type EtcdMember } from '../../manifests/etcd.js';
import type { Pod } from '../../manifests/pod.js';
import { controlPlaneInput, localEtcdInput, renderManifest, type NodeFacts } from '../../manifests/static-pods.js';
import type { StaticPodComponent } from './cluster-state.js';

export interface DesiredManifest {
  component: StaticPodComponent;
  pod: Pod;
  text: string;
}

/** `--name=value` of a command line. */
function commandArg(pod: Pod | undefined, name: string): string | undefined {
  const args = (pod?.spec.containers[0]?.command ?? []).flatMap((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    return m ? [{ name: m[1], value: m[2] }] : [];
  });
  return argValue(args, name);
}

/**
 * The members a joined etcd member was started with (`--initial-cluster` with `--initial-cluster-state=existing`):
 * kept, so the upgraded manifest starts the member the same way. A first member has none.
 */
export function etcdMembersOf(current: Pod | undefined): EtcdMember[] {
  if (commandArg(current, 'initial-cluster-state') !== 'existing') return [];
  return (commandArg(current, 'initial-cluster') ?? '').split(',').filter(Boolean).map((entry) => {
    const eq = entry.indexOf('=');
    return { name: entry.slice(0, eq), peerURL: entry.slice(eq + 1) };
  });
}

/** etcd (when local; skipped with `etcdUpgrade` off), then the API server, controller-manager and scheduler. */
export function desiredManifests(cfg: InitConfig, facts: NodeFacts, opts: { currentEtcd?: Pod; etcdUpgrade: boolean }): DesiredManifest[] {
  const out: DesiredManifest[] = [];
  const etcd = localEtcdInput(cfg);
  if (etcd && opts.etcdUpgrade) {
    const pod = localEtcdPod({ ...etcd, members: etcdMembersOf(opts.currentEtcd) });
    out.push({ component: 'etcd', pod, text: renderManifest(pod) });
  }
  const input = controlPlaneInput(cfg, facts);
  for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const) {
    const pod = CONTROL_PLANE_PODS[component](input);
    out.push({ component, pod, text: renderManifest(pod) });
  }
  return out;
}
