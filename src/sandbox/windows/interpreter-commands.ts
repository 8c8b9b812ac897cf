/** The cmdlets the sandbox's PowerShell runs, and how a command line's elements bind to their parameters. */
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { unwrap, type Expressions } from './interpreter-expressions.js';
import { cmdletError, requiredArg, type Arguments, type Cmdlet } from './interpreter-cmdlet.js';
import { FILE_CMDLETS } from './interpreter-files.js';
import { PIPELINE_CMDLETS } from './interpreter-pipeline.js';
import { SERVICE_CMDLETS } from './interpreter-services.js';
import { toWindowsPath } from './interpreter-machine.js';
import { resolveProgram } from './interpreter-native.js';
import { SYSTEM_CMDLETS } from './interpreter-system.js';
import { isTrue, PowerShellError, PsEnum, PsObject, toText, type PsValue } from './interpreter-values.js';

const CMDLETS = new Map([...FILE_CMDLETS, ...PIPELINE_CMDLETS, ...SERVICE_CMDLETS, ...SYSTEM_CMDLETS].map((c) => [c.name.toLowerCase(), c]));

/** The cmdlet of that name (case-insensitive), undefined when the subset has none. */
export const findCmdlet = (name: string): Cmdlet | undefined => CMDLETS.get(name.toLowerCase());

/** One element of a command line: `-Name` (with `:` when its value is attached), or a value. */
export type Element = { parameter: string; attached: boolean; text: string } | { value: PsValue };

/** A command's elements in order, values evaluated. */
export async function commandElements(command: Node, expressions: Pick<Expressions, 'evaluate' | 'methodArgument'>): Promise<Element[]> {
  const list = command.namedChildren.find((c) => c?.type === 'command_elements');
  const children = (list?.namedChildren ?? []).filter((c): c is Node => Boolean(c));
  const elements: Element[] = [];
  for (const [i, child] of children.entries()) {
    if (child.type === 'command_argument_sep' || isMethodCall(child, children[i + 1])) continue;
    if (child.type === 'command_parameter') {
      const attached = child.text.endsWith(':') || children[i + 1]?.text === ':';
      elements.push({ parameter: child.text.replace(/^-+/, '').replace(/:$/, ''), attached, text: child.text });
    } else if (child.type === 'argument_list' && isMethodCall(children[i - 1], child))
      elements.push({ value: await expressions.methodArgument(unwrap(children[i - 1]), child) });
    else elements.push({ value: await expressions.evaluate(child) });
  }
  return elements;
}

/** `(…).Method(…)` in argument mode: the grammar's member access, then its argument list right after it. */
const isMethodCall = (access: Node | undefined, next: Node | undefined): boolean =>
  access !== undefined && next?.type === 'argument_list' && next.startIndex === access.endIndex && unwrap(access).type === 'member_access';

/** The elements as a native program's argument strings (arrays spread, as PowerShell passes them). */
export function nativeArguments(elements: Element[]): string[] {
  return elements.flatMap((e) => ('value' in e ? (Array.isArray(e.value) ? e.value.map(toText) : [toText(e.value)]) : [e.text]));
}

const bindingError = (cmdlet: Cmdlet, id: string, message: string) =>
  new PowerShellError(message, `${id},Microsoft.PowerShell.Commands.${cmdlet.name.replace('-', '')}Command`, 'InvalidArgument', cmdlet.name, true);

/** Binds named parameters, switches, then positional values, as PowerShell's parameter binder (exact names only). */
export function bindArguments(cmdlet: Cmdlet, elements: Element[]): Arguments {
  const names = new Map([...cmdlet.parameters, ...(cmdlet.switches ?? []), 'ErrorAction'].map((n) => [n.toLowerCase(), n]));
  const switches = new Set((cmdlet.switches ?? []).map((s) => s.toLowerCase()));
  const args: Arguments = new Map();
  const positional: PsValue[] = [];
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i];
    if ('value' in element) {
      positional.push(element.value);
      continue;
    }
    const name = element.parameter.toLowerCase();
    if (!names.has(name))
      throw bindingError(cmdlet, 'NamedParameterNotFound', `A parameter cannot be found that matches parameter name '${element.parameter}'.`);
    const next = elements[i + 1];
    if (switches.has(name) && !element.attached) {
      args.set(name, true);
      continue;
    }
    if (!next || !('value' in next))
      throw bindingError(cmdlet, 'MissingArgument', `Missing an argument for parameter '${names.get(name)}'. Specify a parameter and try again.`);
    args.set(name, switches.has(name) ? isTrue(next.value) : next.value);
    i++;
  }
  const free = cmdlet.parameters.slice(0, cmdlet.positional ?? 0).filter((p) => !args.has(p.toLowerCase()));
  for (const value of positional) {
    const parameter = free.shift();
    if (!parameter)
      throw bindingError(cmdlet, 'PositionalParameterNotFound', `A positional parameter cannot be found that accepts argument '${toText(value)}'.`);
    args.set(parameter.toLowerCase(), value);
  }
  return args;
}

/** Get-Command -Name: a cmdlet of the subset, or a program on the machine's disk (a path, or a name in its PATH). */
const GET_COMMAND: Cmdlet = {
  name: 'Get-Command',
  parameters: ['Name'],
  positional: 1,
  run: async ({ args, machine }) => {
    const name = requiredArg('Get-Command', args, 'Name');
    const cmdlet = findCmdlet(name);
    if (cmdlet)
      return [
        PsObject.of(
          { Name: cmdlet.name, CommandType: new PsEnum('Cmdlet', 8), Source: 'Microsoft.PowerShell' },
          'System.Management.Automation.CmdletInfo',
          cmdlet.name,
        ),
      ];
    const file = await resolveProgram(machine, name);
    if (!file)
      throw cmdletError(
        'Get-Command',
        'CommandNotFoundException',
        'ObjectNotFound',
        `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
      );
    const source = toWindowsPath(machine, file);
    return [
      PsObject.of(
        { Name: path.win32.basename(source), CommandType: new PsEnum('Application', 32), Source: source },
        'System.Management.Automation.ApplicationInfo',
        source,
      ),
    ];
  },
};
CMDLETS.set('get-command', GET_COMMAND);
