/**
 * A DNS pod: a real CoreDNS in a network namespace of its own on the sandbox's bridge (its pod IP), optionally
 * holding a Service's ClusterIP too, in a private mount namespace where it finds what a container would: the
 * pod's resolv.conf at /etc/resolv.conf and its service account at /var/run/secrets/kubernetes.io/serviceaccount.
 *
 * Unlike the static-pod runner, which rewrites command lines to rootfs paths, these two paths are fixed inside
 * CoreDNS (`forward . /etc/resolv.conf` in a Corefile, client-go's in-cluster config), so they are bind mounts.
 * The mounts sit on a tmpfs over /run inside that mount namespace: nothing appears on the host.
 */
import { promises as dns } from 'node:dns';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addServiceAddress, claimDnsPodNetwork, inNetns, removeNode, removeServiceAddress, type NodeNetwork } from './network.js';
import { sandboxPaths } from './paths.js';
import { isRunning, startDetached, stopProcess, type ProcessRecord } from './processes.js';
import { requireState } from './state.js';

/** A service account as the kubelet projects it into a pod. */
export interface ServiceAccountFiles {
  token: string;
  caCrt: string;
  namespace: string;
}

export interface DnsPodSpec {
  /** The CoreDNS binary. */
  binary: string;
  /** Files of the pod (relative path → content): the Corefile and whatever it names. */
  files: Record<string, string>;
  /** The Corefile, one of `files`. */
  corefile: string;
  /** A Service's ClusterIP the pod answers on besides its pod IP. */
  serviceIP?: string;
  /** The pod's /etc/resolv.conf; absent: the host's. */
  resolvConf?: string;
  serviceAccount?: ServiceAccountFiles;
  env?: Record<string, string>;
}

export interface DnsPod {
  /** Where clients send queries: the Service's ClusterIP, else the pod IP. */
  ip: string;
  podIP: string;
  /** Whether CoreDNS still runs. */
  running(): boolean;
  /** The last lines CoreDNS logged. */
  logTail(): Promise<string>;
  /** Stops CoreDNS and removes the pod's namespace, route and files. */
  stop(): Promise<void>;
}

/** CoreDNS's `ready` plugin, as the Deployment's readiness probe asks it. */
const READY_PORT = 8181;
const READY_TIMEOUT_MS = 180_000;
/** CoreDNS's `health` plugin waits out its lameduck (5s in kubeadm's Corefile) on SIGTERM. */
const STOP_GRACE_MS = 20_000;

/**
 * $1 the resolv.conf ('' for the host's), $2 the service account directory ('' for none), $3 the working directory
 * (the pod's config files: a Corefile's relative file names are found there), then the command.
 */
const MOUNTS_SCRIPT = `set -e
resolv=$(readlink -f /etc/resolv.conf)
mount -t tmpfs -o mode=0755 tmpfs /run
if [ -n "$1" ]; then
  case $resolv in /run/*) mkdir -p "\${resolv%/*}"; : > "$resolv" ;; esac
  mount --bind "$1" "$resolv"
fi
if [ -n "$2" ]; then
  mkdir -p /var/run/secrets/kubernetes.io/serviceaccount
  mount --bind -o ro "$2" /var/run/secrets/kubernetes.io/serviceaccount
fi
cd "$3"
shift 3
exec "$@"`;

async function writePodFiles(dir: string, spec: DnsPodSpec): Promise<{ resolv: string; serviceAccount: string }> {
  await fs.rm(dir, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(spec.files)) {
    await fs.mkdir(path.dirname(path.join(dir, 'config', rel)), { recursive: true });
    await fs.writeFile(path.join(dir, 'config', rel), content, { mode: 0o644 });
  }
  const resolv = spec.resolvConf === undefined ? '' : path.join(dir, 'resolv.conf');
  if (resolv) await fs.writeFile(resolv, spec.resolvConf!, { mode: 0o644 });
  const serviceAccount = spec.serviceAccount ? path.join(dir, 'serviceaccount') : '';
  if (spec.serviceAccount) {
    await fs.mkdir(serviceAccount, { mode: 0o700 });
    await fs.writeFile(path.join(serviceAccount, 'token'), spec.serviceAccount.token, { mode: 0o600 });
    await fs.writeFile(path.join(serviceAccount, 'ca.crt'), spec.serviceAccount.caCrt, { mode: 0o644 });
    await fs.writeFile(path.join(serviceAccount, 'namespace'), spec.serviceAccount.namespace, { mode: 0o644 });
  }
  return { resolv, serviceAccount };
}

function readyStatus(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port: READY_PORT, path: '/ready', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

async function logTail(file: string): Promise<string> {
  const text = existsSync(file) ? await fs.readFile(file, 'utf8') : '';
  return text.trimEnd().split('\n').slice(-15).join('\n');
}

/** Whether CoreDNS answers a DNS query on port 53 at all (any answer, even NXDOMAIN, says it listens there). */
async function answersQueries(address: string): Promise<boolean> {
  const resolver = new dns.Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([address]);
  try {
    await resolver.resolve4('ready.invalid');
    return true;
  } catch (err) {
    return !['ECONNREFUSED', 'ETIMEOUT', 'ECONNRESET'].includes((err as NodeJS.ErrnoException).code ?? '');
  }
}

/**
 * Polls /ready until CoreDNS answers 200, then its port 53 until it answers a query (the ready plugin's listener can
 * answer before the DNS server's is open); rejects with its log when it exits or at the timeout.
 */
async function waitReady(address: string, record: ProcessRecord, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await readyStatus(address)) !== 200 || !(await answersQueries(address))) {
    if (!isRunning(record)) throw new Error(`CoreDNS at ${address} exited before it was ready:\n${await logTail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`CoreDNS at ${address} not ready after ${READY_TIMEOUT_MS / 1000}s:\n${await logTail(logFile)}`);
    await sleep(500);
  }
}

/** Starts a DNS pod in the sandbox in `sandboxDir` and waits until it is ready. */
export async function startDnsPod(sandboxDir: string, spec: DnsPodSpec): Promise<DnsPod> {
  const { network: plan } = await requireState(sandboxDir);
  const pod: NodeNetwork = await claimDnsPodNetwork(plan);
  const dir = sandboxPaths(sandboxDir).dnsPod(pod.netns);
  const logFile = path.join(dir, 'coredns.log');
  let record: ProcessRecord | undefined;
  let routed = false;
  const stop = async () => {
    if (record) await stopProcess(record, STOP_GRACE_MS);
    if (routed) await removeServiceAddress(plan, pod, spec.serviceIP!);
    await removeNode(pod);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const mounts = await writePodFiles(dir, spec);
    if (spec.serviceIP) {
      await addServiceAddress(plan, pod, spec.serviceIP);
      routed = true;
    }
    const config = path.join(dir, 'config');
    const command = [spec.binary, '-conf', path.join(config, spec.corefile)];
    const argv = [
      ...inNetns(pod.netns),
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      MOUNTS_SCRIPT,
      'sh',
      mounts.resolv,
      mounts.serviceAccount,
      config,
    ];
    record = startDetached(`coredns/${pod.netns}`, [...argv, ...command], logFile, spec.env);
    await waitReady(pod.address, record, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  const started = record;
  return { ip: spec.serviceIP ?? pod.address, podIP: pod.address, running: () => isRunning(started), logTail: () => logTail(logFile), stop };
}
