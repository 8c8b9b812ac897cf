import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { certsDFiles, readDaemonJson } from '../../../src/runtime/docker-daemon.js';

const FILE = '/etc/docker/daemon.json';

describe('readDaemonJson', () => {
  it("is Docker's defaults for an absent file or one without those keys", () => {
    const defaults = { mirrors: [], insecureRegistries: [], insecureNetworks: [], cgroupDriver: 'cgroupfs', cgroupDriverSet: false };
    expect(readDaemonJson(undefined, FILE)).toEqual(defaults);
    expect(readDaemonJson('{"log-driver": "json-file"}', FILE)).toEqual(defaults);
  });

  it('reads mirrors, insecure registries (hosts and networks apart) and the exec-opts cgroup driver', () => {
    const daemon = readDaemonJson(
      JSON.stringify({
        'registry-mirrors': ['https://mirror.example.com/', 'http://10.0.0.5:5000'],
        'insecure-registries': ['registry.local:5000', 'http://10.0.0.5:5000', '172.30.0.0/16'],
        'exec-opts': ['native.umask=normal', 'native.cgroupdriver=systemd'],
      }),
      FILE,
    );
    expect(daemon).toEqual({
      mirrors: ['https://mirror.example.com', 'http://10.0.0.5:5000'],
      insecureRegistries: ['registry.local:5000', '10.0.0.5:5000'],
      insecureNetworks: ['172.30.0.0/16'],
      cgroupDriver: 'systemd',
      cgroupDriverSet: true,
    });
    expect(readDaemonJson('{"exec-opts": ["Native.CgroupDriver=cgroupfs"]}', FILE)).toMatchObject({ cgroupDriver: 'cgroupfs', cgroupDriverSet: true });
  });

  it.each([
    ['bad JSON', '{"registry-mirrors": [', /^\/etc\/docker\/daemon\.json: not valid JSON/],
    ['not an object', '[]', /not a JSON object/],
    ['mirrors not a list of strings', '{"registry-mirrors": "https://m"}', /registry-mirrors.*a list of strings/],
    ['an unknown cgroup driver', '{"exec-opts": ["native.cgroupdriver=none"]}', /exec-opts.*native\.cgroupdriver=systemd or cgroupfs/],
  ])('refuses %s as a UserError naming the file', (_name, text, message) => {
    expect(() => readDaemonJson(text, FILE)).toThrow(UserError);
    expect(() => readDaemonJson(text, FILE)).toThrow(message);
  });

  it('does not quote the file in its error (it may hold a proxy password)', () => {
    expect(() => readDaemonJson('{"proxies": {"http-proxy": "http://u:s3cret@p"}, }', FILE)).not.toThrow(/s3cret/);
  });
});

describe('certsDFiles', () => {
  it('is nothing for a daemon.json without mirrors or insecure registries', () => {
    expect(certsDFiles(readDaemonJson(undefined, FILE))).toEqual([]);
  });

  it("puts Docker Hub's mirrors, in order, before registry-1.docker.io", () => {
    const [file] = certsDFiles(readDaemonJson('{"registry-mirrors": ["https://a.example", "https://b.example"]}', FILE));
    expect(file.path).toBe('/etc/containerd/certs.d/docker.io/hosts.toml');
    expect(file.content.indexOf('a.example')).toBeLessThan(file.content.indexOf('b.example'));
    expect(parse(file.content)).toEqual({
      server: 'https://registry-1.docker.io',
      host: { 'https://a.example': { capabilities: ['pull', 'resolve'] }, 'https://b.example': { capabilities: ['pull', 'resolve'] } },
    });
  });

  it('gives each insecure registry a hosts.toml over http without TLS checks, and an insecure mirror skip_verify', () => {
    const daemon = readDaemonJson('{"registry-mirrors": ["https://m.local:5000"], "insecure-registries": ["m.local:5000", "10.1.2.3:5000"]}', FILE);
    const files = certsDFiles(daemon, '/tmp/certs.d');
    expect(files.map((f) => f.path)).toEqual([
      '/tmp/certs.d/docker.io/hosts.toml',
      '/tmp/certs.d/m.local:5000/hosts.toml',
      '/tmp/certs.d/10.1.2.3:5000/hosts.toml',
    ]);
    expect(parse(files[0].content)).toMatchObject({ host: { 'https://m.local:5000': { skip_verify: true } } });
    expect(parse(files[2].content)).toEqual({
      server: 'http://10.1.2.3:5000',
      host: { 'http://10.1.2.3:5000': { capabilities: ['pull', 'resolve', 'push'], skip_verify: true } },
    });
  });
});
