/**
 * An error the user can act on: printed without a stack trace, exit code non-zero.
 * Messages name the thing at fault (file, document, field or flag) and what was expected.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad configuration: names the file, the document (kind) and the field path. */
export class ConfigError extends UserError {
  constructor(
    readonly file: string | undefined,
    readonly kind: string | undefined,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super([file ?? '<flags>', kind, field].filter((part) => part !== undefined && part !== '').join(': ') + `: ${problem}`);
    this.name = 'ConfigError';
  }
}
