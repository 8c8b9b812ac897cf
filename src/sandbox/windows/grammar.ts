/**
 * PowerShell as the `tree-sitter-powershell` grammar reads it: the one parser the sandbox's Windows machines run
 * bosun's scripts with, and the tests check every script bosun can send against. No PowerShell runs on these
 * machines, so a real grammar is what stands between a script and a syntax error on a real Windows node.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { once } from '../../util/once.js';

const require = createRequire(import.meta.url);

const parser = once(async () => {
  // The runtime's own wasm from its package, wherever the bundler put this code (dist/chunks has no copy).
  await Parser.init({ locateFile: () => require.resolve('web-tree-sitter/web-tree-sitter.wasm') });
  const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  return new Parser().setLanguage(language);
});

/** A syntax error: where it is (1-based line and column) and the text the grammar could not place. */
export interface SyntaxProblem {
  line: number;
  column: number;
  text: string;
}

/** One command a script runs: its name (a cmdlet, or the path after `&`) and the parameters it names, in order. */
export interface ScriptCommand {
  name: string;
  parameters: string[];
}

export interface ParsedScript {
  /** The syntax tree's root (`program`). */
  root: Node;
  /** ERROR and MISSING nodes; empty for a script PowerShell would parse. */
  problems: SyntaxProblem[];
  /** Every command in source order, nested ones (in `if` conditions, script blocks, sub-expressions) included. */
  commands: ScriptCommand[];
}

export async function parsePowerShell(script: string): Promise<ParsedScript> {
  const tree = (await parser()).parse(script);
  if (!tree) throw new Error('tree-sitter-powershell returned no syntax tree');
  const root = tree.rootNode;
  const problems: SyntaxProblem[] = [];
  const commands: ScriptCommand[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      problems.push({ line: node.startPosition.row + 1, column: node.startPosition.column + 1, text: node.isMissing ? `missing ${node.type}` : node.text });
    }
    if (node.type === 'command') commands.push(commandOf(node));
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return { root, problems, commands };
}

/** A command's name: `command_name`, or after the call operator `&` the invoked path with its quotes removed. */
export function commandName(node: Node): string {
  const named = node.children.find((c) => c?.type === 'command_name');
  if (named) return named.text;
  const invoked = node.children.find((c) => c && c.type !== 'command_invokation_operator' && c.type !== 'command_elements');
  return unquote(invoked?.text ?? '');
}

/** A command's parameters (`-Name`, `--version`) without their dashes, in order. */
export function commandParameters(node: Node): string[] {
  const elements = node.children.find((c) => c?.type === 'command_elements');
  return (elements?.children ?? []).filter((c) => c?.type === 'command_parameter').map((c) => c!.text.replace(/^-+/, '').replace(/:$/, ''));
}

const commandOf = (node: Node): ScriptCommand => ({ name: commandName(node), parameters: commandParameters(node) });

/** A PowerShell string literal's value: `'it''s'` → `it's`; a double-quoted one without expansions likewise. */
export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replaceAll('`"', '"').replaceAll('""', '"');
  return text;
}
