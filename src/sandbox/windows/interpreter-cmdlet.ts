/** What a cmdlet of the sandbox's PowerShell is: the parameters it binds, and what it does with them. */
import type { WindowsMachine } from './interpreter-machine.js';
import { PowerShellError, toText, type ErrorCategory, type PsValue, type ScriptBlock } from './interpreter-values.js';

/** A command's bound arguments, by lower-case parameter name; switches are `true`. */
export type Arguments = Map<string, PsValue>;

export interface Invocation {
  args: Arguments;
  /** The pipeline's objects (empty for the first command). */
  input: PsValue[];
  machine: WindowsMachine;
  /** Runs a script block with `$_` bound. */
  invoke(block: ScriptBlock, item: PsValue): Promise<PsValue>;
}

export interface Cmdlet {
  name: string;
  /** The parameters it takes by name (ErrorAction is common to all), in their position order for unnamed arguments. */
  parameters: string[];
  /** How many leading parameters also bind by position. */
  positional?: number;
  switches?: string[];
  run(invocation: Invocation): Promise<PsValue[]>;
}

/** An error of a cmdlet, with its FullyQualifiedErrorId `<id>,Microsoft.PowerShell.Commands.<Verb><Noun>Command`. */
export function cmdletError(command: string, id: string, category: ErrorCategory, message: string): PowerShellError {
  return new PowerShellError(message, `${id},Microsoft.PowerShell.Commands.${command.replace('-', '')}Command`, category, command);
}

/** A bound argument as text, undefined when not given. */
export function textArg(args: Arguments, name: string): string | undefined {
  const value = args.get(name.toLowerCase());
  return value === undefined || value === null ? undefined : toText(value);
}

/** A parameter the cmdlet cannot do without (PowerShell would prompt; -NonInteractive makes that an error). */
export function requiredArg(command: string, args: Arguments, name: string): string {
  const value = textArg(args, name);
  if (value === undefined)
    throw new PowerShellError(
      `Cannot process command because of one or more missing mandatory parameters: ${name}.`,
      `MissingMandatoryParameter,Microsoft.PowerShell.Commands.${command.replace('-', '')}Command`,
      'InvalidArgument',
      command,
      true,
    );
  return value;
}
