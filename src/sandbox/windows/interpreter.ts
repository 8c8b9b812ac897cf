/**
 * The PowerShell of the sandbox's Windows machines: runs a script bosun sends (`powershell.exe -EncodedCommand`)
 * by walking the syntax tree tree-sitter-powershell gives, for the subset bosun's scripts use. Anything outside it —
 * a syntax node, a command, a method — stops the script with an error record and exit 1, never passes silently.
 */
import type { Node } from 'web-tree-sitter';
import { parsePowerShell, unquote } from './grammar.js';
import type { Invocation } from './interpreter-cmdlet.js';
import { bindArguments, commandElements, findCmdlet, nativeArguments } from './interpreter-commands.js';
import type { WindowsMachine } from './interpreter-machine.js';
import { runNative } from './interpreter-native.js';
import {
  collapse,
  enumerate,
  isTrue,
  NotInSandbox,
  PowerShellError,
  PsEnum,
  PsObject,
  psEquals,
  ScriptBlock,
  ScriptExit,
  toText,
  type PsValue,
} from './interpreter-values.js';

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Sink = (values: PsValue[]) => void;

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

const notInSandbox = (node: Node) => new NotInSandbox(`the sandbox's PowerShell does not run ${node.type} \`${node.text.split('\n')[0].slice(0, 80)}\``);

