/**
 * What the kubelet stand-in needs of a node's machine, whatever its OS: where its kubelet files are (its
 * layout), its boot (a Linux machine's enabled runtime units, a Windows machine's Automatic services), whether its
 * kubelet service is to run, and which runtime serves a CRI endpoint there.
 */
import { kubeletLayout, LINUX_LAYOUT, type KubeletLayout } from './kubelet-layout.js';
import { RUNTIME_UNITS } from './node-runtime.js';
import type { RuntimeUnits, Serving } from './node-units.js';
import type { WindowsServices } from './windows/services.js';

export class KubeletMachines {
  private readonly layouts = new Map<string, KubeletLayout>();
  private windows?: WindowsServices;

  constructor(
    private readonly rootfs: (node: string) => string,
    private readonly units: RuntimeUnits,
  ) {}

  /** The Windows machines' services (made after the kubelet service they start). */
  useWindows(windows: WindowsServices): void {
    this.windows = windows;
  }

  async layout(node: string): Promise<KubeletLayout> {
    if (!this.layouts.has(node)) this.layouts.set(node, await kubeletLayout(this.rootfs(node)));
    return this.layouts.get(node)!;
  }

  /** The layout last read (Linux before the first read). */
  knownLayout(node: string): KubeletLayout {
    return this.layouts.get(node) ?? LINUX_LAYOUT;
  }

  /** The machine's boot (once per agent); resolves whether its kubelet service is to run now. */
  async boot(node: string): Promise<boolean> {
    if ((await this.layout(node)).os === 'linux') {
      await this.units.boot(node, [...new Set(Object.values(RUNTIME_UNITS).flat())]);
      return true;
    }
    await this.windowsServices().boot(node);
    return this.kubeletWanted(node);
  }

  /** Whether the kubelet service is to run: always on Linux (its package enables it), when the SCM was asked to on Windows. */
  async kubeletWanted(node: string): Promise<boolean> {
    return (await this.layout(node)).os === 'linux' || this.windowsServices().kubeletWanted(node);
  }

  /** The runtime serving a CRI endpoint on the node: its runtime units, or a Windows machine's containerd. */
  serving(node: string, endpoint: string): Serving {
    return this.knownLayout(node).os === 'windows' ? this.windowsServices().serving(node, endpoint) : this.units.serving(node, endpoint);
  }

  private windowsServices(): WindowsServices {
    if (!this.windows) throw new Error('the node agent plays no Windows services');
    return this.windows;
  }
}
