/** The flags whose values are secrets: bootstrap tokens and the key that encrypts uploaded certificates. */
const SECRET_FLAGS = ['--token', '--discovery-token', '--tls-bootstrap-token', '--certificate-key'];

/** Shorter values are no secret worth the name and would hide ordinary words of a message. */
const MIN_SECRET_LENGTH = 6;

/**
 * The values the command line gives to secret flags (`--token x`, `--token=x`). A mistyped line can make one the
 * value of another flag or an argument (`--config --token=…`), and a refusal quotes what it refuses.
 */
export function secretArguments(argv: readonly string[]): string[] {
  const found = argv.flatMap((arg, i) =>
    SECRET_FLAGS.flatMap((flag) => (arg === flag && i + 1 < argv.length ? [argv[i + 1]] : arg.startsWith(`${flag}=`) ? [arg.slice(flag.length + 1)] : [])),
  );
  // A word starting with "-" after a secret flag is the next flag (the value is missing), not a secret: tokens and keys never start so.
  return [...new Set(found.filter((s) => s.length >= MIN_SECRET_LENGTH && !s.startsWith('-')))].sort((a, b) => b.length - a.length);
}

/** `text` with every secret argument shown as `<redacted>` (longest first: one secret may hold another). */
export function withoutSecretArguments(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, '<redacted>'), text);
}
