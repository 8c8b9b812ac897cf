/**
 * The hosts.toml files bosun writes from daemon.json, read by the real containerd: `ctr images pull --hosts-dir`
 * asks a Docker Hub mirror first (with `?ns=docker.io`) and an insecure registry over plain HTTP. A local HTTP server
 * stands in for both and records what it is asked; it answers 404, so nothing is pulled.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderContainerdConfig } from '../../../src/runtime/containerd-config.js';
import { certsDFiles, readDaemonJson } from '../../../src/runtime/docker-daemon.js';
import { CACHED_CONTAINERDS, cachedRuntimeBinary, withContainerd } from '../../support/containerd.js';
import { tempDir } from '../../support/temp.js';

const requests: string[] = [];
let server: Server;
/** `address:port` of the server: not a loopback address, which containerd would ask over plain HTTP anyway. */
let registry: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('this machine has no IPv4 address but loopback: the insecure registry case needs one');
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  registry = `${address}:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** certs.d as bosun writes it from `daemonJson`, in a temp directory. */
function certsD(daemonJson: object): string {
  const dir = tempDir('bosun-certs-d-');
  for (const file of certsDFiles(readDaemonJson(JSON.stringify(daemonJson), '/etc/docker/daemon.json'), dir)) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
  return dir;
}

describe.each(CACHED_CONTAINERDS)("containerd $version reads bosun's hosts.toml", ({ file, configVersion }) => {
  const binary = cachedRuntimeBinary(file);
  const config = renderContainerdConfig(undefined, { version: configVersion, systemdCgroup: false });

  it('a Docker Hub mirror is asked first, for docker.io', async () => {
    requests.length = 0;
    const dir = certsD({ 'registry-mirrors': [`http://${registry}`] });
    // Docker Hub itself, tried after the mirror, is kept out of reach: HTTPS goes to a proxy nobody listens on.
    const offline = { HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: registry.split(':')[0] };
    await withContainerd(binary, config, ['images', 'pull', '--hosts-dir', dir, 'docker.io/library/busybox:1.36'], offline);
    expect(requests[0]).toMatch(/^(GET|HEAD) \/v2\/library\/busybox\/manifests\/1\.36\?ns=docker\.io$/);
  });

  it('an insecure registry is asked over plain HTTP (without its hosts.toml, over HTTPS: never a request here)', async () => {
    requests.length = 0;
    const pull = (dir: string) => withContainerd(binary, config, ['images', 'pull', '--hosts-dir', dir, `${registry}/team/app:1`]);
    await pull(certsD({}));
    expect(requests).toEqual([]);
    const { code } = await pull(certsD({ 'insecure-registries': [registry] }));
    expect(code).not.toBe(0);
    expect(requests[0]).toMatch(/^(GET|HEAD) \/v2\/team\/app\/manifests\/1$/);
  });
});
