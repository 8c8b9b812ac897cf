// corefile-migration's published cases for notices, default detection, version checks and template matching:
// coredns/corefile-migration migration/migrate_test.go at commit 85568d9cf3cb0354cc783ca6c908967a7a807399
// (TestDeprecated, TestUnsupported, TestDefault, TestValidUpMigration, TestMatchOption) and
// migration/corefile/corefile_test.go at commit 7ed47d77186848b9a61d9bdaa34200cf2f25ab51 (TestCorefile,
// TestServer_FindMatch, TestPlugin_FindMatch; TestOption_FindMatch uses the same matching).
import { describe, expect, it } from 'vitest';
import { parseCorefile, printCorefile } from '../../../src/addons/corefile-migration/corefile.js';
import { isDefaultCorefile, wordsMatch } from '../../../src/addons/corefile-migration/defaults.js';
import { deprecatedNotices, describeNotice, unsupportedPlugins, validUpMigration } from '../../../src/addons/corefile-migration/notices.js';
import { optionRule } from '../../../src/addons/corefile-migration/rules.js';

const body = (kubernetesOptions: string, forward: string, extra = '') => `.:53 {
    errors
    health
${extra}    kubernetes cluster.local in-addr.arpa ip6.arpa {
${kubernetesOptions}
    }
    prometheus :9153
    ${forward}
    cache 30
    loop
    reload
    loadbalance
}
`;
const upstream = '        pods insecure\n        upstream\n        fallthrough in-addr.arpa ip6.arpa';

describe('Corefile notices (corefile-migration TestDeprecated, TestUnsupported)', () => {
  const proxyCorefile = body(upstream, 'proxy . /etc/resolv.conf');

  it('TestDeprecated: deprecations, removals and new defaults from 1.2.0 to 1.5.0, in order; none when staying', () => {
    expect(deprecatedNotices(proxyCorefile, '1.2.0', '1.5.0').map(describeNotice)).toEqual([
      'Option "upstream" in plugin "kubernetes" is deprecated in 1.4.0.',
      'Plugin "proxy" is deprecated in 1.4.0. It is replaced by "forward".',
      'Option "upstream" in plugin "kubernetes" is ignored in 1.5.0.',
      'Plugin "proxy" is removed in 1.5.0. It is replaced by "forward".',
      'Plugin "ready" is added as a default in 1.5.0.',
    ]);
    expect(deprecatedNotices(proxyCorefile, '1.3.1', '1.3.1')).toEqual([]);
  });

  it('TestUnsupported: a plugin the table does not know, named with each release', () => {
    const corefile = `.:53 {
    errors {
        consolidate
    }
    health {
        lameduck
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
${upstream}
    }
    route53 example.org.:Z1Z2Z3Z4DZ5Z6Z7
    prometheus :9153
    proxy . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`;
    expect(unsupportedPlugins(corefile, '1.3.1', '1.5.0').map(describeNotice)).toEqual([
      'Plugin "route53" is unsupported by this migration tool in 1.4.0.',
      'Plugin "route53" is unsupported by this migration tool in 1.5.0.',
    ]);
    expect(unsupportedPlugins(corefile, '1.3.1', '1.3.1').map(describeNotice)).toEqual(['Plugin "route53" is unsupported by this migration tool in 1.3.1.']);
  });

  it('TestMatchOption: options match by name or by pattern', () => {
    const rule = { options: { 'named-option': {} }, patternOptions: [[/pattern-option-[A-Z]+[0-9]+/, {}]] as const };
    expect(optionRule(rule, 'named-option')).toBeDefined();
    expect(optionRule(rule, 'qwerty')).toBeUndefined();
    expect(optionRule(rule, 'pattern-option-A10')).toBeDefined();
    expect(optionRule(rule, 'pattern-option-a10')).toBeUndefined();
  });
});

describe('Default Corefiles (corefile-migration TestDefault)', () => {
  const withTtl = `${upstream}\n        ttl 30`;

  it('knows kubeadm defaults for any cluster domain', () => {
    expect(isDefaultCorefile(body(withTtl, 'forward . /etc/resolv.conf'))).toBe(true);
    expect(isDefaultCorefile(body(withTtl, 'forward . /etc/resolv.conf').replace('cluster.local', 'myzone.org'))).toBe(true);
  });

  it('does not take a customised Corefile for a default', () => {
    expect(isDefaultCorefile(body(upstream, 'forward . /etc/resolv.conf', '    rewrite name suffix myzone.org cluster.local\n'))).toBe(false);
    expect(isDefaultCorefile(`${body(upstream, 'forward . /etc/resolv.conf')}stubzone.org:53 {\n    forward . 1.2.3.4\n}\n`)).toBe(false);
  });
});

describe('Versions a migration can go between (corefile-migration TestValidUpMigration)', () => {
  it.each([
    ['1.3.1', '1.3.1', false],
    ['1.3.1', '1.5.0', false],
    ['1.5.0', '1.3.1', true],
    ['banana', '1.5.0', true],
    ['1.3.1', 'apple', true],
    ['banana', 'apple', true],
  ])('%s → %s fails: %s', (from, to, fails) => {
    if (fails) expect(() => validUpMigration(from, to)).toThrow();
    else expect(() => validUpMigration(from, to)).not.toThrow();
  });
});

describe('Corefile parsing and matching (corefile-migration corefile_test.go)', () => {
  it('TestCorefile: prints a parsed Corefile back as it was', () => {
    const corefile = `${body(upstream, 'proxy . /etc/resolv.conf').replace('    errors\n', '    error\n')}\n.:5353 {\n    proxy . /etc/resolv.conf\n}\n`;
    expect(printCorefile(parseCorefile(corefile))).toBe(corefile);
  });

  it('TestServer_FindMatch: server keys against templates with * and ***', () => {
    const templates = [['.:53'], ['abc:53', '*'], ['xyz:53', '***']];
    const matches = (keys: string[]) => templates.some((t) => wordsMatch(keys, t));
    expect([['.:53'], ['abc:53', 'blah'], ['xyz:53'], ['xyz:53', 'blah', 'blah']].every(matches)).toBe(true);
    expect([['.:54'], ['abc:53'], ['abc:53', 'blah', 'blah']].some(matches)).toBe(false);
  });

  it('TestPlugin_FindMatch: plugin name and arguments against templates', () => {
    const templates = [['plugin1'], ['plugin2', '1', '*', '2'], ['plugin3', '1', '***']];
    const matches = (words: string[]) => templates.some((t) => wordsMatch(words, t));
    expect([['plugin1'], ['plugin2', '1', '1.5', '2'], ['plugin3', '1', '2', '3', '4']].every(matches)).toBe(true);
    expect([['plugin1', 'a'], ['plugin2', '1', '1.5', 'b'], ['plugin3', 'a', '2', '3', '4'], ['plugin4']].some(matches)).toBe(false);
  });
});
