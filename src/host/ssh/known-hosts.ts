import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * OpenSSH's known_hosts format: `[marker] hostpatterns keytype base64key [comment]`, one host key per line.
 * Host patterns are a comma list (wildcards `*` `?`, negation `!`), `[host]:port` for a port other than 22,
 * or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 */
export interface KnownHostEntry {
  /** 1-based line number in the file, for messages. */
  line: number;
  /** `@revoked` refuses the key; `@cert-authority` lines describe CAs for certificates, which bosun does not use. */
  marker?: '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict = { kind: 'known' } | { kind: 'unknown' } | { kind: 'revoked'; line: number } | { kind: 'changed'; line: number; keyType: string };

/** Lines bosun cannot read are skipped, as ssh does: a stray line must not lock every host out. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? fields.shift() : undefined;
    if (fields.length < 3 || fields[0].startsWith('@')) return;
    const key = Buffer.from(fields[2], 'base64');
    if (key.length === 0 || keyTypeOf(key) !== fields[1]) return;
    entries.push({ line: index + 1, marker: marker as KnownHostEntry['marker'], hosts: fields[0], keyType: fields[1], key });
  });
  return entries;
}

/** The name a host's keys are filed under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The algorithm name an SSH public key blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  return length > 0 && length <= 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : undefined;
}

/** What ssh prints: `SHA256:` and the unpadded base64 of SHA-256 over the key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `|1|salt|hash` for `name`, as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** Whether a line's host field names `name` (already in `[host]:port` form when the port is not 22). */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    return salt !== undefined && hash !== undefined && hashHostName(name, Buffer.from(salt, 'base64')) === hosts;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) matched = true;
  }
  return matched;
}

/**
 * ssh's decision for a presented key: known when a line for this name holds it; changed when a line for this name
 * holds another key of the same type; unknown otherwise (no line, or lines only for other key types).
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forName = entries.filter((e) => e.marker !== '@cert-authority' && hostsFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { kind: 'revoked', line: revoked.line };
  if (forName.some((e) => !e.marker && e.key.equals(key))) return { kind: 'known' };
  const type = keyTypeOf(key);
  const other = forName.find((e) => !e.marker && e.keyType === type);
  return other ? { kind: 'changed', line: other.line, keyType: other.keyType } : { kind: 'unknown' };
}

/** Key types on file for `name`, so the client can ask the server for one it can check (as ssh orders them). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => !e.marker && hostsFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** The line accept-new appends. */
export function knownHostsLine(name: string, key: Buffer): string {
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}`;
}
