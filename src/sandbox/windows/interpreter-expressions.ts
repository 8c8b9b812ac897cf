/**
 * Expressions of the sandbox's PowerShell: operators, literals, variables, member access and the few .NET methods
 * bosun's scripts call; statements and commands are the interpreter's (see interpreter.ts), reached through its scope.
 */
import type { Node } from 'web-tree-sitter';
import { unquote } from './grammar.js';
import { identityCast, staticMethod, staticProperty } from './interpreter-identity.js';
import { callMethod } from './interpreter-methods.js';
import {
  collapse,
  enumerate,
  isTrue,
  NotInSandbox,
  PowerShellError,
  property,
  PsObject,
  psEquals,
  ScriptBlock,
  toText,
  type PsValue,
} from './interpreter-values.js';

/** What expressions reach of the running script: its variables, pipelines, statement lists and output streams. */
export interface Scope {
  variable(name: string): PsValue;
  pipeline(node: Node): Promise<PsValue[]>;
  statements(node: Node, sink: (values: PsValue[]) => void): Promise<void>;
  write(stream: 'stdout' | 'stderr', text: string): void;
}

/** Nodes that only wrap one operand when they have no operator (the grammar's precedence levels). */
const WRAPPERS = new Set([
  'pipeline_chain',
  'logical_expression',
  'bitwise_expression',
  'comparison_expression',
  'additive_expression',
  'multiplicative_expression',
  'format_expression',
  'range_expression',
  'array_literal_expression',
  'unary_expression',
  'string_literal',
  'integer_literal',
  'left_assignment_expression',
  'statement_list',
  'argument_expression',
  'command_name_expr',
]);

/** A method argument's operator levels (`additive_argument_expression`) are the expression's. */
const operatorLevel = (node: Node) => node.type.replace(/^(\w+)_argument_expression$/, '$1_expression');

export const notInSandbox = (node: Node) => new NotInSandbox(`the sandbox's PowerShell does not run ${node.type} \`${node.text.split('\n')[0].slice(0, 80)}\``);

export class Expressions {
  constructor(private readonly scope: Scope) {}

  async evaluate(node: Node): Promise<PsValue> {
    const type = operatorLevel(node);
    if (WRAPPERS.has(type) && node.namedChildren.length === 1) return this.evaluate(node.namedChildren[0]!);
    switch (type) {
      case 'pipeline':
        return collapse(await this.scope.pipeline(node));
      case 'logical_expression':
        return this.logical(node);
      case 'comparison_expression':
        return this.comparison(node);
      case 'additive_expression':
        return this.additive(node);
      case 'array_literal_expression':
        return Promise.all(node.namedChildren.map((c) => this.evaluate(c!)));
      case 'expression_with_unary_operator':
        return this.unary(node);
      case 'cast_expression':
        return this.cast(node);
      case 'variable':
        return this.scope.variable(variableName(node));
      case 'member_access':
        return this.member(node);
      case 'invokation_expression':
        return this.method(node);
      case 'verbatim_string_characters':
      case 'generic_token':
      case 'command_name':
        if (node.namedChildren.length > 0) throw notInSandbox(node);
        return type === 'verbatim_string_characters' ? unquote(node.text) : node.text;
      case 'expandable_string_literal':
      case 'expandable_here_string_literal':
        return this.expand(node);
      case 'decimal_integer_literal':
        return Number.parseInt(node.text, 10);
      case 'hexadecimal_integer_literal':
        return Number.parseInt(node.text, 16);
      case 'hash_literal_expression':
        return this.hashtable(node);
      case 'array_expression': {
        const out: PsValue[] = [];
        await this.scope.statements(node, (values) => out.push(...values));
        return out;
      }
      case 'parenthesized_expression':
        return collapse(await this.scope.pipeline(node.namedChildren.find((c) => c?.type === 'pipeline')!));
      case 'sub_expression': {
        const out: PsValue[] = [];
        await this.scope.statements(node, (values) => out.push(...values));
        return collapse(out);
      }
      case 'script_block_expression':
        return new ScriptBlock(node.namedChildren.find((c) => c?.type === 'script_block') ?? node);
      default:
        throw notInSandbox(node);
    }
  }

