/**
 * The shape of the cluster file (`apiVersion: bosun.dev/v1alpha1`, `kind: Cluster`): the machines bosun reaches
 * and how. Strict objects, so a misspelt field is an error that names it, not a setting silently ignored.
 */
import { z } from 'zod';
import { addonRequestsSchema } from '../addons/requests.js';

export const CLUSTER_API_VERSION = 'bosun.dev/v1alpha1';
export const CLUSTER_KIND = 'Cluster';

/** Node names are what the kubelet registers: a DNS-1123 subdomain. */
const nodeName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'expected a node name: lower-case letters, digits, "-" and "."');

/** A host name or IP address as ssh takes it; whitespace or a leading "-" would be read as something else. */
const address = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.:[\]%-]+$/, 'expected a host name or an IP address')
  .refine((a) => !a.startsWith('-'), 'expected a host name or an IP address, not something that starts with "-"');

const port = z.number().int().min(1).max(65535);

/** A POSIX user name as sshd accepts it. */
const user = z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'expected a user name');

const absolutePath = (what: string) => z.string().regex(/^(\/|~\/)/, `expected ${what}: an absolute path (or one under ~/)`);

/** The environment variable holding a key's passphrase (without it, bosun asks on a terminal). */
const passphraseEnv = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable');

const jump = z.strictObject({
  address,
  port: port.default(22),
  user: user.default('root'),
  keyPath: absolutePath('the private key file').optional(),
  passphraseEnv: passphraseEnv.optional(),
});

export const sshSchema = z.strictObject({
  address,
  port: port.default(22),
  /** Default root, on a Windows host Administrator (inventory.ts: the default depends on the host's os). */
  user: user.optional(),
  /** Without it: the ssh-agent, as `ssh` would use it. */
  keyPath: absolutePath('the private key file').optional(),
  passphraseEnv: passphraseEnv.optional(),
  /** One jump host, as OpenSSH's ProxyJump. */
  bastion: jump.optional(),
});

export const localSchema = z.strictObject({
  /** `/` for the machine bosun runs on; a directory when the node's files are rendered under one. */
  root: absolutePath('the directory holding the node files').default('/'),
});

const template = z.string().min(1);

export const kubeletInstallSchema = z.discriminatedUnion('install', [
  z.strictObject({ install: z.literal('package') }),
  z.strictObject({ install: z.literal('none') }),
  z.strictObject({
    install: z.literal('binary'),
    /** Where the binary is published; `{version}`, `{os}` and `{arch}` are filled in. `<url>.sha256` holds its digest. */
    url: template.regex(/^(https?|file):\/\//, 'expected an http(s):// or file:// URL').optional(),
    /** Or a file on the machine bosun runs on (`{version}` filled in): no download, no published digest. */
    from: absolutePath('a kubelet binary on this machine').optional(),
    /** Who downloads: bosun once, pushing the binary to every node, or each node itself. */
    fetch: z.enum(['bosun', 'node']).default('bosun'),
    /** With `from` on a node whose files are on this machine: link instead of copy. */
    link: z.boolean().default(false),
  }),
]);

export const hostSchema = z.strictObject({
  name: nodeName,
  role: z.enum(['control-plane', 'worker']),
  os: z.enum(['linux', 'windows']).default('linux'),
  ssh: sshSchema.optional(),
  local: localSchema.optional(),
  kubelet: kubeletInstallSchema.optional(),
  /** How `bosun migrate runtime` installs containerd: package, none, or a binary from a file of this machine. */
  containerd: kubeletInstallSchema.optional(),
  /** `bosun apply --prune` takes this host out of the cluster and cleans it (k0sctl's marker): it stays reachable. */
  reset: z.boolean().optional(),
});

export const clusterFileSchema = z.strictObject({
  apiVersion: z.literal(CLUSTER_API_VERSION),
  kind: z.literal(CLUSTER_KIND),
  metadata: z.strictObject({ name: nodeName }).optional(),
  spec: z.strictObject({
    hosts: z.array(hostSchema).min(1),
    /**
     * The cluster's kubeadm configuration, inline: v1beta4 ClusterConfiguration, InitConfiguration and
     * JoinConfiguration defaults, KubeletConfiguration, KubeProxyConfiguration (one document each).
     */
    kubeadm: z.array(z.record(z.string(), z.unknown())).optional(),
    /** Or the same documents in a file of their own, relative to the cluster file. */
    kubeadmConfig: z.string().min(1).optional(),
    /** Addons `bosun apply` installs once the nodes converge, in order (as an init config's AddonConfiguration lists them). */
    addons: addonRequestsSchema.optional(),
  }),
});

export type HostEntry = z.infer<typeof hostSchema>;
export type KubeletInstall = z.infer<typeof kubeletInstallSchema>;
export type SshSettings = z.infer<typeof sshSchema>;
export type ClusterFile = z.infer<typeof clusterFileSchema>;
