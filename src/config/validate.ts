import { isValidToken, isValidTokenGroup, isValidTokenUsage, BOOTSTRAP_GROUP_FORMAT, TOKEN_FORMAT, TOKEN_USAGES } from '../tokens/token.js';
import { quote } from '../errors.js';
import { parseDuration } from './duration.js';
import { cidrSize, cidrsOverlap, formatCIDR, isDNS1123Subdomain, isValidPort, parseCIDRList, parseHostPort, parseIP, type CIDR } from './net.js';
import type { Arg, BootstrapToken, ClusterConfiguration, InitConfig, JoinConfiguration, NodeRegistrationOptions } from './types.js';
import {
  checkAbsolute,
  checkClusterName,
  checkImageRepository,
  checkImageTag,
  checkKubeletArgValues,
  checkSANs,
  checkSkipPhases,
  checkTaints,
  checkTimeouts,
  refuseWhitespace,
  type Fail,
} from './value-checks.js';
import { kubernetesVersionProblem } from './version.js';
import { fieldPath } from './issues.js';

/**
 * The checks kubeadm makes on a defaulted configuration (cmd/kubeadm/app/apis/kubeadm/validation), plus
 * service/pod subnet overlap. They run after files, flags and defaults are merged, so they see every value
 * whichever source it came from; resolve names the flag or the file for each problem.
 */
export interface Check {
  kind: string;
  field: string;
  problem: string;
}

/** kubeadm 1.37's own feature gates (cmd/kubeadm/app/features). */
const KNOWN_FEATURE_GATES = ['RootlessControlPlane'];

/**
 * `complete`: host-derived values (node name, advertise address, tokens) have been filled and must be present.
 * `phases`: the phase paths of the command the configuration is for, to check skipPhases against (the command
 * checks them again when it runs; `config validate` passes them so both agree).
 */
export interface ValidateOptions {
  complete: boolean;
  phases?: readonly string[];
}

function collector(kind: string, out: Check[]): Fail {
  return (field, problem) => out.push({ kind, field, problem });
}

export function validateInitConfig(cfg: InitConfig, opts: ValidateOptions): Check[] {
  const out: Check[] = [];
  const init = collector('InitConfiguration', out);
  cfg.init.bootstrapTokens?.forEach((t, i) => checkBootstrapToken(t, `bootstrapTokens[${i}]`, init, opts));
  checkNodeRegistration(cfg.init.nodeRegistration, init, opts);
  checkAPIEndpoint(cfg.init.localAPIEndpoint, 'localAPIEndpoint', init);
  checkCertificateKey(cfg.init.certificateKey, 'certificateKey', init);
  checkSkipPhases(cfg.init.skipPhases, opts.phases, init);
  checkTimeouts(cfg.init.timeouts, init);
  checkCluster(cfg.cluster, collector('ClusterConfiguration', out));
  const kubelet = collector('KubeletConfiguration', out);
  cfg.kubelet.clusterDNS?.forEach((ip, i) => {
    if (!refuseWhitespace(ip, `clusterDNS[${i}]`, kubelet) && !parseIP(ip)) kubelet(`clusterDNS[${i}]`, `${quote(ip)} is not an IP address`);
  });
  const proxy = collector('KubeProxyConfiguration', out);
  // When it is the pod subnet (the default), the pod subnet's own check speaks for it.
  const clusterCIDR = cfg.kubeProxy.clusterCIDR;
  if (clusterCIDR && clusterCIDR !== cfg.cluster.networking.podSubnet) checkSubnets(clusterCIDR, 'clusterCIDR', 1n, proxy);
  const bind = cfg.kubeProxy.bindAddress;
  if (typeof bind === 'string' && bind && !refuseWhitespace(bind, 'bindAddress', proxy) && !parseIP(bind))
    proxy('bindAddress', `${quote(bind)} is not an IP address`);
  return out;
}

