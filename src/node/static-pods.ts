/**
 * The static Pods a control-plane node should run, built from the configuration and a few facts about the node:
 * one builder for `init`, a joining control plane and `upgrade`.
 */
import path from 'node:path/posix';
import type { InitConfig } from '../config/types.js';
import type { Host } from '../host/host.js';
import { argValue } from '../manifests/args.js';
import { CONTROL_PLANE_COMPONENTS, CONTROL_PLANE_PODS } from '../manifests/control-plane.js';
import { localEtcdPod, type EtcdMember } from '../manifests/etcd.js';
import type { Pod } from '../manifests/pod.js';
import { controlPlaneInput, localEtcdInput, renderManifest, type NodeFacts } from '../manifests/static-pods.js';
import { OPTIONAL_CA_DIRS, type ControlPlaneComponent } from '../manifests/volumes.js';

/** The static Pods kubeadm (and bosun) run, in upgrade order. */
export const STATIC_POD_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type StaticPodComponent = (typeof STATIC_POD_COMPONENTS)[number];

export interface DesiredManifest {
  component: StaticPodComponent;
  pod: Pod;
  text: string;
}

/**
 * What the control-plane Pods depend on besides the config: CA bundles and CA key on the node, and the `*_proxy`
 * variables the resolved config carries (the machine's), handed on to the components.
 */
export async function readStaticPodFacts(host: Host, cfg: InitConfig): Promise<NodeFacts> {
  const { certificatesDir } = cfg.cluster;
  const present = await Promise.all(OPTIONAL_CA_DIRS.map(async (dir) => ((await host.stat(dir)) ? [dir] : [])));
  const [caCert, caKey] = await Promise.all(['ca.crt', 'ca.key'].map((f) => host.stat(path.join(certificatesDir, f))));
  return { presentCADirs: present.flat(), proxyEnv: cfg.proxyEnv, externalCA: Boolean(caCert) && !caKey };
}

export function controlPlanePod(cfg: InitConfig, facts: NodeFacts, component: ControlPlaneComponent): Pod {
  return CONTROL_PLANE_PODS[component](controlPlaneInput(cfg, facts));
}

/** `--name=value` of a static Pod's command line. */
export function commandArg(pod: Pod | undefined, name: string): string | undefined {
  const args = (pod?.spec.containers[0]?.command ?? []).flatMap((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    return m ? [{ name: m[1], value: m[2] }] : [];
  });
  return argValue(args, name);
}

/**
 * The members a joined etcd member was started with (`--initial-cluster` with `--initial-cluster-state=existing`):
 * kept, so a rebuilt manifest starts the member the same way. A first member has none.
 */
export function etcdMembersOf(current: Pod | undefined): EtcdMember[] {
  if (commandArg(current, 'initial-cluster-state') !== 'existing') return [];
  return (commandArg(current, 'initial-cluster') ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      return { name: entry.slice(0, eq), peerURL: entry.slice(eq + 1) };
    });
}

/**
 * Every static Pod of this node: etcd (when local and `etcd` is on, its members kept from `currentEtcd`), then the
 * API server, controller-manager and scheduler.
 */
export function desiredManifests(cfg: InitConfig, facts: NodeFacts, opts: { etcd: boolean; currentEtcd?: Pod }): DesiredManifest[] {
  const out: DesiredManifest[] = [];
  const etcd = localEtcdInput(cfg);
  if (etcd && opts.etcd) {
    const pod = localEtcdPod({ ...etcd, members: etcdMembersOf(opts.currentEtcd) });
    out.push({ component: 'etcd', pod, text: renderManifest(pod) });
  }
  for (const component of CONTROL_PLANE_COMPONENTS) {
    const pod = controlPlanePod(cfg, facts, component);
    out.push({ component, pod, text: renderManifest(pod) });
  }
  return out;
}
