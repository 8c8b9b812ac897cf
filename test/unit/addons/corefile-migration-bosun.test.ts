// bosun's own cases: the CoreDNS releases its kubeadm minors install (1.13.1 for v1.35, the minor clusters upgrade
// from; 1.14.2 for v1.36; 1.14.6 for v1.37), bosun's default Corefile, and the errors that stop an upgrade.
import { describe, expect, it } from 'vitest';
import { corefile as bosunCorefile } from '../../../src/addons/coredns.js';
import { parseCorefile, printCorefile } from '../../../src/addons/corefile-migration/corefile.js';
import { defaultCorefile, isDefaultCorefile } from '../../../src/addons/corefile-migration/defaults.js';
import { migrateCorefile } from '../../../src/addons/corefile-migration/migrate.js';
import { deprecatedNotices, migrationNeeded, unsupportedPlugins } from '../../../src/addons/corefile-migration/notices.js';
import { UserError } from '../../../src/errors.js';

const customised = `${bosunCorefile('cluster.local').replace('    loadbalance\n', '    loadbalance\n    hosts {\n       10.0.0.5 registry.internal\n       fallthrough\n    }\n')}
corp.example:53 {
    errors
    cache 30
    loop
    forward . 10.150.0.1
}
`;

describe('default Corefiles bosun writes', () => {
  it('recognises its own default for any cluster domain, from the releases it upgrades from', () => {
    for (const domain of ['cluster.local', 'example.org']) {
      expect(isDefaultCorefile(bosunCorefile(domain), 'v1.13.1')).toBe(true);
      expect(isDefaultCorefile(bosunCorefile(domain), '1.14.6')).toBe(true);
    }
    // `disable success/denial` in `cache` is bosun's (and recent kubeadm's); kubeadm v1.20 never wrote it.
    expect(isDefaultCorefile(bosunCorefile('cluster.local'), '1.7.0')).toBe(false);
    expect(isDefaultCorefile(customised, '1.14.2')).toBe(false);
    expect(isDefaultCorefile('.:53 {\n    errors\n')).toBe(false);
    // A self-built image's tag is no release the table knows; its default Corefile is still one.
    expect(isDefaultCorefile(bosunCorefile('cluster.local'), 'v1.14.2-custom')).toBe(true);
  });

  it('renders the default through coredns.ts for a release it knows', () => {
    expect(defaultCorefile('v1.14.6', 'example.org')).toBe(bosunCorefile('example.org'));
    expect(() => defaultCorefile('1.15.0', 'cluster.local')).toThrow(/CoreDNS version "1.15.0" is not a release the Corefile migration knows/);
  });
});

describe('migrating between the releases bosun installs', () => {
  it('keeps a customised Corefile as it is (in the library layout), with nothing to report', () => {
    for (const [from, to] of [
      ['v1.13.1', 'v1.14.2'],
      ['1.14.2', '1.14.6'],
    ]) {
      const { corefile, notes } = migrateCorefile(customised, from, to, { deprecations: false });
      expect(parseCorefile(corefile).servers).toEqual(parseCorefile(customised).servers);
      expect(corefile).toContain('    hosts {\n        10.0.0.5 registry.internal\n        fallthrough\n    }\n}\n\ncorp.example:53 {\n');
      expect(notes).toEqual([]);
    }
    expect(migrationNeeded(deprecatedNotices(customised, '1.13.1', '1.14.6'))).toBe(false);
    expect(unsupportedPlugins(customised, '1.13.1', '1.14.6')).toEqual([]);
  });

  it('names a plugin the table does not know, with each release', () => {
    const withRoute53 = customised.replace('    errors\n', '    errors\n    route53 example.org.:Z1\n');
    expect(unsupportedPlugins(withRoute53, '1.14.2', '1.14.6').map((n) => `${n.plugin}@${n.version}`)).toEqual(
      ['1.14.3', '1.14.4', '1.14.5', '1.14.6'].map((v) => `route53@${v}`),
    );
  });

  it('brings a v1.20-era Corefile forward: kubernetes transfer becomes the transfer plugin in 1.8.0', () => {
    const old =
      '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa {\n        pods insecure\n        transfer to *\n    }\n    forward . /etc/resolv.conf\n}\n';
    const { corefile, notes } = migrateCorefile(old, '1.7.0', '1.14.6', { deprecations: false });
    expect(corefile).toBe(
      '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa {\n        pods insecure\n    }\n    forward . /etc/resolv.conf\n    transfer cluster.local {\n        to *\n    }\n}\n',
    );
    expect(notes).toContain('Option "transfer" in plugin "kubernetes" is removed in 1.8.0.');
  });

  it('migrates a deprecated plugin only when asked to, and always once it is removed', () => {
    const proxy = '.:53 {\n    kubernetes cluster.local\n    proxy . /etc/resolv.conf {\n        fail_timeout 10s\n    }\n    loop\n    ready\n}\n';
    expect(migrateCorefile(proxy, '1.3.1', '1.4.0', { deprecations: false }).corefile).toContain('    proxy . /etc/resolv.conf {\n        fail_timeout 10s\n');
    expect(migrateCorefile(proxy, '1.3.1', '1.4.0', { deprecations: true }).corefile).toContain('    forward . /etc/resolv.conf\n');
    expect(migrateCorefile(proxy, '1.3.1', '1.5.0', { deprecations: false }).corefile).toContain('    forward . /etc/resolv.conf\n');
  });
});