export function validateJoinConfiguration(join: JoinConfiguration, opts: ValidateOptions): Check[] {
  const out: Check[] = [];
  const fail = collector('JoinConfiguration', out);
  const { bootstrapToken, file, tlsBootstrapToken } = join.discovery;
  if (!bootstrapToken && !file) fail('discovery', 'set bootstrapToken (--token and the API server endpoint) or file (--discovery-file)');
  if (bootstrapToken && file) fail('discovery', 'bootstrapToken and file are mutually exclusive; set one');
  if (bootstrapToken) {
    checkToken(bootstrapToken.token, 'discovery.bootstrapToken.token', fail);
    const endpoint = bootstrapToken.apiServerEndpoint ?? '';
    const parsed = parseHostPort(endpoint);
    if (!endpoint) fail('discovery.bootstrapToken.apiServerEndpoint', 'required; expected the API server as host:port, e.g. 10.0.0.1:6443');
    else if (!refuseWhitespace(endpoint, 'discovery.bootstrapToken.apiServerEndpoint', fail) && ('problem' in parsed || parsed.port === undefined)) {
      fail('discovery.bootstrapToken.apiServerEndpoint', `${quote(endpoint)} is not host:port${'problem' in parsed ? `: ${parsed.problem}` : ''}`);
    }
    const hashes = bootstrapToken.caCertHashes ?? [];
    hashes.forEach((hash, i) => {
      if (!/^sha256:[0-9a-f]{64}$/i.test(hash))
        fail(`discovery.bootstrapToken.caCertHashes[${i}]`, `${quote(hash)} is not a CA public key pin; expected sha256:<64 hex digits>`);
    });
    if (!hashes.length && !bootstrapToken.unsafeSkipCAVerification) {
      fail(
        'discovery.bootstrapToken.caCertHashes',
        'token discovery without a CA pin is unsafe; give caCertHashes (--discovery-token-ca-cert-hash sha256:…) or set unsafeSkipCAVerification (--discovery-token-unsafe-skip-ca-verification)',
      );
    }
  }
  if (file) {
    const where = file.kubeConfigPath;
    if (!where) fail('discovery.file.kubeConfigPath', 'required; expected a kubeconfig file path or an https:// URL');
    else if (!refuseWhitespace(where, 'discovery.file.kubeConfigPath', fail, 'ends') && /^[a-z][a-z0-9+.-]*:\/\//i.test(where) && !where.startsWith('https://'))
      fail('discovery.file.kubeConfigPath', `${quote(where)}: a URL must use https`);
    else if (where.startsWith('https://') && !URL.canParse(where))
      fail('discovery.file.kubeConfigPath', `${quote(where)} is not a URL; expected https://host[:port]/path`);
  }
  if (bootstrapToken || tlsBootstrapToken) checkToken(tlsBootstrapToken ?? '', 'discovery.tlsBootstrapToken', fail);
  if (!refuseWhitespace(join.caCertPath, 'caCertPath', fail, 'ends') && (!join.caCertPath.startsWith('/') || !join.caCertPath.endsWith('.crt')))
    fail('caCertPath', `${quote(join.caCertPath)} must be an absolute path to a .crt file`);
  checkNodeRegistration(join.nodeRegistration, fail, opts);
  if (join.controlPlane) {
    checkAPIEndpoint(join.controlPlane.localAPIEndpoint ?? {}, 'controlPlane.localAPIEndpoint', fail);
    checkCertificateKey(join.controlPlane.certificateKey, 'controlPlane.certificateKey', fail);
  }
  checkSkipPhases(join.skipPhases, opts.phases, fail);
  checkTimeouts(join.timeouts, fail);
  return out;
}

function checkToken(token: string, field: string, fail: Fail): void {
  // Never echo a token: it is a credential.
  if (!isValidToken(token)) fail(field, `the bootstrap token is invalid; expected the form ${TOKEN_FORMAT}`);
}

function checkBootstrapToken(t: BootstrapToken, at: string, fail: Fail, opts: ValidateOptions): void {
  if (t.token || opts.complete) checkToken(t.token, `${at}.token`, fail);
  const usages = t.usages ?? [];
  for (const usage of usages) {
    if (!isValidTokenUsage(usage)) fail(`${at}.usages`, `${quote(usage)} is not a token usage; expected ${TOKEN_USAGES.join(', ')}`);
  }
  if (t.groups?.length && !usages.includes('authentication')) fail(`${at}.groups`, 'token groups need the "authentication" usage');
  for (const group of t.groups ?? []) {
    if (!isValidTokenGroup(group)) fail(`${at}.groups`, `${quote(group)} is not a bootstrap group; expected it to match ${BOOTSTRAP_GROUP_FORMAT}`);
  }
  if (t.ttl && t.expires) fail(at, 'ttl and expires are mutually exclusive; set one');
  if (t.ttl && (parseDuration(t.ttl) ?? 0n) < 0n)
    fail(`${at}.ttl`, `${t.ttl} is negative; expected a duration such as 24h0m0s, or 0 for a token that never expires`);
}

function checkNodeRegistration(n: NodeRegistrationOptions, fail: Fail, opts: ValidateOptions): void {
  if (n.name) {
    if (!isDNS1123Subdomain(n.name))
      fail('nodeRegistration.name', `${quote(n.name)} is not a valid node name; expected a lower-case RFC 1123 DNS name (a-z, 0-9, "-", ".")`);
  } else if (opts.complete) {
    fail('nodeRegistration.name', 'required; the hostname could not be used, set --node-name or nodeRegistration.name');
  }
  const socket = n.criSocket ?? '';
  // A Windows node's runtime serves CRI on a named pipe (kubeadm's default URL scheme there is npipe).
  if (!refuseWhitespace(socket, 'nodeRegistration.criSocket', fail) && !/^unix:\/\/\/.|^npipe:\/\/\/\/\.\/pipe\/./.test(socket))
    fail(
      'nodeRegistration.criSocket',
      `${quote(socket)} is not a CRI socket; expected a unix:// URL such as unix:///var/run/containerd/containerd.sock (on Windows: npipe:////./pipe/containerd-containerd)`,
    );
  checkArgs(n.kubeletExtraArgs, 'nodeRegistration.kubeletExtraArgs', fail);
  checkKubeletArgValues(n.kubeletExtraArgs, 'nodeRegistration.kubeletExtraArgs', fail);
  checkTaints(n.taints, 'nodeRegistration.taints', fail);
  const ignored = (n.ignorePreflightErrors ?? []).map((c) => c.toLowerCase());
  if (ignored.includes('all') && new Set(ignored).size > 1) fail('nodeRegistration.ignorePreflightErrors', 'don\'t list individual checks together with "all"');
}

function checkAPIEndpoint(e: { advertiseAddress?: string; bindPort?: number }, at: string, fail: Fail): void {
  if (e.advertiseAddress && !refuseWhitespace(e.advertiseAddress, `${at}.advertiseAddress`, fail) && !parseIP(e.advertiseAddress))
    fail(`${at}.advertiseAddress`, `${quote(e.advertiseAddress)} is not an IP address (IPv4 or IPv6)`);
  if (e.bindPort !== undefined && !isValidPort(e.bindPort)) fail(`${at}.bindPort`, `${e.bindPort} is not a port; expected a number from 1 to 65535`);
}

function checkCertificateKey(key: string | undefined, field: string, fail: Fail): void {
  if (key && !/^[0-9a-f]{64}$/i.test(key)) fail(field, 'the certificate key is invalid; expected 64 hex digits (a 32-byte AES key)');
}

function checkArgs(args: Arg[] | undefined, at: string, fail: Fail): void {
  args?.forEach((a, i) => {
    if (!a.name) fail(`${at}[${i}].name`, 'the argument has no name');
    else refuseWhitespace(a.name, `${at}[${i}].name`, fail);
  });
}

/** kubeadm's limits: at least `minAddresses` per subnet, one subnet or a dual-stack pair. */
function checkSubnets(text: string, field: string, minAddresses: bigint, fail: Fail): CIDR[] {
  if (refuseWhitespace(text, field, fail)) return [];
  const cidrs = parseCIDRList(text);
  if (!cidrs) {
    fail(field, `${quote(text)} is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack`);
    return [];
  }
  if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0].family === cidrs[1].family)) {
    fail(field, `${quote(text)}: expected one CIDR, or two (one IPv4 and one IPv6) for dual-stack`);
  }
  for (const c of cidrs) {
    if (cidrSize(c) < minAddresses) fail(field, `${formatCIDR(c)} is too small: ${cidrSize(c)} addresses, at least ${minAddresses} needed`);
  }
  return cidrs;
}