  private async logical(node: Node): Promise<PsValue> {
    const [left, right] = node.namedChildren as Node[];
    const operator = node.children.find((c) => c && !c.isNamed)!.type.toLowerCase();
    const l = isTrue(await this.evaluate(left));
    if (operator === '-and') return l && isTrue(await this.evaluate(right));
    if (operator === '-or') return l || isTrue(await this.evaluate(right));
    throw notInSandbox(node);
  }

  private async comparison(node: Node): Promise<PsValue> {
    const [left, operatorNode, right] = node.namedChildren as Node[];
    const l = await this.evaluate(left);
    const r = await this.evaluate(right);
    const operator = operatorNode.text.toLowerCase();
    const text = () => [toText(l).toLowerCase(), toText(r).toLowerCase()];
    switch (operator) {
      case '-eq':
        return psEquals(l, r);
      case '-ne':
        return !psEquals(l, r);
      case '-gt':
      case '-ge':
      case '-lt':
      case '-le': {
        const [a, b] = typeof l === 'number' ? [l, Number(toText(r))] : text();
        return { '-gt': a > b, '-ge': a >= b, '-lt': a < b, '-le': a <= b }[operator];
      }
      case '-like':
      case '-notlike': {
        const [a, pattern] = text();
        const like = new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replaceAll('*', '.*')
            .replaceAll('?', '.')}$`,
          's',
        ).test(a);
        return operator === '-like' ? like : !like;
      }
      case '-match':
      case '-notmatch': {
        const match = new RegExp(toText(r), 'i').test(toText(l));
        return operator === '-match' ? match : !match;
      }
      default:
        throw notInSandbox(operatorNode);
    }
  }

  private async additive(node: Node): Promise<PsValue> {
    const [left, right] = node.namedChildren as Node[];
    const operator = node.children.find((c) => c && !c.isNamed)!.type;
    const l = await this.evaluate(left);
    const r = await this.evaluate(right);
    if (operator === '+') {
      if (Array.isArray(l)) return [...l, ...enumerate(r)];
      if (typeof l === 'number') return l + Number(toText(r));
      return toText(l) + toText(r);
    }
    if (operator === '-' && typeof l === 'number') return l - Number(toText(r));
    throw notInSandbox(node);
  }

  private async unary(node: Node): Promise<PsValue> {
    const operand = node.namedChildren[node.namedChildren.length - 1]!;
    if (operand.type === 'cast_expression') return this.cast(operand);
    const operator = node.child(0)!.type.toLowerCase();
    const value = await this.evaluate(operand);
    if (operator === '-not' || operator === '!') return !isTrue(value);
    if (operator === '-' && typeof value === 'number') return -value;
    throw notInSandbox(node);
  }

  private async cast(node: Node): Promise<PsValue> {
    const type = node.namedChildren.find((c) => c?.type === 'type_literal')!;
    const value = await this.evaluate(node.namedChildren.find((c) => c?.type !== 'type_literal')!);
    switch (type.text.toLowerCase()) {
      case '[string]':
        return toText(value);
      case '[int]': {
        const n = Math.round(Number(toText(value)));
        if (Number.isNaN(n))
          throw new PowerShellError(`Cannot convert value "${toText(value)}" to type "System.Int32".`, 'InvalidCastFromStringToInteger', 'InvalidArgument');
        return n;
      }
      case '[bool]':
        return isTrue(value);
      default: {
        const cast = identityCast(type.text, value);
        if (cast === undefined) throw notInSandbox(type);
        return cast;
      }
    }
  }

  /** `$x.Prop`, `$list.Prop` (each item's), `[Console]::Error`, `[Security.Principal.WindowsBuiltInRole]::Administrator`. */
  private async member(node: Node): Promise<PsValue> {
    const owner = node.namedChildren[0]!;
    const name = memberName(node);
    if (owner.type === 'type_literal') {
      const stream = owner.text.toLowerCase() === '[console]' && { error: 'stderr', out: 'stdout' }[name.toLowerCase()];
      if (stream) return PsObject.of({}, 'System.IO.TextWriter', stream);
      const value = staticProperty(owner.text, name);
      if (value === undefined) throw notInSandbox(node);
      return value;
    }
    return property(await this.evaluate(owner), name);
  }

  private async method(node: Node): Promise<PsValue> {
    const [target, , argumentList] = node.namedChildren as Node[];
    const name = node.namedChildren.find((c) => c?.type === 'member_name')!.text;
    const args = await this.arguments(argumentList);
    if (target.type === 'type_literal') {
      const value = staticMethod(target.text, name, args);
      if (value === undefined) throw notInSandbox(node);
      return value;
    }
    return this.call(await this.evaluate(target), name, args, node);
  }

  /** `(…).Method(…)` as a command's argument: the grammar splits it into a member access and an argument list. */
  async methodArgument(access: Node, argumentList: Node): Promise<PsValue> {
    const [target] = access.namedChildren as Node[];
    return this.call(await this.evaluate(target), memberName(access), await this.arguments(argumentList), access);
  }

  private async arguments(argumentList: Node | undefined): Promise<PsValue[]> {
    const expressions = argumentList?.namedChildren.find((c) => c?.type === 'argument_expression_list');
    return expressions ? Promise.all(expressions.namedChildren.map((c) => this.evaluate(c!))) : [];
  }

  private call(owner: PsValue, method: string, args: PsValue[], node: Node): PsValue {
    const answer = callMethod(owner, method, args, (stream, line) => this.scope.write(stream, line));
    if (answer === undefined) throw notInSandbox(node);
    return answer;
  }

  /** "…$x… $($y.Z)…" with PowerShell's backtick escapes. */
  private async expand(node: Node): Promise<PsValue> {
    const quote = node.text[0];
    const body = node.text.slice(1, -1);
    const start = node.startIndex + 1;
    let out = '';
    let at = 0;
    for (const part of node.namedChildren) {
      if (!part) continue;
      out += unescape(body.slice(at, part.startIndex - start), quote);
      out += toText(await this.evaluate(part));
      at = part.endIndex - start;
    }
    return out + unescape(body.slice(at), quote);
  }

  private async hashtable(node: Node): Promise<PsValue> {
    const table = new PsObject(new Map(), 'System.Collections.Hashtable');
    const body = node.namedChildren.find((c) => c?.type === 'hash_literal_body');
    for (const entry of body?.namedChildren ?? []) {
      if (entry?.type !== 'hash_entry') continue;
      const key = entry.namedChildren.find((c) => c?.type === 'key_expression')!;
      table.set(unquote(key.text), collapse(await this.scope.pipeline(entry.namedChildren.find((c) => c?.type === 'pipeline')!)));
    }
    return table;
  }
}

/** The node under the grammar's single-operand wrappers. */
export function unwrap(node: Node): Node {
  return WRAPPERS.has(operatorLevel(node)) && node.namedChildren.length === 1 ? unwrap(node.namedChildren[0]!) : node;
}

export function variableName(node: Node): string {
  const text = node.text.replace(/^\$\{?/, '').replace(/\}$/, '');
  if (text.includes(':')) throw notInSandbox(node); // $env:X, $script:x: scopes and drives the sandbox does not keep
  return text.toLowerCase();
}

export const memberName = (node: Node) => node.namedChildren.find((c) => c?.type === 'member_name')!.text;

/** Backtick escapes of a double-quoted string, and its doubled quotes. */
function unescape(text: string, quote: string): string {
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
  return text.replace(/`(.)/gs, (_m, c: string) => escapes[c] ?? c).replaceAll(quote + quote, quote);
}
