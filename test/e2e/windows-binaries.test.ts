/**
 * The Windows machines' binaries in the cache, for real: kubelet.exe and kube-log-runner.exe of every pinned
 * Kubernetes release and containerd.exe of the pinned containerd are whole PE32+ x86-64 executables (as binutils'
 * objdump, a PE reader of its own, sees them too) of a plausible size, stamped with their release; a Linux ELF or
 * a truncated copy of kubelet.exe is not taken for one.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateBinary } from '../../src/sandbox/binaries.js';
import {
  CONTAINERD_WINDOWS,
  cachedWindowsBinary,
  isWindowsExecutable,
  kubernetesWindowsArtifact,
  windowsBinaryVersion,
  type WindowsBinaryName,
} from '../../src/sandbox/windows-binaries.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../src/versions/pinned.js';
import { tempDir } from '../support/temp.js';

const MiB = 1024 * 1024;

/** Each binary at each release, with the size range a real build of it falls in. */
const BINARIES: Array<{ name: WindowsBinaryName; version: string; minMiB: number; maxMiB: number }> = [
  ...PINNED_KUBERNETES_VERSIONS.flatMap((version) => [
    { name: 'kubelet.exe' as const, version, minMiB: 30, maxMiB: 250 },
    { name: 'kube-log-runner.exe' as const, version, minMiB: 1, maxMiB: 30 },
  ]),
  { name: 'containerd.exe', version: CONTAINERD_WINDOWS.version, minMiB: 20, maxMiB: 200 },
];

/** A Windows binary as the sandbox finds it in the cache (which `bosun sandbox binaries` fills), or an error saying so. */
async function cached(name: WindowsBinaryName, version: string): Promise<string> {
  const file = await locateBinary(name === 'containerd.exe' ? CONTAINERD_WINDOWS : kubernetesWindowsArtifact(version), name);
  if (!file) throw new Error(`${name} ${version} is not in the binaries cache: run \`bosun sandbox binaries --version all\` first`);
  return file;
}

/** What objdump (binutils) says a file is: its format and architecture lines. */
function objdumpHeader(file: string): string {
  return execFileSync('objdump', ['-f', file], { encoding: 'utf8' });
}

describe.each(BINARIES)('$name $version', ({ name, version, minMiB, maxMiB }) => {
  it('is a PE32+ x86-64 Windows executable of a plausible size, stamped with its release', async () => {
    const file = await cached(name, version);
    expect(await cachedWindowsBinary(name, version)).toBe(file);
    const size = statSync(file).size / MiB;
    expect(size).toBeGreaterThan(minMiB);
    expect(size).toBeLessThan(maxMiB);
    const header = readFileSync(file).subarray(0, 4096);
    expect(header.toString('latin1', 0, 2)).toBe('MZ');
    const pe = header.readUInt32LE(0x3c);
    expect(header.toString('latin1', pe, pe + 4)).toBe('PE\0\0');
    expect(header.readUInt16LE(pe + 4)).toBe(0x8664);
    expect(header.readUInt16LE(pe + 24)).toBe(0x20b);
    const objdump = objdumpHeader(file);
    expect(objdump).toContain('file format pei-x86-64');
    expect(objdump).toContain('architecture: i386:x86-64');
    expect(await isWindowsExecutable(file)).toBe(true);
    expect(await windowsBinaryVersion(file)).toBe(version);
  });
});

describe('what is not a Windows executable', () => {
  it('refuses a Linux ELF binary', async () => {
    const elf = process.execPath;
    const magic = Buffer.alloc(4);
    const fd = openSync(elf, 'r');
    readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
    expect(magic.toString('latin1')).toBe('\x7fELF');
    expect(await isWindowsExecutable(elf)).toBe(false);
    expect(await windowsBinaryVersion(elf)).toBeUndefined();
  });

  it('refuses a truncated kubelet.exe, cut inside its sections or inside its headers', async () => {
    const kubelet = await cached('kubelet.exe', PINNED_KUBERNETES_VERSIONS[0]);
    const dir = tempDir('bosun-windows-binaries-');
    const whole = readFileSync(kubelet);
    for (const bytes of [whole.length - 1, Math.floor(whole.length / 2), 4096, 200, 2]) {
      const cut = path.join(dir, `kubelet-${bytes}.exe`);
      writeFileSync(cut, whole.subarray(0, bytes));
      expect(await isWindowsExecutable(cut), `kubelet.exe cut to ${bytes} bytes`).toBe(false);
      expect(await windowsBinaryVersion(cut)).toBeUndefined();
    }
    const copy = path.join(dir, 'kubelet.exe');
    copyFileSync(kubelet, copy);
    expect(await isWindowsExecutable(copy)).toBe(true);
  });
});