function checkCluster(c: ClusterConfiguration, fail: Fail): void {
  const net = c.networking;
  if (!refuseWhitespace(net.dnsDomain, 'networking.dnsDomain', fail) && !isDNS1123Subdomain(net.dnsDomain))
    fail('networking.dnsDomain', `${quote(net.dnsDomain)} is not a DNS domain; expected e.g. cluster.local`);
  const services = checkSubnets(net.serviceSubnet, 'networking.serviceSubnet', 10n, fail);
  for (const s of services) {
    // The API server stores service allocations as a bitmap; kubeadm caps the subnet at 2^20 addresses.
    if ((s.family === 4 ? 32 : 128) - s.prefix > 20)
      fail('networking.serviceSubnet', `${formatCIDR(s)} is too large; expected a prefix of /${s.family === 4 ? 12 : 108} or longer`);
  }
  const pods = net.podSubnet ? checkSubnets(net.podSubnet, 'networking.podSubnet', 14n, fail) : [];
  if (argValue(c.controllerManager.extraArgs, 'allocate-node-cidrs') !== 'false') {
    for (const p of pods) {
      const flag = p.family === 4 ? 'node-cidr-mask-size-ipv4' : 'node-cidr-mask-size-ipv6';
      const nodeMask = Number(argValue(c.controllerManager.extraArgs, flag) ?? (p.family === 4 ? 24 : 64));
      if (!Number.isInteger(nodeMask)) fail('controllerManager.extraArgs', `${flag} must be an integer`);
      else if (p.prefix > nodeMask)
        fail('networking.podSubnet', `${formatCIDR(p)} is smaller than one node's pod range (/${nodeMask}, kube-controller-manager ${flag})`);
      else if (nodeMask - p.prefix > 16)
        fail('networking.podSubnet', `${formatCIDR(p)} holds more than 2^16 node ranges of /${nodeMask}; expected a prefix of /${nodeMask - 16} or longer`);
    }
  }
  for (const s of services) {
    for (const p of pods) {
      if (cidrsOverlap(s, p)) fail('networking.podSubnet', `${formatCIDR(p)} overlaps the service subnet ${formatCIDR(s)}; expected disjoint subnets`);
    }
  }
  const versionProblem = kubernetesVersionProblem(c.kubernetesVersion);
  if (versionProblem) fail('kubernetesVersion', versionProblem);
  if (c.controlPlaneEndpoint && !refuseWhitespace(c.controlPlaneEndpoint, 'controlPlaneEndpoint', fail)) {
    const parsed = parseHostPort(c.controlPlaneEndpoint);
    if ('problem' in parsed) fail('controlPlaneEndpoint', `${quote(c.controlPlaneEndpoint)} is not host[:port]: ${parsed.problem}`);
  }
  checkSANs(c.apiServer.certSANs, 'apiServer.certSANs', fail);
  checkArgs(c.apiServer.extraArgs, 'apiServer.extraArgs', fail);
  checkArgs(c.controllerManager.extraArgs, 'controllerManager.extraArgs', fail);
  checkArgs(c.scheduler.extraArgs, 'scheduler.extraArgs', fail);
  checkAbsolute(c.certificatesDir, 'certificatesDir', fail);
  checkImageRepository(c.imageRepository, 'imageRepository', fail);
  if (c.dns.imageRepository) checkImageRepository(c.dns.imageRepository, 'dns.imageRepository', fail);
  checkImageTag(c.dns.imageTag, 'dns.imageTag', fail);
  checkClusterName(c.clusterName, fail);
  for (const gate of Object.keys(c.featureGates ?? {})) {
    if (!KNOWN_FEATURE_GATES.includes(gate))
      fail(fieldPath(['featureGates', gate]), `${quote(gate)} is not a kubeadm feature gate; expected one of ${KNOWN_FEATURE_GATES.join(', ')}`);
  }
  checkEtcd(c, fail);
  for (const field of ['certificateValidityPeriod', 'caCertificateValidityPeriod'] as const) {
    if ((parseDuration(c[field]) ?? 0n) <= 0n) fail(field, `${c[field]} must be a positive duration, e.g. 8760h`);
  }
}

