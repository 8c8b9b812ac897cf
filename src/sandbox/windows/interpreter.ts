/**
 * The PowerShell of the sandbox's Windows machines: runs a script bosun sends (`powershell.exe -EncodedCommand`)
 * by walking the syntax tree tree-sitter-powershell gives, for the subset bosun's scripts use. Anything outside it —
 * a syntax node, a command, a method — stops the script with an error record and exit 1, never passes silently.
 */
import type { Node } from 'web-tree-sitter';
import { parsePowerShell } from './grammar.js';
import type { Invocation } from './interpreter-cmdlet.js';
import { bindArguments, commandElements, findCmdlet, nativeArguments } from './interpreter-commands.js';
import type { WindowsMachine } from './interpreter-machine.js';
import { Expressions, notInSandbox, unwrap, variableName, memberName, type Scope } from './interpreter-expressions.js';
import { runNative } from './interpreter-native.js';
import { collapse, enumerate, isTrue, NotInSandbox, PowerShellError, PsObject, ScriptBlock, ScriptExit, toText, type PsValue } from './interpreter-values.js';

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Sink = (values: PsValue[]) => void;

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

export class PowerShellInterpreter implements Scope {
  private readonly expressions = new Expressions(this);
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

  write(stream: 'stdout' | 'stderr', text: string): void {
    this[stream] += text;
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

  async statements(node: Node, sink: Sink): Promise<void> {
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
      const owner = await this.expressions.evaluate(left.namedChildren[0]!);
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
  async pipeline(node: Node): Promise<PsValue[]> {
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
    const value = await this.expressions.evaluate(node);
    return value === null ? [] : enumerate(value);
  }

  /** Runs a command: a cmdlet of the subset, or a native program through `&` or its path. */
  private async command(node: Node, input: PsValue[]): Promise<PsValue[]> {
    const invoked = node.namedChildren.find((c) => c?.type === 'command_invokation_operator');
    if (invoked && invoked.text !== '&') throw notInSandbox(node);
    const nameNode = node.namedChildren.find((c) => c?.type === 'command_name' || c?.type === 'command_name_expr')!;
    const name = nameNode.type === 'command_name' ? nameNode.text : toText(await this.expressions.evaluate(nameNode));
    const elements = await commandElements(node, this.expressions);
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
}

/** Runs one script on a machine: what powershell.exe -NoProfile -NonInteractive -EncodedCommand prints and exits with. */
export function runPowerShell(machine: WindowsMachine, script: string): Promise<ScriptResult> {
  return new PowerShellInterpreter(machine).run(script);
}
