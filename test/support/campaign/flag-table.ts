import path from 'node:path';
import { CLOSED_PORT, SAMPLE_CONFIG as SAMPLE } from './node-state.js';

/** Where a generated value may stand for a flag: a valid one, so the other flags of the line are reached too. */
export type Plausible = (secrets: { token: string; certificateKey: string }) => string[];
export type FlagSpec = [name: string, plausible: Plausible | null];

const v =
  (...values: string[]): Plausible =>
  () =>
    values;
const ADDRESS = v('10.0.0.1', '192.168.10.5', '::1', 'fd00::1');
const PORT = v('6443', '443', '1', '65535');
const DURATION = v('1h', '30m0s', '0', '24h0m0s', '500ms');
const VERSION = v('v1.36.3', '1.36.3', 'v1.37.1', 'stable');
const TOKEN: Plausible = (s) => [s.token];
const CERT_KEY: Plausible = (s) => [s.certificateKey];
const HASH = v(`sha256:${'ab'.repeat(32)}`, 'sha256:', `sha1:${'ab'.repeat(20)}`);
const PHASES = v('preflight', 'certs/ca', 'addon/kube-proxy', 'certs,kubeconfig', 'control-plane/apiserver');
const CHECKS = v('all', 'Swap,NumCPU', 'Port-6443');
const PROGRESS = v('tty', 'plain', 'json');
const OUTPUT = v('text', 'json', 'yaml');

const INIT_FLAGS: FlagSpec[] = [
  ['--config', v(SAMPLE)],
  ['--apiserver-advertise-address', ADDRESS],
  ['--apiserver-bind-port', PORT],
  ['--apiserver-cert-extra-sans', v('a.example.com,10.0.0.2', 'x')],
  ['--cert-dir', v('/etc/kubernetes/pki', '/var/lib/pki', 'relative/pki')],
  ['--certificate-key', CERT_KEY],
  ['--control-plane-endpoint', v('api.example.com:6443', 'api.example.com', '10.0.0.1:443')],
  ['--cri-socket', v('unix:///run/containerd/containerd.sock', '/run/crio/crio.sock')],
  ['--feature-gates', v('ControlPlaneKubeletLocalMode=true', 'Unknown=true', 'a=b=c')],
  ['--ignore-preflight-errors', CHECKS],
  ['--image-repository', v('registry.k8s.io', 'localhost:5000/mirror')],
  ['--kubernetes-version', VERSION],
  ['--node-name', v('cp-1', 'CP_1', 'node.example')],
  ['--pod-network-cidr', v('10.244.0.0/16', 'fd00:10:244::/56')],
  ['--service-cidr', v('10.96.0.0/12', '10.96.0.0/12,fd00::/108')],
  ['--service-dns-domain', v('cluster.local', 'corp.local')],
  ['--skip-phases', PHASES],
  ['--token', TOKEN],
  ['--token-ttl', DURATION],
  ['--upload-certs', null],
  ['--skip-certificate-key-print', null],
  ['--skip-token-print', null],
  ['--kubeconfig', v('/etc/kubernetes/admin.conf')],
  ['--progress', PROGRESS],
  ['--output', OUTPUT],
];

const JOIN_FLAGS: FlagSpec[] = [
  ['--token', TOKEN],
  ['--discovery-token', TOKEN],
  ['--discovery-token-ca-cert-hash', HASH],
  ['--discovery-token-unsafe-skip-ca-verification', null],
  ['--discovery-file', v(`https://127.0.0.1:${CLOSED_PORT}/cluster-info.yaml`, 'relative.conf', 'http://127.0.0.1/x')],
  // Only values that end discovery soon: a valid long one would be a wait the operator asked for.
  ['--discovery-timeout', v('1s', '0s', '-1s', '1e3', '500ms', '2s')],
  ['--tls-bootstrap-token', TOKEN],
  ['--control-plane', null],
  ['--certificate-key', CERT_KEY],
  ['--apiserver-advertise-address', ADDRESS],
  ['--apiserver-bind-port', PORT],
  ['--node-name', v('worker-1')],
  ['--cri-socket', v('unix:///run/containerd/containerd.sock')],
  ['--ignore-preflight-errors', CHECKS],
  ['--skip-phases', PHASES],
  ['--progress', PROGRESS],
  ['--output', OUTPUT],
];

const UPGRADE_FLAGS: FlagSpec[] = [
  ['--force', null],
  ['--allow-experimental-upgrades', null],
  ['--allow-release-candidate-upgrades', null],
  ['--certificate-renewal', v('true', 'false', 'maybe')],
  ['--etcd-upgrade', v('true', 'false', '0')],
  ['--ignore-preflight-errors', CHECKS],
  ['--skip-phases', PHASES],
  ['--timeout', DURATION],
  ['--node-name', v('cp-1')],
  ['--kubelet-install', v('package', 'none', 'apt')],
  ['--progress', PROGRESS],
  ['--output', OUTPUT],
];

const TOKEN_FLAGS: FlagSpec[] = [
  ['--ttl', DURATION],
  ['--usages', v('signing,authentication', 'signing', 'root')],
  ['--groups', v('system:bootstrappers:extra', 'system:masters')],
  ['--description', v('a worker')],
  ['--print-join-command', null],
  ['--certificate-key', CERT_KEY],
  ['--output', OUTPUT],
];

/** Flags no command has, and known ones in forms Commander may take for something else. */
export const STRAY_FLAGS: FlagSpec[] = [
  ['--unknown-flag', v('x')],
  ['-x', null],
  ['--Config', v('x')],
  ['--dry-run=false', null],
  ['--', null],
  ['-', null],
];

