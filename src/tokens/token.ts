import { randomInt } from 'node:crypto';

/**
 * Bootstrap tokens as cluster-bootstrap defines them: `<id>.<secret>`, six and sixteen characters of [a-z0-9].
 * The id is public (it names the Secret); the secret must never reach a log or an error message.
 */
export const TOKEN_FORMAT = '[a-z0-9]{6}.[a-z0-9]{16}';
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** What `config print init-defaults` shows instead of a real token (kubeadm's placeholder). */
export const PLACEHOLDER_TOKEN = 'abcdef.0123456789abcdef';

export const TOKEN_USAGES = ['signing', 'authentication'] as const;
export const DEFAULT_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
export const BOOTSTRAP_GROUP_FORMAT = '^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$';
const BOOTSTRAP_GROUP_PATTERN = new RegExp(BOOTSTRAP_GROUP_FORMAT);

export function isValidToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function splitToken(token: string): { id: string; secret: string } {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) throw new Error(`a bootstrap token must match ${TOKEN_FORMAT}`);
  return { id: match[1], secret: match[2] };
}

/** A fresh random token; randomInt draws each character uniformly (no modulo bias). */
export function generateToken(): string {
  const pick = (n: number) => Array.from({ length: n }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('');
  return `${pick(6)}.${pick(16)}`;
}

export function isValidTokenGroup(group: string): boolean {
  return BOOTSTRAP_GROUP_PATTERN.test(group);
}

export function isValidTokenUsage(usage: string): boolean {
  return (TOKEN_USAGES as readonly string[]).includes(usage);
}
