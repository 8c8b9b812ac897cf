/** The version a container runtime's binary reports, as the kubelet shows it after `<runtime>://` on the Node. */

/**
 * From `--version` output: containerd's third word (`containerd github.com/containerd/containerd/v2 2.1.4 <revision>`,
 * Debian's `… 1.6.20~ds1 1.6.20~ds1-1+deb12u3`), dockerd's after `version` (`Docker version 20.10.24+dfsg1, build …`),
 * CRI-O's (`crio version 1.30.0`, or the `Version:` line of newer releases). Undefined for anything else.
 */
export function runtimeVersionOf(output: string): string | undefined {
  const patterns = [/^containerd \S+ v?(\S+)/m, /^Docker version v?([^,\s]+)/m, /^(?:crio version|Version:)\s+v?(\S+)/im];
  for (const pattern of patterns) {
    const version = pattern.exec(output)?.[1];
    if (version !== undefined) return version;
  }
  return undefined;
}
