// corefile-migration's published TestMigrate cases (coredns/corefile-migration, migration/migrate_test.go at
// commit 85568d9cf3cb0354cc783ca6c908967a7a807399, func TestMigrate): each case's name is the library's.
import { describe, expect, it } from 'vitest';
import { migrateCorefile } from '../../../src/addons/corefile-migration/migrate.js';

const kubernetesWithUpstream = `    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }`;
const kubernetes = `    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }`;

const cases = [
  {
    name: 'add missing loop and ready plugins',
    from: '1.1.3',
    to: '1.5.0',
    start: `.:53 {\n    errors\n    health\n${kubernetesWithUpstream}\n    prometheus :9153\n    proxy . /etc/resolv.conf\n    cache 30\n    reload\n    loadbalance\n}\n`,
    expected: `.:53 {\n    errors\n    health\n${kubernetes}\n    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n    reload\n    loadbalance\n    loop\n    ready\n}\n`,
  },
  {
    name: 'handle multiple proxy plugins',
    from: '1.1.3',
    to: '1.5.0',
    start: `.:53 {
    errors
    health
${kubernetesWithUpstream}
    prometheus :9153
    proxy mystub-1.example.org 1.2.3.4
    proxy mystub-2.example.org 5.6.7.8
    proxy . /etc/resolv.conf
    cache 30
    reload
    loadbalance
}
`,
    expected: `.:53 {
    errors
    health
${kubernetes}
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    reload
    loadbalance
    loop
    ready
}

mystub-1.example.org {
    forward . 1.2.3.4
    loop
    errors
    cache 30
}

mystub-2.example.org {
    forward . 5.6.7.8
    loop
    errors
    cache 30
}
`,
  },
  {
    name: 'no-op same version migration',
    from: '1.3.1',
    to: '1.3.1',
    start: `.:53 {\n    errors\n    health\n${kubernetesWithUpstream}\n    prometheus :9153\n    proxy . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n`,
    expected: `.:53 {\n    errors\n    health\n${kubernetesWithUpstream}\n    prometheus :9153\n    proxy . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n`,
  },
  {
    name: 'handle supported non-default plugins (hosts)',
    from: '1.3.1',
    to: '1.6.6',
    start: `.:53 {
    errors
    health
    ready
    autopath {
        @kubernetes
    }
${kubernetes}
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    hosts {
        1.2.3.4 hello
        1:2:3::4 goodbye
        ttl 30
    }
}
`,
    expected: `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    autopath {
        @kubernetes
    }
${kubernetes}
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    hosts {
        1.2.3.4 hello
        1:2:3::4 goodbye
        ttl 30
    }
}
`,
  },
  {
    name: 'handle supported non-default plugins (rewrite)',
    from: '1.2.6',
    to: '1.5.0',
    start: `.:53 {
    errors
    health
    loop
${kubernetes}
    prometheus :9153
    proxy . /etc/resolv.conf
    cache 30
    reload
    loadbalance
    rewrite continue {
        ttl regex (.*)\\.coredns\\.rocks 15
    }
}
`,
    expected: `.:53 {
    errors
    health
    loop
${kubernetes}
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    reload
    loadbalance
    rewrite continue {
        ttl regex (.*)\\.coredns\\.rocks 15
    }
    ready
}
`,
  },
];

describe('Corefile migration: corefile-migration TestMigrate (new defaults, stub zones, other plugins)', () => {
  it.each(cases)('$name ($from → $to)', ({ from, to, start, expected }) => {
    expect(migrateCorefile(start, from, to, { deprecations: true }).corefile).toBe(expected);
  });
});
