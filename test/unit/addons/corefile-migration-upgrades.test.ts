// corefile-migration's published TestMigrate cases (coredns/corefile-migration, migration/migrate_test.go at
// commit 85568d9cf3cb0354cc783ca6c908967a7a807399, func TestMigrate): each case's name is the library's.
import { describe, expect, it } from 'vitest';
import { migrateCorefile } from '../../../src/addons/corefile-migration/migrate.js';

const cases = [
  {
    name: 'Add lameduck option to health plugin',
    from: '1.6.2',
    to: '1.6.6',
    start: `.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`,
    expected: `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`,
  },
  {
    name: 'Handle Kubernetes plugin deprecations',
    from: '1.4.0',
    to: '1.6.5',
    start: `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        resyncperiod 60s
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`,
    expected: `.:53 {
    errors
    health {
        lameduck 5s
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    ready
}
`,
  },
  {
    name: 'Remove invalid proxy option',
    from: '1.1.3',
    to: '1.2.6',
    start: `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        endpoint thing1 thing2
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy example.org 1.2.3.4:53 {
        protocol https_google
    }
    cache 30
    loop
    reload
    loadbalance
}
`,
    expected: `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        endpoint thing1 thing2
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy example.org 1.2.3.4:53
    cache 30
    loop
    reload
    loadbalance
}
`,
  },
  {
    name: 'Migrate from proxy to forward and handle Kubernetes deprecations',
    from: '1.3.1',
    to: '1.5.2',
    start: `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        endpoint thing1 thing2
        pods insecure
        upstream
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    proxy . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`,
    expected: `.:53 {
    errors
    health
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        endpoint thing1
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    ready
}
`,
  },
];

describe('Corefile migration: corefile-migration TestMigrate (health, kubernetes, proxy → forward)', () => {
  it.each(cases)('$name ($from → $to)', ({ from, to, start, expected }) => {
    expect(migrateCorefile(start, from, to, { deprecations: true }).corefile).toBe(expected);
  });
});
