/**
 * A Corefile as the corefile-migration model sees it: server blocks (their keys), the plugins in each (name and
 * arguments) and the options in a plugin's block (name and arguments). Deeper blocks cannot be represented, so
 * parsing refuses them instead of dropping them; `#` comments are not kept (the caller is told).
 */
import { UserError } from '../../errors.js';

export interface CorefileOption {
  name: string;
  args: string[];
}

export interface CorefilePlugin {
  name: string;
  args: string[];
  options: CorefileOption[];
}

export interface CorefileServer {
  keys: string[];
  plugins: CorefilePlugin[];
}

export interface Corefile {
  servers: CorefileServer[];
  /** The text had `#` comments (printing drops them). */
  hadComments: boolean;
}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
  endLine: number;
}

/** Caddyfile tokens: whitespace-separated words, `"…"` quoting (with `\"`), `#` comments to the end of the line. */
function tokenize(text: string): { tokens: Token[]; hadComments: boolean } {
  const tokens: Token[] = [];
  let hadComments = false;
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      hadComments = true;
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      const start = line;
      let word = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && text[i + 1] === '"') i++;
        if (text[i] === '\n') line++;
        word += text[i];
      }
      if (i >= text.length) throw corefileError(start, 'a quoted word is not closed', 'a closing "');
      i++;
      tokens.push({ text: word, quoted: true, line: start, endLine: line });
    } else {
      let word = '';
      while (i < text.length && !/\s/.test(text[i])) word += text[i++];
      tokens.push({ text: word, quoted: false, line, endLine: line });
    }
  }
  return { tokens, hadComments };
}

function corefileError(line: number, what: string, expected?: string): UserError {
  return new UserError({ what, where: { document: 'Corefile', field: `line ${line}` }, expected });
}

const isOpen = (t: Token | undefined) => t !== undefined && !t.quoted && t.text === '{';
const isClose = (t: Token | undefined) => t !== undefined && !t.quoted && t.text === '}';

/** The words of one directive: the token at `start` and those after it on the same line, up to a brace. */
function directive(tokens: Token[], start: number): { words: string[]; next: number } {
  const words = [tokens[start].text];
  let i = start + 1;
  while (i < tokens.length && tokens[i].line === tokens[i - 1].endLine && !isOpen(tokens[i]) && !isClose(tokens[i])) words.push(tokens[i++].text);
  return { words, next: i };
}

/** Reads a Corefile into servers → plugins → options; a block below an option, or unbalanced braces, is an error. */
export function parseCorefile(text: string): Corefile {
  const { tokens, hadComments } = tokenize(text);
  const servers: CorefileServer[] = [];
  let depth = 0;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (isOpen(token)) throw corefileError(token.line, 'a "{" follows no server block key, plugin or option');
    if (isClose(token)) {
      if (depth === 0) throw corefileError(token.line, 'a "}" closes no block');
      depth--;
      i++;
      continue;
    }
    const { words, next } = directive(tokens, i);
    const [name, ...args] = words;
    const opens = isOpen(tokens[next]);
    if (depth === 0) {
      if (!opens) throw corefileError(token.line, `server block "${words.join(' ')}" has no "{"`, 'every server block in braces');
      servers.push({ keys: words, plugins: [] });
    } else if (depth === 1) {
      servers.at(-1)!.plugins.push({ name, args, options: [] });
    } else {
      const server = servers.at(-1)!;
      const plugin = server.plugins.at(-1)!;
      if (opens) {
        const where = `option "${name}" of plugin "${plugin.name}" in server block "${server.keys.join(' ')}"`;
        throw corefileError(tokens[next].line, `${where} has a block of its own, which the Corefile migration cannot keep`, 'options without blocks');
      }
      plugin.options.push({ name, args });
    }
    if (opens) depth++;
    i = opens ? next + 1 : next;
  }
  if (depth > 0) throw corefileError(tokens.at(-1)?.endLine ?? 1, `${depth} block(s) are not closed`, 'a "}" for every "{"');
  return { servers, hadComments };
}

const INDENT = '    ';

/** A word as the Corefile must spell it: quoted when it holds white space or a quote, or could read as a brace or comment. */
function word(text: string): string {
  return text === '' || /[\s"]/.test(text) || text === '{' || text === '}' || text.startsWith('#') ? `"${text.replaceAll('"', '\\"')}"` : text;
}

const line = (words: string[]) => words.map(word).join(' ');

function printPlugin(plugin: CorefilePlugin): string {
  const head = line([plugin.name, ...plugin.args]);
  if (plugin.options.length === 0) return head;
  const options = plugin.options.map((o) => INDENT.repeat(2) + line([o.name, ...o.args]));
  return `${head} {\n${options.join('\n')}\n${INDENT}}`;
}

function printServer(server: CorefileServer): string {
  return `${line(server.keys)} {\n${server.plugins.map((p) => `${INDENT}${printPlugin(p)}\n`).join('')}}\n`;
}

/**
 * The library's layout: four spaces a level, options on their own lines, a blank line between server blocks. An
 * empty server block keeps its braces (the library prints its keys alone, which no longer parses as a block).
 */
export function printCorefile(corefile: Pick<Corefile, 'servers'>): string {
  return corefile.servers.map(printServer).join('\n');
}
