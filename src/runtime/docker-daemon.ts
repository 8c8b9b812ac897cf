/**
 * Docker's /etc/docker/daemon.json as containerd needs it after Docker: registry mirrors and insecure registries
 * become containerd's registry host files (certs.d/<registry>/hosts.toml, containerd's docs/hosts.md), and the
 * cgroup driver its `exec-opts` select.
 */
import { UserError } from '../errors.js';
import type { CgroupDriver } from './endpoints.js';
import { CERTS_D } from './paths.js';
import { emitToml, type TomlTable } from './toml.js';

export interface DockerDaemonSettings {
  /** `registry-mirrors`: Docker uses them for Docker Hub only. */
  mirrors: string[];
  /** `insecure-registries` naming a host (`host[:port]`). */
  insecureRegistries: string[];
  /** `insecure-registries` naming a network (`10.0.0.0/8`): containerd has no per-network registry settings. */
  insecureNetworks: string[];
  /** From `exec-opts` `native.cgroupdriver=…`; cgroupfs when unset (see `cgroupDriverSet`). */
  cgroupDriver: CgroupDriver;
  /** False when daemon.json leaves the driver to dockerd, which picks systemd itself on a cgroup v2 host run by systemd. */
  cgroupDriverSet: boolean;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_SERVER = 'https://registry-1.docker.io';

function stringList(json: Record<string, unknown>, key: string, file: string): string[] {
  const value = json[key] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new UserError({ what: `"${key}" is not a list of strings`, where: { file, field: key }, expected: 'a list of strings' });
  return value as string[];
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text after `, "`; daemon.json may hold a proxy's password.
    throw new UserError({ what: `not valid JSON: ${(err as Error).message.split(', "')[0]}`, where: { file }, expected: 'a JSON object' });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UserError({ what: 'not a JSON object', where: { file }, expected: 'a JSON object' });
  return json as Record<string, unknown>;
}

function cgroupDriverOf(execOpts: string[], file: string): CgroupDriver | undefined {
  let driver: CgroupDriver | undefined;
  for (const opt of execOpts) {
    const [key, value] = opt.split('=', 2).map((part) => part.trim());
    if (key.toLowerCase() !== 'native.cgroupdriver') continue;
    if (value !== 'systemd' && value !== 'cgroupfs')
      throw new UserError({
        what: `exec-opts: ${JSON.stringify(opt)}`,
        where: { file, field: 'exec-opts' },
        expected: 'native.cgroupdriver=systemd or cgroupfs',
      });
    driver = value;
  }
  return driver;
}

/** What daemon.json says; an absent file (undefined) is Docker's defaults. Bad JSON or a field of the wrong type is a UserError naming the file. */
export function readDaemonJson(text: string | undefined, file: string): DockerDaemonSettings {
  const json = text === undefined ? {} : parseJson(text, file);
  const insecure = stringList(json, 'insecure-registries', file).map((entry) => entry.replace(/^https?:\/\//, '').replace(/\/+$/, ''));
  const driver = cgroupDriverOf(stringList(json, 'exec-opts', file), file);
  return {
    mirrors: stringList(json, 'registry-mirrors', file).map((mirror) => mirror.replace(/\/+$/, '')),
    insecureRegistries: insecure.filter((entry) => !entry.includes('/')),
    insecureNetworks: insecure.filter((entry) => entry.includes('/')),
    cgroupDriver: driver ?? 'cgroupfs',
    cgroupDriverSet: driver !== undefined,
  };
}

const hostOf = (url: string): string => url.replace(/^[a-z]+:\/\//i, '').split('/')[0];

/**
 * One hosts.toml per registry: Docker Hub with its mirrors tried first, in Docker's order (upstream last, as Docker
 * falls back to it), and each insecure registry over plain HTTP with TLS checks off (containerd 2.x tries HTTPS first
 * on a non-80 port, as Docker does for an insecure registry).
 */
export function certsDFiles(daemon: DockerDaemonSettings, dir = CERTS_D): Array<{ path: string; content: string }> {
  const insecure = new Set(daemon.insecureRegistries);
  const files: Array<{ path: string; content: string }> = [];
  if (daemon.mirrors.length > 0) {
    const host: TomlTable = {};
    for (const mirror of daemon.mirrors) {
      host[mirror] = { capabilities: ['pull', 'resolve'], ...(insecure.has(hostOf(mirror)) ? { skip_verify: true } : {}) };
    }
    files.push({ path: `${dir}/${DOCKER_HUB}/hosts.toml`, content: emitToml({ server: DOCKER_HUB_SERVER, host }) });
  }
  for (const registry of daemon.insecureRegistries) {
    const url = `http://${registry}`;
    const host = { [url]: { capabilities: ['pull', 'resolve', 'push'], skip_verify: true } };
    files.push({ path: `${dir}/${registry}/hosts.toml`, content: emitToml({ server: url, host }) });
  }
  return files;
}
