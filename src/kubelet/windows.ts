/**
 * The kubelet configuration of a Windows node: Windows has no cgroups and no resolv.conf, so the kubelet runs without
 * QoS cgroups, without node allocatable enforcement and with an empty resolv.conf, as the sig-windows guides start it
 * (their StartKubelet.ps1 passes the same as flags). Set in config.yaml, not as flags: there an explicit empty list
 * keeps the kubelet's default (`pods`) from applying.
 */
import type { KubeletConfiguration } from '../config/types.js';

export const windowsKubeletConfiguration = (node: KubeletConfiguration): KubeletConfiguration => ({
  ...node,
  cgroupsPerQOS: false,
  enforceNodeAllocatable: [],
  resolvConf: '',
});
