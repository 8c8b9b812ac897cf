/**
 * Well-known labels, annotations and taints that bosun reads or writes, named once: kubeadm, the kubelet and
 * kubectl spell them this way, and a cluster bosun touches must stay readable by those tools.
 */

/** Marks a control-plane node (label, and the key of its default taint). */
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
/** kubeadm puts it on control-plane nodes so cloud load balancers leave them out. */
export const EXCLUDE_FROM_EXTERNAL_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const OS_LABEL = 'kubernetes.io/os';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** The taint kubeadm puts on control-plane nodes unless the config says otherwise. */
export const CONTROL_PLANE_TAINT = { key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' } as const;

/** Set by the kubelet on a static Pod's mirror Pod (its value is the config hash). */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** The kubelet's hash of a static Pod's manifest: it changes when the kubelet has run a new manifest. */
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
/** kubeadm's hash of a component-config ConfigMap's data, to tell its own writes from an operator's edits. */
export const COMPONENT_CONFIG_HASH_ANNOTATION = 'kubeadm.kubernetes.io/component-config.hash';
/** On the kube-apiserver static Pod: the endpoint it advertises (address:port). */
export const APISERVER_ADVERTISE_ADDRESS_ANNOTATION = 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint';
/** On the etcd static Pod: the client URLs that member advertises. */
export const ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';

/** Where kubeadm before NodeLocalCRISocket keeps a node's CRI socket (its `kubeadm upgrade` reads it from there). */
export const CRI_SOCKET_ANNOTATION = 'kubeadm.alpha.kubernetes.io/cri-socket';