function checkEtcd(c: ClusterConfiguration, fail: Fail): void {
  const { local, external } = c.etcd;
  if (local && external) return fail('etcd', 'local and external are mutually exclusive; set one');
  if (local) {
    checkAbsolute(local.dataDir, 'etcd.local.dataDir', fail);
    checkSANs(local.serverCertSANs, 'etcd.local.serverCertSANs', fail);
    checkSANs(local.peerCertSANs, 'etcd.local.peerCertSANs', fail);
    if (local.imageRepository) checkImageRepository(local.imageRepository, 'etcd.local.imageRepository', fail);
    checkImageTag(local.imageTag, 'etcd.local.imageTag', fail);
    checkArgs(local.extraArgs, 'etcd.local.extraArgs', fail);
  }
  if (external) {
    const { caFile, certFile, keyFile } = external;
    if (Boolean(certFile) !== Boolean(keyFile)) fail('etcd.external', 'set both certFile and keyFile, or neither');
    if (certFile && keyFile && !caFile) fail('etcd.external.caFile', 'required when certFile and keyFile are set');
    if (!external.endpoints.length) fail('etcd.external.endpoints', 'at least one endpoint is required, e.g. https://10.0.0.10:2379');
    const https = Boolean(caFile || certFile || keyFile);
    for (const [field, urls, needHttps] of [
      ['etcd.external.endpoints', external.endpoints, https],
      ['etcd.external.httpEndpoints', external.httpEndpoints ?? [], false],
    ] as const) {
      for (const url of urls) {
        if (refuseWhitespace(url, field, fail)) continue;
        const scheme = /^([a-z][a-z0-9+.-]*):\/\/./i.exec(url)?.[1];
        if (!scheme) fail(field, `${quote(url)} is not a URL with a scheme, e.g. https://10.0.0.10:2379`);
        else if (needHttps && scheme !== 'https') fail(field, `${quote(url)} must use https when certificates are set`);
      }
    }
    for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
      if (external[field]) checkAbsolute(external[field], `etcd.external.${field}`, fail);
    }
  }
}

/** The last value of an argument (later entries win, as on a command line). */
function argValue(args: Arg[] | undefined, name: string): string | undefined {
  return args?.filter((a) => a.name === name).at(-1)?.value;
}
