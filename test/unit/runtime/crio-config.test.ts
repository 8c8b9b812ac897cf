import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { CRIO_CGROUP_DROP_IN, crioCgroupDriver, crioCgroupSetting, renderCrioCgroupDropIn } from '../../../src/runtime/crio-config.js';

describe("CRI-O's cgroup drop-in", () => {
  it('is a crio.conf.d drop-in with cgroup_manager and conmon in the pod cgroup (required under cgroupfs)', () => {
    expect(CRIO_CGROUP_DROP_IN).toBe('/etc/crio/crio.conf.d/02-cgroup-manager.conf');
    expect(parse(renderCrioCgroupDropIn('cgroupfs'))).toEqual({ crio: { runtime: { cgroup_manager: 'cgroupfs', conmon_cgroup: 'pod' } } });
    expect(parse(renderCrioCgroupDropIn('systemd'))).toEqual({ crio: { runtime: { cgroup_manager: 'systemd', conmon_cgroup: 'pod' } } });
    expect(renderCrioCgroupDropIn('systemd')).toBe(renderCrioCgroupDropIn('systemd'));
  });

  it('reads back as the driver it sets', () => {
    expect(crioCgroupDriver([renderCrioCgroupDropIn('cgroupfs')])).toBe('cgroupfs');
    expect(crioCgroupDriver([renderCrioCgroupDropIn('systemd')])).toBe('systemd');
  });
});

describe("the driver CRI-O's files select", () => {
  const conf = '[crio]\nlog_dir = "/var/log/crio/pods"\n[crio.runtime]\ncgroup_manager = "cgroupfs"\nconmon_cgroup = "pod"\n';

  it("is CRI-O's default, systemd, when no file sets it", () => {
    expect(crioCgroupDriver([])).toBe('systemd');
    expect(crioCgroupSetting(['[crio.image]\npause_image = "p"\n'], ['/etc/crio/crio.conf'])).toEqual({ driver: 'systemd' });
  });

  it('is the last file that sets it: crio.conf, then the drop-ins in order; a drop-in without it changes nothing', () => {
    const files = ['/etc/crio/crio.conf', '/etc/crio/crio.conf.d/01-x.conf', '/etc/crio/crio.conf.d/02-cgroup-manager.conf', '/etc/crio/crio.conf.d/10-y.conf'];
    const texts = [
      conf,
      '[crio.runtime]\ncgroup_manager = "systemd"\n',
      renderCrioCgroupDropIn('cgroupfs'),
      '[crio.api]\nlisten = "/var/run/crio/crio.sock"\n',
    ];
    expect(crioCgroupSetting(texts, files)).toEqual({ driver: 'cgroupfs', file: files[2] });
    expect(crioCgroupSetting(texts.slice(0, 2), files)).toEqual({ driver: 'systemd', file: files[1] });
  });

  it('names the file of a bad value or bad TOML', () => {
    expect(() => crioCgroupDriver(['[crio.runtime]\ncgroup_manager = "none"\n'], ['/etc/crio/crio.conf'])).toThrow(
      /^\/etc\/crio\/crio\.conf: crio\.runtime\.cgroup_manager: .*expected "systemd" or "cgroupfs"/,
    );
    expect(() => crioCgroupDriver([conf, '[crio.runtime\n'], ['/etc/crio/crio.conf', '/etc/crio/crio.conf.d/5.conf'])).toThrow(
      /^\/etc\/crio\/crio\.conf\.d\/5\.conf: not valid TOML at line 1/,
    );
  });
});