/** The command not found: a statement-terminating error, as PowerShell's. */
const commandNotFound = (name: string) =>
  new PowerShellError(
    `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    'CommandNotFoundException',
    'ObjectNotFound',
    name,
    true,
  );

/** Objects as powershell.exe prints them: scalars on a line each, objects as `Name : Value` lists. */
function formatOutput(values: PsValue[]): string {
  return values
    .filter((v) => v !== null)
    .map((v) => {
      if (!(v instanceof PsObject) || v.text !== undefined) return `${toText(v)}\n`;
      const width = Math.max(...[...v.properties.keys()].map((k) => k.length));
      return `\n${[...v.properties].map(([k, value]) => `${k.padEnd(width)} : ${toText(value)}`).join('\n')}\n\n`;
    })
    .join('');
}

export class PowerShellInterpreter {
  private readonly variables = new Map<string, PsValue>([
    ['erroractionpreference', 'Continue'],
    ['lastexitcode', null],
  ]);
  private stdout = '';
  private stderr = '';
  /** Whether the last statement wrote an error (powershell.exe -Command exits 1 then). */
  private failed = false;

  constructor(private readonly machine: WindowsMachine) {}

  async run(script: string): Promise<ScriptResult> {
    const parsed = await parsePowerShell(script);
    if (parsed.problems.length > 0) {
      const p = parsed.problems[0];
      const error = new PowerShellError(`At line:${p.line} char:${p.column}: unexpected token '${p.text}'.`, 'ParseException', 'ParserError');
      return { code: 1, stdout: '', stderr: error.printed() };
    }
    let code: number;
    try {
      await this.statements(parsed.root, (values) => (this.stdout += formatOutput(values)));
      code = this.failed ? 1 : 0;
    } catch (err) {
      if (err instanceof ScriptExit) code = err.code;
      else if (err instanceof PowerShellError) {
        this.stderr += err.printed();
        code = 1;
      } else {
        this.stderr += `${err instanceof NotInSandbox ? '' : 'sandbox PowerShell: '}${(err as Error).message}\n`;
        code = 1;
      }
    }
    return { code, stdout: this.stdout, stderr: this.stderr };
  }

  variable(name: string): PsValue {
    const lower = name.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    return this.variables.get(lower) ?? null;
  }

  /** Runs a script block with `$_` bound to `item` (Select-Object's calculated properties). */
  async invoke(block: ScriptBlock, item: PsValue): Promise<PsValue> {
    const saved = this.variables.get('_');
    this.variables.set('_', item);
    try {
      const out: PsValue[] = [];
      await this.statements(block.body, (values) => out.push(...values));
      return collapse(out);
    } finally {
      this.variables.set('_', saved ?? null);
    }
  }

  private async statements(node: Node, sink: Sink): Promise<void> {
    for (const child of node.namedChildren) if (child && child.type !== 'comment') await this.statement(child, sink);
  }

  private async statement(node: Node, sink: Sink): Promise<void> {
    switch (node.type) {
      case 'statement_list':
      case 'script_block':
      case 'script_block_body':
      case 'statement_block':
        return this.statements(node, sink);
      case 'empty_statement':
        return;
      case 'pipeline': {
        const assignment = node.namedChildren.find((c) => c?.type === 'assignment_expression');
        if (assignment) return this.assign(assignment);
        this.failed = false;
        return sink(await this.pipeline(node));
      }
      case 'if_statement':
        return this.ifStatement(node, sink);
      case 'foreach_statement':
        return this.foreachStatement(node, sink);
      case 'try_statement':
        return this.tryStatement(node, sink);
      case 'flow_control_statement':
        return this.flowControl(node);
      default:
        throw notInSandbox(node);
    }
  }

  private async assign(node: Node): Promise<void> {
    const [target, operator, value] = node.namedChildren as Node[];
    if (operator.text !== '=') throw notInSandbox(operator);
    const result = collapse(await this.pipeline(value));
    const left = unwrap(target);
    if (left.type === 'variable') return void this.variables.set(variableName(left), result);
    if (left.type === 'member_access' && left.namedChildren.length === 2) {
      const owner = await this.evaluate(left.namedChildren[0]!);
      if (owner instanceof PsObject) return owner.set(memberName(left), result);
    }
    throw notInSandbox(left);
  }

  private async ifStatement(node: Node, sink: Sink): Promise<void> {
    const [condition, block] = node.namedChildren.filter((c) => c?.type === 'pipeline' || c?.type === 'statement_block') as Node[];
    if (isTrue(collapse(await this.pipeline(condition)))) return this.statements(block, sink);
    const elseifs = node.namedChildren.find((c) => c?.type === 'elseif_clauses');
    for (const clause of elseifs?.namedChildren ?? []) {
      const cond = clause!.namedChildren.find((c) => c?.type === 'pipeline')!;
      if (isTrue(collapse(await this.pipeline(cond))))
        return this.statements(
          clause!.namedChildren.find((c) => c?.type === 'statement_block')!,
          sink,
        );
    }
    const otherwise = node.namedChildren.find((c) => c?.type === 'else_clause');
    if (otherwise)
      await this.statements(
        otherwise.namedChildren.find((c) => c?.type === 'statement_block')!,
        sink,
      );
  }

  private async foreachStatement(node: Node, sink: Sink): Promise<void> {
    const variable = node.namedChildren.find((c) => c?.type === 'variable')!;
    const items = collapse(await this.pipeline(node.namedChildren.find((c) => c?.type === 'pipeline')!));
    const block = node.namedChildren.find((c) => c?.type === 'statement_block')!;
    for (const item of items === null ? [] : enumerate(items)) {
      this.variables.set(variableName(variable), item);
      await this.statements(block, sink);
    }
  }

  private async tryStatement(node: Node, sink: Sink): Promise<void> {
    const body = node.namedChildren.find((c) => c?.type === 'statement_block')!;
    const catches = node.namedChildren.find((c) => c?.type === 'catch_clauses')?.namedChildren ?? [];
    const final = node.namedChildren.find((c) => c?.type === 'finally_clause');
    try {
      await this.statements(body, sink);
    } catch (err) {
      if (!(err instanceof PowerShellError) || catches.length === 0) throw err;
      const clause = catches[0]!;
      if (catches.length > 1 || clause.namedChildren.some((c) => c?.type === 'catch_type_list')) throw notInSandbox(clause);
      const saved = this.variables.get('_');
      this.variables.set('_', err.record());
      try {
        await this.statements(
          clause.namedChildren.find((c) => c?.type === 'statement_block')!,
          sink,
        );
      } finally {
        this.variables.set('_', saved ?? null);
      }
    } finally {
      if (final)
        await this.statements(
          final.namedChildren.find((c) => c?.type === 'statement_block')!,
          sink,
        );
    }
  }

  private async flowControl(node: Node): Promise<void> {
    const keyword = node.child(0)!.type.toLowerCase();
    const operand = node.namedChildren.find((c) => c?.type === 'pipeline');
    const value = operand ? collapse(await this.pipeline(operand)) : null;
    if (keyword === 'exit') {
      const code = value === null ? 0 : Number(toText(value));
      throw new ScriptExit(Number.isInteger(code) ? code : 0);
    }
    if (keyword === 'throw') {
      const message = value === null ? 'ScriptHalted' : toText(value);
      throw new PowerShellError(message, message, 'OperationStopped', undefined, true);
    }
    throw notInSandbox(node);
  }

  /** A pipeline's output objects: each element's output is the next one's input. */
  private async pipeline(node: Node): Promise<PsValue[]> {
    if (node.type === 'pipeline') {
      const assignment = node.namedChildren.find((c) => c?.type === 'assignment_expression');
      if (assignment) throw notInSandbox(assignment);
      return this.pipeline(node.namedChildren[0]!);
    }
    if (node.type !== 'pipeline_chain') return this.expressionOutput(node);
    if (node.children.some((c) => c?.type === '&&' || c?.type === '||')) throw notInSandbox(node);
    let objects: PsValue[] = [];
    let first = true;
    for (const element of node.namedChildren) {
      if (!element || element.type === 'comment') continue;
      if (element.type === 'command') objects = await this.command(element, first ? [] : objects);
      else if (first) objects = await this.expressionOutput(element);
      else throw notInSandbox(element); // an expression after `|` is not PowerShell
      first = false;
    }
    return objects;
  }

  private async expressionOutput(node: Node): Promise<PsValue[]> {
    const value = await this.evaluate(node);
    return value === null ? [] : enumerate(value);
  }

  /** Runs a command: a cmdlet of the subset, or a native program through `&` or its path. */
  private async command(node: Node, input: PsValue[]): Promise<PsValue[]> {
    const invoked = node.namedChildren.find((c) => c?.type === 'command_invokation_operator');
    if (invoked && invoked.text !== '&') throw notInSandbox(node);
    const nameNode = node.namedChildren.find((c) => c?.type === 'command_name' || c?.type === 'command_name_expr')!;
    const name = nameNode.type === 'command_name' ? nameNode.text : toText(await this.evaluate(nameNode));
    const elements = await commandElements(node, (n) => this.evaluate(n));
    const cmdlet = invoked ? undefined : findCmdlet(name);
    if (!cmdlet) {
      if (!invoked && !/[\\/]|\.exe$/i.test(name)) throw commandNotFound(name);
      const result = await runNative(this.machine, name, nativeArguments(elements));
      if (result === undefined) throw commandNotFound(name);
      this.variables.set('lastexitcode', result.code);
      this.stderr += result.stderr;
      return result.stdout === '' ? [] : result.stdout.replace(/\r?\n$/, '').split(/\r?\n/);
    }
    const args = bindArguments(cmdlet, elements);
    const invocation: Invocation = { args, input, machine: this.machine, invoke: (block, item) => this.invoke(block, item) };
    try {
      return await cmdlet.run(invocation);
    } catch (err) {
      if (!(err instanceof PowerShellError) || err.terminating) throw err;
      const action = toText(args.get('erroraction') ?? this.variable('ErrorActionPreference')).toLowerCase();
      if (action === 'stop') throw err;
      if (action !== 'silentlycontinue' && action !== 'ignore') {
        this.stderr += err.printed();
        this.failed = true;
      }
      return [];
    }
  }

  async evaluate(node: Node): Promise<PsValue> {
    const type = operatorLevel(node);
    if (WRAPPERS.has(type) && node.namedChildren.length === 1) return this.evaluate(node.namedChildren[0]!);
    switch (type) {
      case 'pipeline':
        return collapse(await this.pipeline(node));
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
        return this.variable(variableName(node));
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
        await this.statements(node, (values) => out.push(...values));
        return out;
      }
      case 'parenthesized_expression':
        return collapse(await this.pipeline(node.namedChildren.find((c) => c?.type === 'pipeline')!));
      case 'sub_expression': {
        const out: PsValue[] = [];
        await this.statements(node, (values) => out.push(...values));
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
      default:
        throw notInSandbox(type);
    }
  }

  /** `$x.Prop`, `$list.Prop` (each item's), `[Console]::Error`. */
  private async member(node: Node): Promise<PsValue> {
    const owner = node.namedChildren[0]!;
    const name = memberName(node);
    if (owner.type === 'type_literal') {
      const stream = owner.text.toLowerCase() === '[console]' && { error: 'stderr', out: 'stdout' }[name.toLowerCase()];
      if (!stream) throw notInSandbox(node);
      return PsObject.of({}, 'System.IO.TextWriter', stream);
    }
    return property(await this.evaluate(owner), name);
  }

  private async method(node: Node): Promise<PsValue> {
    const [target, , argumentList] = node.namedChildren as Node[];
    const owner = await this.evaluate(target);
    const name = node.namedChildren.find((c) => c?.type === 'member_name')!.text.toLowerCase();
    const expressions = argumentList?.namedChildren.find((c) => c?.type === 'argument_expression_list');
    const args = expressions ? await Promise.all(expressions.namedChildren.map((c) => this.evaluate(c!))) : [];
    if (owner instanceof PsObject && owner.typeName === 'System.IO.TextWriter' && name === 'writeline') {
      const line = `${args.map(toText).join('')}\n`;
      if (owner.text === 'stderr') this.stderr += line;
      else this.stdout += line;
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
    throw notInSandbox(node);
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
      table.set(unquote(key.text), collapse(await this.pipeline(entry.namedChildren.find((c) => c?.type === 'pipeline')!)));
    }
    return table;
  }
}

/** The node under the grammar's single-operand wrappers. */
function unwrap(node: Node): Node {
  return WRAPPERS.has(operatorLevel(node)) && node.namedChildren.length === 1 ? unwrap(node.namedChildren[0]!) : node;
}

function variableName(node: Node): string {
  const text = node.text.replace(/^\$\{?/, '').replace(/\}$/, '');
  if (text.includes(':')) throw notInSandbox(node); // $env:X, $script:x: scopes and drives the sandbox does not keep
  return text.toLowerCase();
}

const memberName = (node: Node) => node.namedChildren.find((c) => c?.type === 'member_name')!.text;

/** A property of a value; of each item for an array (member enumeration), `Length`/`Count` of strings and arrays. */
function property(owner: PsValue, name: string): PsValue {
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

/** Backtick escapes of a double-quoted string, and its doubled quotes. */
function unescape(text: string, quote: string): string {
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
  return text.replace(/`(.)/gs, (_m, c: string) => escapes[c] ?? c).replaceAll(quote + quote, quote);
}

/** Runs one script on a machine: what powershell.exe -NoProfile -NonInteractive -EncodedCommand prints and exits with. */
export function runPowerShell(machine: WindowsMachine, script: string): Promise<ScriptResult> {
  return new PowerShellInterpreter(machine).run(script);
}
