/**
 * isWindowsExecutable on hand-made PE images: the headers a Windows loader checks, field by field, and the section
 * data a truncated copy lacks. Real cross-built binaries are checked end to end (test/e2e/windows-binaries.test.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWindowsExecutable } from '../../../src/sandbox/windows-binaries.js';
import { tempDir } from '../../support/temp.js';

const PE_OFFSET = 0x80;
const OPTIONAL_HEADER_SIZE = 240;
const SECTION_DATA = 0x200;

/** A PE image with one 0x200-byte section, its fields as a Windows x86-64 executable has them unless overridden. */
function peImage(fields: { machine?: number; magic?: number; signature?: string; sectionSize?: number } = {}): Buffer {
  const image = Buffer.alloc(SECTION_DATA + 0x200);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(PE_OFFSET, 0x3c);
  image.write(fields.signature ?? 'PE\0\0', PE_OFFSET, 'latin1');
  image.writeUInt16LE(fields.machine ?? 0x8664, PE_OFFSET + 4);
  image.writeUInt16LE(1, PE_OFFSET + 6); // one section
  image.writeUInt16LE(OPTIONAL_HEADER_SIZE, PE_OFFSET + 20);
  image.writeUInt16LE(fields.magic ?? 0x20b, PE_OFFSET + 24);
  const section = PE_OFFSET + 24 + OPTIONAL_HEADER_SIZE;
  image.write('.text', section, 'latin1');
  image.writeUInt32LE(fields.sectionSize ?? 0x200, section + 16);
  image.writeUInt32LE(SECTION_DATA, section + 20);
  return image;
}

const dir = tempDir('bosun-pe-');
const fileOf = (name: string, bytes: Buffer): string => {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

describe('isWindowsExecutable', () => {
  it('takes a whole PE32+ image for x86-64', async () => {
    expect(await isWindowsExecutable(fileOf('whole.exe', peImage()))).toBe(true);
  });

  it.each([
    ['an i386 image', peImage({ machine: 0x14c }), 'i386.exe'],
    ['an arm64 image', peImage({ machine: 0xaa64 }), 'arm64.exe'],
    ['a PE32 (32-bit) optional header', peImage({ magic: 0x10b }), 'pe32.exe'],
    ['no PE signature where e_lfanew points', peImage({ signature: 'NE\0\0' }), 'ne.exe'],
    ['a section reaching past the end of the file', peImage({ sectionSize: 0x400 }), 'long-section.exe'],
    ['a copy cut inside its section', peImage().subarray(0, SECTION_DATA + 0x100), 'cut-section.exe'],
    ['a copy cut inside its headers', peImage().subarray(0, PE_OFFSET + 10), 'cut-headers.exe'],
    ['an ELF header', Buffer.from('\x7fELF\x02\x01\x01\0', 'latin1'), 'elf'],
    ['an empty file', Buffer.alloc(0), 'empty.exe'],
  ])('refuses %s', async (_, bytes, name) => {
    expect(await isWindowsExecutable(fileOf(name, bytes))).toBe(false);
  });

  it('refuses a file that is not there', async () => {
    expect(await isWindowsExecutable(path.join(dir, 'missing.exe'))).toBe(false);
  });
});