/** How the command's --rootfs is given: a fresh directory, or one that is not a directory; '' only where the run is dry. */
export type RootfsMode = 'dir' | 'missing' | 'file' | 'empty';

export interface CommandSpec {
  name: string;
  words: string[];
  flags: FlagSpec[];
  /** The fixed part of the line, before the generated flags; the run's files are in `dir`. */
  fixed: (files: CaseFiles) => string[];
  dryRun: boolean;
  rootfsModes: RootfsMode[];
  positional?: Plausible;
  /** How errors name the positional argument (`[token]`, `version`). */
  argument?: string;
  /** Secrets a successful run prints by design (init's join command, token create's token). */
  printsToken?: boolean;
  /**
   * It generates RSA keys when it gets that far (kubeadm's default without a config, which these lines cannot
   * change: --config may not be mixed with flags): ten times the cost of any other line, so a smaller share.
   */
  generatesKeys?: boolean;
  deadlineMs: number;
}

export interface CaseFiles {
  rootfs: string;
  config: string;
  kubeconfig: string;
  dir: string;
}

const QUICK = 30_000;
const NETWORK = 30_000;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'init --dry-run',
    words: ['init'],
    flags: INIT_FLAGS,
    fixed: (f) => ['--dry-run', '--rootfs', f.rootfs],
    dryRun: true,
    rootfsModes: ['dir', 'missing', 'file', 'empty'],
    printsToken: true,
    generatesKeys: true,
    deadlineMs: QUICK,
  },
  {
    name: 'init phase certs all',
    words: ['init', 'phase', 'certs', 'all'],
    flags: INIT_FLAGS,
    fixed: (f) => ['--rootfs', f.rootfs],
    dryRun: false,
    rootfsModes: ['dir', 'missing', 'file'],
    generatesKeys: true,
    deadlineMs: QUICK,
  },
  {
    name: 'init phase kubeconfig all',
    words: ['init', 'phase', 'kubeconfig', 'all'],
    flags: INIT_FLAGS,
    fixed: (f) => ['--rootfs', f.rootfs],
    dryRun: false,
    rootfsModes: ['dir', 'missing', 'file'],
    generatesKeys: true,
    deadlineMs: QUICK,
  },
  {
    name: 'init phase control-plane all',
    words: ['init', 'phase', 'control-plane', 'all'],
    flags: INIT_FLAGS,
    fixed: (f) => ['--rootfs', f.rootfs],
    dryRun: false,
    rootfsModes: ['dir', 'missing', 'file'],
    deadlineMs: QUICK,
  },
  {
    name: 'join --dry-run',
    words: ['join'],
    flags: JOIN_FLAGS,
    fixed: (f) => ['--dry-run', '--rootfs', f.rootfs, '--discovery-timeout', '1s'],
    dryRun: true,
    rootfsModes: ['dir', 'missing', 'file', 'empty'],
    positional: v(`127.0.0.1:${CLOSED_PORT}`, `[::1]:${CLOSED_PORT}`),
    argument: 'endpoint',
    deadlineMs: NETWORK,
  },
  { name: 'token generate', words: ['token', 'generate'], flags: [], fixed: () => [], dryRun: true, rootfsModes: ['dir'], deadlineMs: QUICK },
  {
    name: 'token create --dry-run',
    words: ['token', 'create'],
    flags: TOKEN_FLAGS,
    fixed: (f) => ['--dry-run', '--kubeconfig', f.kubeconfig],
    dryRun: true,
    rootfsModes: ['dir'],
    positional: TOKEN,
    argument: '[token]',
    printsToken: true,
    deadlineMs: NETWORK,
  },
  {
    name: 'config validate',
    words: ['config', 'validate'],
    flags: [['--config', v(SAMPLE)]],
    fixed: (f) => ['--config', f.config],
    dryRun: true,
    rootfsModes: ['dir'],
    deadlineMs: QUICK,
  },
  {
    name: 'config migrate',
    words: ['config', 'migrate'],
    flags: [['--old-config', v(SAMPLE)]],
    // The written file goes where the rootfs would be: watched, so a refused migration must leave it alone.
    fixed: (f) => ['--old-config', f.config, '--new-config', path.join(f.rootfs, 'new.yaml')],
    dryRun: false,
    rootfsModes: ['dir', 'missing', 'file'],
    deadlineMs: QUICK,
  },
  {
    name: 'config print init-defaults',
    words: ['config', 'print', 'init-defaults'],
    flags: [['--component-configs', v('KubeletConfiguration', 'KubeProxyConfiguration', 'Nope')]],
    fixed: () => [],
    dryRun: true,
    rootfsModes: ['dir'],
    deadlineMs: QUICK,
  },
  {
    name: 'upgrade node --dry-run',
    words: ['upgrade', 'node'],
    flags: UPGRADE_FLAGS,
    fixed: (f) => ['--dry-run', '--rootfs', f.rootfs],
    dryRun: true,
    rootfsModes: ['dir', 'missing', 'file', 'empty'],
    deadlineMs: NETWORK,
  },
  {
    name: 'upgrade apply --dry-run',
    words: ['upgrade', 'apply'],
    flags: UPGRADE_FLAGS,
    fixed: (f) => ['--dry-run', '--kubeconfig', f.kubeconfig],
    dryRun: true,
    rootfsModes: ['dir'],
    positional: VERSION,
    argument: 'version',
    deadlineMs: NETWORK,
  },
  {
    name: 'upgrade plan',
    words: ['upgrade', 'plan'],
    flags: UPGRADE_FLAGS,
    fixed: (f) => ['--kubeconfig', f.kubeconfig],
    dryRun: true,
    rootfsModes: ['dir'],
    positional: VERSION,
    argument: 'version',
    deadlineMs: NETWORK,
  },
];