describe('what stops a Corefile migration', () => {
  const failure = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return (error as Error).message;
    }
    throw new Error('expected the migration to fail');
  };

  it('an unknown or self-built CoreDNS version, or going back', () => {
    expect(failure(() => migrateCorefile(customised, 'v1.6.2-100', '1.14.2', { deprecations: false }))).toMatch(/installed CoreDNS version "v1.6.2-100"/);
    expect(failure(() => migrateCorefile(customised, '1.14.6', '1.14.2', { deprecations: false }))).toMatch(
      /cannot migrate the Corefile down from CoreDNS 1.14.6 to 1.14.2/,
    );
  });

  it('a block inside an option, or unbalanced braces, named by plugin and line', () => {
    const nested = '.:53 {\n    forward . 1.1.1.1 {\n        tls {\n            x\n        }\n    }\n}\n';
    expect(failure(() => migrateCorefile(nested, '1.13.1', '1.14.2', { deprecations: false }))).toMatch(
      /Corefile: line 3: option "tls" of plugin "forward" in server block ".:53" has a block of its own/,
    );
    expect(failure(() => parseCorefile('.:53 {\n    errors\n'))).toMatch(/1 block\(s\) are not closed/);
    expect(failure(() => parseCorefile('.:53\nerrors\n'))).toMatch(/server block ".:53" has no "\{"/);
  });

  it('a stub-zone forward in a server block the 1.4.0 split cannot move, named with the release', () => {
    const other = 'example.org:53 {\n    proxy sub.example.org 1.2.3.4\n}\n';
    expect(failure(() => migrateCorefile(other, '1.3.1', '1.4.0', { deprecations: true }))).toMatch(
      /cannot be migrated to CoreDNS 1.4.0: server block "example.org:53"/,
    );
  });
});

describe('Corefile text', () => {
  it('prints an empty server block with its braces, so it reads back the same', () => {
    const text = 'example.org:53 {\n}\n\n.:53 {\n    errors\n}\n';
    expect(printCorefile(parseCorefile(text))).toBe(text);
  });

  it('keeps quoted words and reports dropped comments', () => {
    const text = '.:53 {\n    # cluster DNS\n    template IN TXT {\n        answer "{{ .Name }} 60 IN TXT \\"hi\\""\n    }\n}\n';
    expect(printCorefile(parseCorefile(text))).toBe('.:53 {\n    template IN TXT {\n        answer "{{ .Name }} 60 IN TXT \\"hi\\""\n    }\n}\n');
    expect(migrateCorefile(text, '1.13.1', '1.14.2', { deprecations: false }).notes).toEqual([
      'Comments in the Corefile are not kept by the migration (the old text stays in Corefile-backup).',
    ]);
  });
});
