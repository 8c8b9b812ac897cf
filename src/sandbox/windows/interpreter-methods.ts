/** The .NET methods of values bosun's scripts call: `[Console]::Error.WriteLine`, ToString, string methods, IsInRole. */
import { principalMethod } from './interpreter-identity.js';
import { PsObject, toText, type PsValue } from './interpreter-values.js';

/** What `owner.method(args)` returns; undefined when the sandbox has no such method. */
export function callMethod(owner: PsValue, method: string, args: PsValue[], write: (stream: 'stdout' | 'stderr', text: string) => void): PsValue | undefined {
  const name = method.toLowerCase();
  if (owner instanceof PsObject && owner.typeName === 'System.IO.TextWriter' && name === 'writeline') {
    write(owner.text === 'stderr' ? 'stderr' : 'stdout', `${args.map(toText).join('')}\n`);
    return null;
  }
  if (name === 'tostring' && args.length === 0) return toText(owner);
  if (typeof owner === 'string') {
    const [a, b] = args.map(toText);
    const strings: Record<string, () => PsValue> = {
      trim: () => owner.trim(),
      tolower: () => owner.toLowerCase(),
      toupper: () => owner.toUpperCase(),
      contains: () => owner.includes(a),
      startswith: () => owner.startsWith(a),
      endswith: () => owner.endsWith(a),
      replace: () => owner.replaceAll(a, b),
    };
    if (strings[name]) return strings[name]();
  }
  return principalMethod(owner, name, args);
}
