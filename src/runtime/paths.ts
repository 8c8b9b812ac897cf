/** Where container runtimes keep their configuration on a Linux node (the distributions' packages put it there). */
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
/** containerd's registry host directory (`config_path`): one `<registry>/hosts.toml` per registry. */
export const CERTS_D = '/etc/containerd/certs.d';
export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';
/** Debian's environment file for dockerd (`DOCKER_OPTS`), read by its docker.service. */
export const DOCKER_DEFAULTS = '/etc/default/docker';
export const CRIO_CONFIG = '/etc/crio/crio.conf';
/** CRI-O reads its drop-ins after crio.conf, in lexical order: a later file's key wins. */
export const CRIO_DROP_IN_DIR = '/etc/crio/crio.conf.d';
/** Where systemd finds unit files, in its order: the operator's, then the packages' (Debian's, others'). */
export const SYSTEMD_UNIT_DIRS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];
/** Runtime configuration files are readable by all, as the packages install them. */
export const RUNTIME_CONFIG_MODE = 0o644;
