/**
 * Where a Windows node keeps kubeadm's files. kubeadm and the kubelet on Windows resolve their Linux paths
 * (`/etc/kubernetes`, `/var/lib/kubelet`) against the system drive, so the layout is the Linux one under `C:\`;
 * the binaries live in `C:\k`, as the sig-windows guides install them.
 */
export const WINDOWS_BINARY_DIR = 'C:\\k';
export const WINDOWS_KUBELET_BINARY = 'C:\\k\\kubelet.exe';
/** containerd's CRI endpoint on Windows: its named pipe. */
export const WINDOWS_CRI_SOCKET = 'npipe:////./pipe/containerd-containerd';

/** A Linux node path as Windows resolves it: `/etc/kubernetes/kubelet.conf` → `C:\etc\kubernetes\kubelet.conf`. */
export const windowsNodePath = (linuxPath: string): string => (/^[A-Za-z]:/.test(linuxPath) ? linuxPath : `C:${linuxPath.replaceAll('/', '\\')}`);
