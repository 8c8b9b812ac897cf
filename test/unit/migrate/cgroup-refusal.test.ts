/** Which nodes `migrate cgroup-driver` refuses before anything changes, from what their files say. */
import { describe, expect, it } from 'vitest';
import { cgroupRefusal } from '../../../src/commands/migrate/cgroup-driver.js';
import type { NodeRuntimeFacts } from '../../../src/node/runtime-facts.js';

const containerd = (more: Partial<NodeRuntimeFacts> = {}): NodeRuntimeFacts =>
  ({
    runtime: 'containerd',
    kubeletCgroupDriver: 'cgroupfs',
    kubeletCgroupDriverFrom: '/var/lib/kubelet/config.yaml',
    runtimeCgroupDriver: 'cgroupfs',
    runtimeCgroupDriverFrom: '/etc/containerd/config.toml',
    containerdImports: [],
    problems: [],
    ...more,
  }) as NodeRuntimeFacts;

describe('cgroupRefusal', () => {
  it('lets a containerd node whose driver config.toml sets move either way', () => {
    expect(cgroupRefusal(containerd(), true, 'systemd')).toBeUndefined();
    expect(cgroupRefusal(containerd(), false, 'cgroupfs')).toBeUndefined();
  });

  it('refuses a node without systemd a move to systemd', () => {
    expect(cgroupRefusal(containerd(), false, 'systemd')).toMatch(/no systemd \(\/run\/systemd\/system is missing\)/);
  });

  it('refuses a node whose runtime bosun cannot read', () => {
    expect(cgroupRefusal(containerd({ runtime: 'docker' }), true, 'systemd')).toMatch(/containerd and CRI-O nodes only/);
    expect(cgroupRefusal(containerd({ runtimeCgroupDriver: undefined, problems: ['/etc/containerd/config.toml: line 2'] }), true, 'systemd')).toMatch(
      /cannot read its runtime's cgroup driver \(runtime containerd: \/etc\/containerd\/config.toml: line 2\)/,
    );
  });

  it('refuses a node whose containerd driver is set in a file config.toml imports, which would win over what bosun writes', () => {
    const dropIn = '/etc/containerd/conf.d/10-cgroup.toml';
    expect(cgroupRefusal(containerd({ runtimeCgroupDriverFrom: dropIn, containerdImports: [dropIn] }), true, 'systemd')).toBe(
      `its containerd cgroup driver is set in ${dropIn}, which /etc/containerd/config.toml imports and which wins over it: move SystemdCgroup into /etc/containerd/config.toml first`,
    );
    // An import that does not set the driver is no reason.
    expect(cgroupRefusal(containerd({ containerdImports: [dropIn] }), true, 'systemd')).toBeUndefined();
  });
});
