import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  hashHostName,
  hostsFieldMatches,
  keyTypeOf,
  knownHostName,
  knownHostsLine,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/host/ssh/known-hosts.js';
import { tempDir } from '../../support/temp.js';

function keyPair(dir: string, name: string, type = 'ed25519'): { pub: string; blob: Buffer; file: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const pub = readFileSync(`${file}.pub`, 'utf8').trim();
  return { pub, blob: Buffer.from(pub.split(' ')[1], 'base64'), file };
}

const dir = tempDir('bosun-known-hosts-');
const ed = keyPair(dir, 'ed');
const ed2 = keyPair(dir, 'ed2');
const ecdsa = keyPair(dir, 'ecdsa', 'ecdsa');

describe('fingerprint', () => {
  it('is what ssh-keygen -l prints: SHA256 and unpadded base64', () => {
    for (const key of [ed, ecdsa]) {
      expect(fingerprint(key.blob)).toBe(execFileSync('ssh-keygen', ['-lf', `${key.file}.pub`], { encoding: 'utf8' }).split(' ')[1]);
      expect(fingerprint(key.blob)).not.toContain('=');
    }
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBeUndefined();
  });
});

describe('known_hosts names and patterns', () => {
  it('files port 22 under the bare host and others as [host]:port', () => {
    expect(knownHostName('10.0.0.1')).toBe('10.0.0.1');
    expect(knownHostName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('matches comma lists, wildcards and negations as ssh does', () => {
    expect(hostsFieldMatches('node-1,10.0.0.1', '10.0.0.1')).toBe(true);
    expect(hostsFieldMatches('NODE-1', 'node-1')).toBe(true);
    expect(hostsFieldMatches('10.0.0.*', '10.0.0.7')).toBe(true);
    expect(hostsFieldMatches('10.0.0.?', '10.0.0.17')).toBe(false);
    expect(hostsFieldMatches('10.0.0.*,!10.0.0.7', '10.0.0.7')).toBe(false);
    expect(hostsFieldMatches('10.0.0.1', '[10.0.0.1]:2222')).toBe(false);
    expect(hostsFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches('a.b', 'axb')).toBe(false);
  });

  it('matches hashed names, and hashes as ssh-keygen -H does (ssh-keygen -F finds ours)', () => {
    const hashed = hashHostName('[10.0.0.1]:2222');
    expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}=$/);
    expect(hostsFieldMatches(hashed, '[10.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches(hashed, '10.0.0.1')).toBe(false);
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `${hashed} ${ed.pub}\n`);
    expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.1]:2222', '-f', file], { encoding: 'utf8' })).toContain('found: line 1');
    writeFileSync(file, `node-9 ${ed.pub}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const theirs = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(theirs[0].hosts.startsWith('|1|')).toBe(true);
    expect(verifyHostKey(theirs, 'node-9', ed.blob)).toEqual({ kind: 'known' });
  });
});

describe('parseKnownHosts and verifyHostKey', () => {
  const text = [
    '# comment',
    '',
    `node-1,10.0.0.1 ${ed.pub}`,
    `[10.0.0.2]:2222 ${ecdsa.pub}`,
    'garbage line',
    `node-3 ssh-ed25519 ${ecdsa.pub.split(' ')[1]}`,
    `@cert-authority *.example ${ed2.pub}`,
    `@revoked * ${ed2.pub}`,
    `   node-4 ${ed2.pub} trailing comment`,
  ].join('\n');
  const entries = parseKnownHosts(text);

  it('keeps line numbers and markers, skipping comments, blanks, garbage and a type that does not match its key', () => {
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, 'node-1,10.0.0.1', 'ssh-ed25519'],
      [4, undefined, '[10.0.0.2]:2222', 'ecdsa-sha2-nistp256'],
      [7, '@cert-authority', '*.example', 'ssh-ed25519'],
      [8, '@revoked', '*', 'ssh-ed25519'],
      [9, undefined, 'node-4', 'ssh-ed25519'],
    ]);
  });

  it('knows, refuses as changed (naming the line), or does not know a key', () => {
    expect(verifyHostKey(entries, '10.0.0.1', ed.blob)).toEqual({ kind: 'known' });
    expect(verifyHostKey(entries, '[10.0.0.2]:2222', ecdsa.blob)).toEqual({ kind: 'known' });
    expect(verifyHostKey(entries, 'node-1', ed2.blob)).toEqual({ kind: 'revoked', line: 8 });
    const other = keyPair(dir, 'other');
    expect(verifyHostKey(entries, 'node-1', other.blob)).toEqual({ kind: 'changed', line: 3, keyType: 'ssh-ed25519' });
    // Only a key of another type on file: ssh asks for the known type first; a new type is unknown, not changed.
    expect(verifyHostKey(entries, '[10.0.0.2]:2222', other.blob)).toEqual({ kind: 'unknown' });
    expect(verifyHostKey(entries, '10.0.0.2', ecdsa.blob)).toEqual({ kind: 'unknown' });
    // @cert-authority lines vouch for certificates, which bosun does not use: they make no plain key known.
    expect(verifyHostKey(entries, 'a.example', other.blob)).toEqual({ kind: 'unknown' });
  });

  it('writes the line accept-new appends, which it then reads back as known', () => {
    const line = knownHostsLine('[10.0.0.5]:2222', ed.blob);
    expect(line).toBe(`[10.0.0.5]:2222 ${ed.pub.split(' ').slice(0, 2).join(' ')}`);
    expect(verifyHostKey(parseKnownHosts(line), '[10.0.0.5]:2222', ed.blob)).toEqual({ kind: 'known' });
  });
});
