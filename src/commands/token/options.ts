import { DEFAULTS } from '../../config/defaults.js';
import { normalizeDuration, parseDuration } from '../../config/duration.js';
import type { BootstrapToken } from '../../config/types.js';
import { ConfigError } from '../../errors.js';
import { BOOTSTRAP_GROUP_FORMAT, generateToken, isValidToken, isValidTokenGroup, isValidTokenUsage, TOKEN_FORMAT, TOKEN_USAGES } from '../../tokens/token.js';

/** `bosun token create` flags. */
export interface CreateFlags {
  ttl?: string;
  usages?: string[];
  groups?: string[];
  description?: string;
}

const flagError = (flag: string, problem: string) => new ConfigError(undefined, undefined, flag, problem);

/**
 * The token to create, from the optional argument and the flags, each checked with the reason it is refused. The
 * token itself is a secret: a malformed one is described, never echoed.
 */
export function tokenToCreate(arg: string | undefined, flags: CreateFlags): BootstrapToken {
  if (arg !== undefined && !isValidToken(arg))
    throw flagError('[token]', `the token is malformed; expected ${TOKEN_FORMAT} (e.g. from "bosun token generate")`);
  const ttl = flags.ttl ?? DEFAULTS.tokenTTL;
  const ns = parseDuration(ttl);
  if (ns === undefined) throw flagError('--ttl', `"${ttl}" is not a duration; expected e.g. 24h, 1h30m, or 0 for a token that never expires`);
  if (ns < 0n) throw flagError('--ttl', `"${ttl}" is negative; expected a duration such as 24h, or 0 for a token that never expires`);
  const usages = flags.usages ?? [...DEFAULTS.tokenUsages];
  for (const usage of usages) {
    if (!isValidTokenUsage(usage)) throw flagError('--usages', `"${usage}" is not a token usage; expected any of ${TOKEN_USAGES.join(', ')}`);
  }
  const groups = flags.groups ?? [...DEFAULTS.tokenGroups];
  for (const group of groups) {
    if (!isValidTokenGroup(group)) {
      throw flagError(
        '--groups',
        `"${group}" is not a bootstrap group: extra groups must start with "system:bootstrappers:" (pattern ${BOOTSTRAP_GROUP_FORMAT})`,
      );
    }
  }
  if (groups.length && !usages.includes('authentication')) {
    throw flagError('--groups', 'extra groups are only given to tokens used for authentication; add "authentication" to --usages');
  }
  return {
    token: arg ?? generateToken(),
    ttl: normalizeDuration(ttl),
    usages: [...new Set(usages)],
    groups: [...new Set(groups)],
    ...(flags.description && { description: flags.description }),
  };
}
