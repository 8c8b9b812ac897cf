/** Node paths and names shared with kubeadm, so clusters are interchangeable. */
export const KUBERNETES_DIR = '/etc/kubernetes';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
export const DEFAULT_CERT_DIR = '/etc/kubernetes/pki';
export const TEMP_DIR = '/etc/kubernetes/tmp';
export const KUBELET_DIR = '/var/lib/kubelet';
export const KUBELET_CONFIG_FILE = '/var/lib/kubelet/config.yaml';
export const KUBELET_FLAGS_FILE = '/var/lib/kubelet/kubeadm-flags.env';
export const KUBELET_CLIENT_CERT = '/var/lib/kubelet/pki/kubelet-client-current.pem';
export const DEFAULT_ETCD_DATA_DIR = '/var/lib/etcd';

export const KUBECONFIG_FILES = {
  admin: 'admin.conf',
  superAdmin: 'super-admin.conf',
  kubelet: 'kubelet.conf',
  bootstrapKubelet: 'bootstrap-kubelet.conf',
  controllerManager: 'controller-manager.conf',
  scheduler: 'scheduler.conf',
} as const;

export const FIELD_MANAGER = 'bosun';
export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
/** Where the kubelet binary lives on a Linux node (the distributions' packages put it there). */
export const KUBELET_BINARY = '/usr/bin/kubelet';
