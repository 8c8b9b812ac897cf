/**
 * Default Corefiles: kubeadm's for each Kubernetes minor (the library's `defaultConf` templates) and bosun's own
 * (src/addons/coredns.ts), so an upgrade can tell a Corefile nobody changed (replaced by the new default) from a
 * customised one (migrated). Templates match order-insensitively: server blocks, plugins and options in any order,
 * arguments in order; `*` stands for one argument, `***` for all the rest.
 */
import { corefile as bosunCorefile } from '../coredns.js';
import { parseCorefile, type Corefile } from './corefile.js';
import { RELEASES, releaseIndex, releasePosition } from './releases.js';

interface KubeadmDefault {
  lameduck?: boolean;
  ready?: boolean;
  upstream?: boolean;
  ttl?: boolean;
  proxy?: boolean;
  maxConcurrent?: boolean;
  loopAndLoadbalance?: boolean;
}

function kubeadmTemplate(d: KubeadmDefault): string {
  const forward = d.proxy ? '    proxy . *' : d.maxConcurrent ? '    forward . * {\n        max_concurrent 1000\n    }' : '    forward . *';
  const lines = [
    '.:53 {',
    '    errors',
    d.lameduck ? '    health {\n        lameduck 5s\n    }' : '    health',
    d.ready && '    ready',
    '    kubernetes * *** {',
    '        pods insecure',
    d.upstream && '        upstream',
    '        fallthrough in-addr.arpa ip6.arpa',
    d.ttl && '        ttl 30',
    '    }',
    '    prometheus :9153',
    forward,
    '    cache 30',
    d.loopAndLoadbalance && '    loop',
    '    reload',
    d.loopAndLoadbalance && '    loadbalance',
    '}',
  ];
  return lines.filter(Boolean).join('\n');
}

const K8S_1_13 = { upstream: true, proxy: true, loopAndLoadbalance: true };
const K8S_1_17 = { lameduck: true, ready: true, ttl: true, loopAndLoadbalance: true };

/**
 * The templates by the release whose kubeadm first wrote them. bosun's (kubeadm's too since k/k#128359, v1.32 or
 * v1.33: `cache` with `disable success|denial <domain>`) counts from 1.11.3, the earlier of the two.
 */
const TEMPLATES = (
  [
    ['1.1.3', kubeadmTemplate({ upstream: true, proxy: true })],
    ['1.2.2', kubeadmTemplate(K8S_1_13)],
    ['1.3.1', kubeadmTemplate({ ...K8S_1_13, proxy: false, ttl: true })],
    ['1.6.2', kubeadmTemplate({ ready: true, ttl: true, loopAndLoadbalance: true })],
    ['1.6.5', kubeadmTemplate(K8S_1_17)],
    ['1.7.0', kubeadmTemplate({ ...K8S_1_17, maxConcurrent: true })],
    ['1.11.3', bosunCorefile('*')],
  ] as const
).map(([since, template]) => ({ since: releaseIndex(since, 'a default'), template: parseCorefile(template) }));

/** Whether a line's words (server keys; plugin or option name and arguments) fit a template line's. */
export function wordsMatch(words: readonly string[], template: readonly string[]): boolean {
  for (const [i, word] of template.entries()) {
    if (word === '***') return true;
    if (word !== '*' && word !== words[i]) return false;
  }
  return words.length === template.length;
}

/** Every item of `items` fits one of `template`'s, with as many on each side. */
function sameShape<T>(items: T[], template: T[], fits: (item: T, templateItem: T) => boolean): boolean {
  return items.length === template.length && items.every((item) => template.some((t) => fits(item, t)));
}

function matchesTemplate(corefile: Corefile, template: Corefile): boolean {
  return sameShape(corefile.servers, template.servers, (server, t) => {
    if (!wordsMatch(server.keys, t.keys)) return false;
    return sameShape(server.plugins, t.plugins, (plugin, tp) => {
      if (!wordsMatch([plugin.name, ...plugin.args], [tp.name, ...tp.args])) return false;
      return sameShape(plugin.options, tp.options, (o, to) => wordsMatch([o.name, ...o.args], [to.name, ...to.args]));
    });
  });
}

/**
 * Whether `text` is a default Corefile of CoreDNS `version` or an earlier release: what kubeadm or bosun wrote and
 * nobody changed, for any cluster domain. Without a version, or with one the table does not know (a self-built
 * image, whose default Corefile can still simply be replaced), every default counts. A Corefile that does not parse
 * is no default.
 */
export function isDefaultCorefile(text: string, version?: string): boolean {
  let corefile: Corefile;
  try {
    corefile = parseCorefile(text);
  } catch {
    return false;
  }
  const newest = (version === undefined ? undefined : releasePosition(version)) ?? RELEASES.length - 1;
  return TEMPLATES.some(({ since, template }) => since <= newest && matchesTemplate(corefile, template));
}

/** The Corefile bosun writes for CoreDNS `version` (one it knows) and the cluster's DNS domain: its default. */
export function defaultCorefile(version: string, dnsDomain: string): string {
  releaseIndex(version, 'the target');
  return bosunCorefile(dnsDomain);
}
