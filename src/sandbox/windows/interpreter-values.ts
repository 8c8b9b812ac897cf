/**
 * The values a sandbox PowerShell script handles, and what PowerShell does with them: how they print, compare,
 * count as true, and convert to JSON (as Windows PowerShell 5.1's ConvertTo-Json, enums as their numbers).
 */
import type { Node } from 'web-tree-sitter';

/** A .NET enum value: prints and compares as its name, ConvertTo-Json writes its number (ServiceControllerStatus, …). */
export class PsEnum {
  constructor(
    readonly name: string,
    readonly value: number,
  ) {}
  toString(): string {
    return this.name;
  }
}

/** A script block (`{ $_.Name }`): run by the cmdlet that takes it, with `$_` bound. */
export class ScriptBlock {
  constructor(readonly body: Node) {}
}

/** An object with named properties, in order: a hashtable, a PSCustomObject, what a cmdlet outputs. */
export class PsObject {
  constructor(
    readonly properties: Map<string, PsValue> = new Map(),
    /** What `[string]$x` and a bare print of it say (`System.Collections.Hashtable`, the service's name). */
    readonly typeName = 'System.Management.Automation.PSCustomObject',
    readonly text?: string,
  ) {}

  static of(entries: Record<string, PsValue>, typeName?: string, text?: string): PsObject {
    return new PsObject(new Map(Object.entries(entries)), typeName, text);
  }

  /** Property lookup is case-insensitive, as in PowerShell. */
  get(name: string): PsValue {
    const lower = name.toLowerCase();
    for (const [key, value] of this.properties) if (key.toLowerCase() === lower) return value;
    return null;
  }

  set(name: string, value: PsValue): void {
    const lower = name.toLowerCase();
    const existing = [...this.properties.keys()].find((k) => k.toLowerCase() === lower);
    this.properties.set(existing ?? name, value);
  }
}

export type PsValue = string | number | boolean | null | PsEnum | ScriptBlock | PsObject | PsValue[];

/** The ErrorCategory enum's values (System.Management.Automation.ErrorCategory). */
export const ERROR_CATEGORIES = {
  NotSpecified: 0,
  OpenError: 1,
  InvalidArgument: 5,
  InvalidData: 6,
  InvalidOperation: 7,
  MetadataError: 10,
  ObjectNotFound: 13,
  OperationStopped: 14,
  ParserError: 17,
  PermissionDenied: 18,
  ResourceExists: 20,
  ResourceUnavailable: 21,
  WriteError: 23,
} as const;
export type ErrorCategory = keyof typeof ERROR_CATEGORIES;

/**
 * A PowerShell error: a cmdlet's error record (`-ErrorAction` decides whether it stops the script), a
 * statement-terminating error, or `throw`. A `catch` block sees it as `$_`.
 */
export class PowerShellError extends Error {
  constructor(
    message: string,
    /** FullyQualifiedErrorId: `PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand`. */
    readonly id: string,
    readonly category: ErrorCategory,
    /** The command that wrote it (`Get-Item`), for the printed record. */
    readonly command?: string,
    /** Terminating whatever -ErrorAction says (parameter binding, unknown command, throw). */
    readonly terminating = false,
  ) {
    super(message);
  }

  /** The ErrorRecord a catch block's `$_` is. */
  record(): PsObject {
    return PsObject.of(
      {
        Exception: PsObject.of({ Message: this.message }, 'System.Exception', this.message),
        FullyQualifiedErrorId: this.id,
        CategoryInfo: PsObject.of({ Category: new PsEnum(this.category, ERROR_CATEGORIES[this.category]) }),
      },
      'System.Management.Automation.ErrorRecord',
      this.message,
    );
  }

  /** How powershell.exe prints an error nobody caught. */
  printed(): string {
    const head = this.command ? `${this.command} : ${this.message}` : this.message;
    return `${head}\n    + CategoryInfo          : ${this.category}\n    + FullyQualifiedErrorId : ${this.id}\n`;
  }
}

/**
 * What the sandbox's PowerShell does not implement (a syntax node, a method, a native program it cannot run): never
 * caught by a script's `catch`, never ignored — the script stops with exit 1, so a script that needs more fails loudly.
 */
export class NotInSandbox extends Error {}

/** `exit N`: ends the script. */
export class ScriptExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** How a value prints on its own line (Write-Output's default formatting, `[string]$x`). */
export function toText(value: PsValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value instanceof PsEnum) return value.name;
  if (value instanceof ScriptBlock) return value.body.text;
  if (Array.isArray(value)) return value.map(toText).join(' ');
  if (value.text !== undefined) return value.text;
  if (value.typeName === 'System.Collections.Hashtable') return value.typeName;
  return `@{${[...value.properties].map(([k, v]) => `${k}=${toText(v)}`).join('; ')}}`;
}

/** PowerShell's truth: empty strings, 0, $null and empty arrays are false. */
export function isTrue(value: PsValue): boolean {
  if (Array.isArray(value)) return value.length > 1 || (value.length === 1 && isTrue(value[0]));
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  return true;
}

/** `-eq`: the right side converted to the left side's type; strings compare case-insensitively. */
export function psEquals(left: PsValue, right: PsValue): boolean {
  if (left === null || right === null) return left === right;
  if (typeof left === 'number') return left === Number(toText(right));
  if (typeof left === 'boolean') return left === isTrue(right);
  if (typeof left === 'string' || left instanceof PsEnum) return toText(left).toLowerCase() === toText(right).toLowerCase();
  return left === right;
}

/** The value as JSON data, at most `depth` levels of objects deep (deeper ones become their text, as PowerShell does). */
export function toJsonData(value: PsValue, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof PsEnum) return value.value;
  if (value instanceof ScriptBlock) return value.body.text;
  if (Array.isArray(value)) return value.map((v) => toJsonData(v, depth));
  if (depth < 0) return toText(value);
  if (value.text !== undefined && value.properties.size === 0) return value.text;
  return Object.fromEntries([...value.properties].map(([k, v]) => [k, toJsonData(v, depth - 1)]));
}

/** A pipeline's objects: arrays are enumerated, $null alone is no object. */
export function enumerate(value: PsValue): PsValue[] {
  return Array.isArray(value) ? value : [value];
}

/** What a pipeline's output is as a value: nothing → $null, one object → itself, more → an array. */
export function collapse(values: PsValue[]): PsValue {
  return values.length === 0 ? null : values.length === 1 ? values[0] : values;
}

/** A property of a value; of each item for an array (member enumeration), `Length`/`Count` of strings and arrays. */
export function property(owner: PsValue, name: string): PsValue {
  const lower = name.toLowerCase();
  if (owner === null) return null;
  if (Array.isArray(owner)) {
    if (lower === 'count' || lower === 'length') return owner.length;
    return collapse(owner.map((item) => property(item, name)).filter((v) => v !== null));
  }
  if (typeof owner === 'string' && lower === 'length') return owner.length;
  if (owner instanceof PsEnum && lower === 'value__') return owner.value;
  if (owner instanceof PsObject) return owner.get(name);
  return null;
}
