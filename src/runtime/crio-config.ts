/** CRI-O's cgroup driver: a drop-in under /etc/crio/crio.conf.d, and the driver its files select. */
import { UserError } from '../errors.js';
import type { CgroupDriver } from './endpoints.js';
import { CRIO_DROP_IN_DIR } from './paths.js';
import { emitToml, parseToml, tomlValue } from './toml.js';

/** bosun's drop-in: CRI-O reads crio.conf, then its drop-ins in lexical order, so later files still win over this one. */
export const CRIO_CGROUP_DROP_IN = `${CRIO_DROP_IN_DIR}/02-cgroup-manager.conf`;
/** CRI-O's own default. */
const CRIO_DEFAULT_DRIVER: CgroupDriver = 'systemd';

/**
 * `[crio.runtime]` with the driver. conmon must run in the pod's cgroup under cgroupfs ("pod" is the only value CRI-O
 * accepts there) and may under systemd, so "pod" is written for both: a `conmon_cgroup` of a systemd slice left in an
 * earlier file would stop CRI-O after a move to cgroupfs.
 */
export function renderCrioCgroupDropIn(driver: CgroupDriver): string {
  return emitToml({ crio: { runtime: { cgroup_manager: driver, conmon_cgroup: 'pod' } } });
}

/** The driver CRI-O's files select and the file that said it (none: CRI-O's default). */
export function crioCgroupSetting(texts: string[], files: string[] = []): { driver: CgroupDriver; file?: string } {
  let setting: { driver: CgroupDriver; file?: string } = { driver: CRIO_DEFAULT_DRIVER };
  for (const [i, text] of texts.entries()) {
    const file = files[i] ?? `CRI-O configuration file ${i + 1}`;
    const value = tomlValue(parseToml(text, file), ['crio', 'runtime', 'cgroup_manager']);
    if (value === undefined) continue;
    if (value !== 'systemd' && value !== 'cgroupfs')
      throw new UserError({
        what: `cgroup_manager = ${JSON.stringify(value)}`,
        where: { file, field: 'crio.runtime.cgroup_manager' },
        expected: '"systemd" or "cgroupfs"',
      });
    setting = { driver: value, file };
  }
  return setting;
}

/** The driver CRI-O runs with: the last `[crio.runtime] cgroup_manager` in `texts` (crio.conf, then the drop-ins in CRI-O's order). */
export function crioCgroupDriver(texts: string[], files: string[] = []): CgroupDriver {
  return crioCgroupSetting(texts, files).driver;
}
