/**
 * What a CoreDNS version change does to the Corefile (kubeadm's `upgrade apply` rules, `phases/addons/dns/dns.go`):
 * none or a default one is replaced by the new default; a customised one is migrated release by release, and
 * kept as it is when the migration changes nothing or when the operator skips the migration.
 */
import { UserError } from '../../errors.js';
import { parseCorefile, printCorefile } from '../corefile-migration/corefile.js';
import { isDefaultCorefile } from '../corefile-migration/defaults.js';
import { migrateCorefile } from '../corefile-migration/migrate.js';
import { COREDNS, corefile as defaultCorefile } from '../coredns.js';

const CONFIGMAP = `ConfigMap ${COREDNS.namespace}/${COREDNS.name}`;

/**
 * The release an image tag is: `v1.14.2` and a self-built `v1.6.2-100` (k/k#84326) or `1.6.2+fix` read as the
 * release they were built from; undefined for a tag that names no release (`latest`, a digest).
 */
export function coreDNSRelease(tag: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+)(?:[-+.].*)?$/.exec(tag.trim())?.[1];
}

export interface MigrationResult {
  corefile: string;
  /** The migration changed what CoreDNS reads (not just its layout). */
  changed: boolean;
  /** The library's notices, one line each (removed, deprecated, new defaults, lost comments). */
  notices: string[];
}

/**
 * `migrateCorefile` between two image tags. A migration that only reformats (the printer's layout) counts as no
 * change: the operator's text, comments and all, stays.
 */
export function migrateBetween(text: string, fromTag: string, toTag: string): MigrationResult {
  const migrated = migrateCorefile(text, coreDNSRelease(fromTag) ?? fromTag, coreDNSRelease(toTag) ?? toTag, { deprecations: false });
  const changed = migrated.corefile !== printCorefile(parseCorefile(text));
  return { corefile: changed ? migrated.corefile : text, changed, notices: migrated.notes };
}

export interface CorefileUpgradeInput {
  /** The ConfigMap's Corefile now (undefined: no ConfigMap or no such key). */
  text: string | undefined;
  /** Image tags of the CoreDNS running and of the one being installed. */
  from: string;
  to: string;
  dnsDomain: string;
  skipMigration?: boolean;
}

export interface CorefileUpgrade {
  corefile: string;
  /** The previous text when a migration changed it: kept as `Corefile-backup` and mounted by the old pods. */
  backup?: string;
  /** What happens to the Corefile, one line each: `kept`, `default Corefile: replaced`, or `migrated` and the notices. */
  lines: string[];
  warnings: string[];
}

function migrated(input: CorefileUpgradeInput, text: string): CorefileUpgrade {
  const { from, to } = input;
  if (input.skipMigration) {
    return {
      corefile: text,
      lines: ['kept (Corefile migration skipped)'],
      warnings: [
        `${CONFIGMAP}: the Corefile migration from CoreDNS ${from} to ${to} is skipped: the Corefile is kept as it is; check that CoreDNS ${to} takes it`,
      ],
    };
  }
  let result: MigrationResult;
  try {
    result = migrateBetween(text, from, to);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError({
      what: `the Corefile cannot be migrated from CoreDNS ${from} to ${to}: ${err.message}`,
      where: { object: CONFIGMAP, field: 'data.Corefile' },
      expected: `a Corefile the migration can carry to CoreDNS ${to}, or the migration skipped to keep it as it is (bosun upgrade apply --ignore-preflight-errors=CoreDNSMigration, or the addon setting skipCorefileMigration)`,
      cause: err,
    });
  }
  if (!result.changed) return { corefile: text, lines: ['kept (nothing to migrate)', ...result.notices], warnings: [] };
  return { corefile: result.corefile, backup: text, lines: ['migrated', ...result.notices], warnings: [] };
}

/** The Corefile for CoreDNS `to`, given the one CoreDNS `from` runs. A Corefile that cannot be migrated is an error. */
export function upgradeCorefile(input: CorefileUpgradeInput): CorefileUpgrade {
  const { text, from, to, dnsDomain } = input;
  const fresh = defaultCorefile(dnsDomain);
  if (text === undefined || text.trim() === '') return { corefile: fresh, lines: ['none: the default Corefile is written'], warnings: [] };
  const [fromRelease, toRelease] = [coreDNSRelease(from), coreDNSRelease(to)];
  if (from === to || (fromRelease !== undefined && fromRelease === toRelease)) return { corefile: text, lines: ['kept'], warnings: [] };
  if (isDefaultCorefile(text, fromRelease)) {
    return { corefile: fresh, lines: [fresh === text ? 'default Corefile: kept (already the new default)' : 'default Corefile: replaced'], warnings: [] };
  }
  return migrated(input, text);
}
