import type { Command } from 'commander';
import { quote, usageError } from '../errors.js';

/**
 * Refuses a flag whose value is another flag: commander gives a flag that needs a value the next word, whatever it
 * is, so `--old-config --new-config x` would read a file named "--new-config". No value bosun takes starts with "--".
 */
export function refuseFlagsAsValues(action: Command): void {
  for (const option of action.options) {
    if (!option.required || action.getOptionValueSource(option.attributeName()) !== 'cli') continue;
    const value: unknown = action.getOptionValue(option.attributeName());
    const values = Array.isArray(value) ? value : [value];
    const flagLike = values.find((v): v is string => typeof v === 'string' && v.startsWith('--'));
    if (flagLike !== undefined)
      throw usageError(
        `its value is missing: the next word, ${quote(flagLike)}, is a flag`,
        { flag: option.long ?? option.flags },
        `a value right after ${option.long ?? option.flags}`,
      );
  }
}
