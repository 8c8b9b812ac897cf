/**
 * The file cmdlets, on the machine's system drive (`C:\…` is `<rootfs>/C:/…`): Test-Path, New-Item, Get-Item,
 * Remove-Item, Move-Item, Copy-Item, Get-FileHash, Get-Content, Set-Content. Writes are atomic (a temporary file
 * renamed over the target), links relative (so a session chrooted into the rootfs sees them as the agent does).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { cmdletError, requiredArg, textArg, type Arguments, type Cmdlet, type Invocation } from './interpreter-cmdlet.js';
import { hostPath, pipeName, toWindowsPath, windowsPath, type WindowsMachine } from './interpreter-machine.js';
import { enumerate, PsObject, toText, type PsValue } from './interpreter-values.js';

/** -LiteralPath, else -Path (wildcards are not expanded: bosun names its paths). */
const pathArg = (command: string, args: Arguments) => textArg(args, 'LiteralPath') ?? requiredArg(command, args, 'Path');

const notFound = (command: string, windows: string) =>
  cmdletError(command, 'PathNotFound', 'ObjectNotFound', `Cannot find path '${windows}' because it does not exist.`);

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, data);
  await fs.rename(temp, file);
}

/** The object Get-Item and New-Item output: a FileInfo or DirectoryInfo, with its link's target when it is one. */
async function item(machine: WindowsMachine, file: string, stat: Stats): Promise<PsObject> {
  const fullName = toWindowsPath(machine, file);
  const link = stat.isSymbolicLink() ? await fs.readlink(file) : undefined;
  const target = link === undefined ? undefined : toWindowsPath(machine, path.resolve(path.dirname(file), link));
  const resolved = link === undefined ? stat : await fs.stat(file).catch(() => stat);
  return PsObject.of(
    {
      Name: path.basename(file),
      FullName: fullName,
      PSIsContainer: resolved.isDirectory(),
      ...(resolved.isFile() && { Length: resolved.size }),
      LinkType: link === undefined ? null : 'SymbolicLink',
      Target: target ?? null,
      LastWriteTime: resolved.mtime.toISOString(),
    },
    resolved.isDirectory() ? 'System.IO.DirectoryInfo' : 'System.IO.FileInfo',
    fullName,
  );
}

async function newItem({ args, machine }: Invocation): Promise<PsValue[]> {
  const given = pathArg('New-Item', args);
  const file = hostPath(machine, given, 'NewItemCommand');
  const type = (textArg(args, 'ItemType') ?? 'File').toLowerCase();
  const force = Boolean(args.get('force'));
  const existing = await fs.lstat(file).catch(() => undefined);
  const windows = windowsPath(given, 'NewItemCommand');
  if (existing && !(force && (type !== 'directory' || existing.isDirectory())))
    throw cmdletError(
      'New-Item',
      type === 'directory' ? 'DirectoryExist' : 'NewItemIOError',
      'ResourceExists',
      `An item with the specified name ${windows} already exists.`,
    );
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (type === 'directory') await fs.mkdir(file, { recursive: true });
  else if (type === 'symboliclink') {
    const target = hostPath(machine, requiredArg('New-Item', args, 'Target'), 'NewItemCommand');
    if (!(await fs.lstat(target).catch(() => undefined))) throw notFound('New-Item', windowsPath(textArg(args, 'Target')!, 'NewItemCommand'));
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.symlink(path.relative(path.dirname(file), target), temp);
    if (existing?.isDirectory() && !existing.isSymbolicLink()) await fs.rm(file, { recursive: true });
    await fs.rename(temp, file);
  } else if (type === 'file') await writeAtomic(file, Buffer.from(textArg(args, 'Value') ?? ''));
  else throw cmdletError('New-Item', 'NotSupported', 'InvalidArgument', `The sandbox's New-Item makes a File, Directory or SymbolicLink, not ${type}.`);
  return [await item(machine, file, await fs.lstat(file))];
}

async function removeItem({ args, machine }: Invocation): Promise<PsValue[]> {
  const given = pathArg('Remove-Item', args);
  const file = hostPath(machine, given, 'RemoveItemCommand');
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat) throw notFound('Remove-Item', windowsPath(given, 'RemoveItemCommand'));
  if (stat.isDirectory() && !args.get('recurse') && (await fs.readdir(file)).length > 0)
    throw cmdletError(
      'Remove-Item',
      'DirectoryNotEmpty',
      'WriteError',
      `The item at ${windowsPath(given, 'RemoveItemCommand')} has children and the Recurse parameter was not specified.`,
    );
  await fs.rm(file, { recursive: stat.isDirectory(), force: true });
  return [];
}

/** Move-Item and Copy-Item: into a directory that exists, or to the destination's name; -Force replaces a file. */
function transfer(command: 'Move-Item' | 'Copy-Item'): Cmdlet['run'] {
  const id = command.replace('-', '') + 'Command';
  return async ({ args, machine }) => {
    const given = pathArg(command, args);
    const source = hostPath(machine, given, id);
    const stat = await fs.lstat(source).catch(() => undefined);
    if (!stat) throw notFound(command, windowsPath(given, id));
    let destination = hostPath(machine, requiredArg(command, args, 'Destination'), id);
    if ((await fs.stat(destination).catch(() => undefined))?.isDirectory()) destination = path.join(destination, path.basename(source));
    const exists = await fs.lstat(destination).catch(() => undefined);
    if (exists && command === 'Move-Item' && !args.get('force'))
      throw cmdletError(command, 'MoveFileInfoItemIOError', 'WriteError', 'Cannot create a file when that file already exists.');
    if (command === 'Move-Item') await fs.rename(source, destination);
    else if (stat.isDirectory()) {
      if (!args.get('recurse'))
        throw cmdletError(command, 'CopyContainerItemWithoutRecurse', 'InvalidArgument', `Container cannot be copied onto existing leaf item.`);
      await fs.cp(source, destination, { recursive: true });
    } else await writeAtomic(destination, await fs.readFile(source));
    return [];
  };
}

/** Set-Content's bytes: lines joined by CRLF and ended by one (unless -NoNewline); `-Encoding UTF8` writes a BOM, as Windows PowerShell 5.1. */
function content(args: Arguments): Buffer {
  const lines = enumerate(args.get('value') ?? '').map(toText);
  const text = args.get('nonewline') ? lines.join('') : lines.map((l) => `${l}\r\n`).join('');
  const bom = (textArg(args, 'Encoding') ?? '').toLowerCase() === 'utf8' ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0);
  return Buffer.concat([bom, Buffer.from(text, 'utf8')]);
}

export const FILE_CMDLETS: Cmdlet[] = [
  {
    name: 'Test-Path',
    parameters: ['Path', 'LiteralPath', 'PathType'],
    positional: 1,
    run: async ({ args, machine }) => {
      const given = pathArg('Test-Path', args);
      const pipe = pipeName(given);
      if (pipe !== undefined) return [(await machine.services.pipes()).some((p) => p.toLowerCase() === pipe.toLowerCase())];
      const stat = await fs.stat(hostPath(machine, given, 'TestPathCommand')).catch(() => undefined);
      const type = textArg(args, 'PathType')?.toLowerCase();
      return [Boolean(stat) && (type === 'leaf' ? stat!.isFile() : type === 'container' ? stat!.isDirectory() : true)];
    },
  },
  { name: 'New-Item', parameters: ['Path', 'ItemType', 'Target', 'Value', 'LiteralPath'], positional: 1, switches: ['Force'], run: newItem },
  {
    name: 'Get-Item',
    parameters: ['Path', 'LiteralPath'],
    positional: 1,
    switches: ['Force'],
    run: async ({ args, machine }) => {
      const given = pathArg('Get-Item', args);
      const file = hostPath(machine, given, 'GetItemCommand');
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat) throw notFound('Get-Item', windowsPath(given, 'GetItemCommand'));
      return [await item(machine, file, stat)];
    },
  },
  { name: 'Remove-Item', parameters: ['Path', 'LiteralPath'], positional: 1, switches: ['Recurse', 'Force'], run: removeItem },
  { name: 'Move-Item', parameters: ['Path', 'Destination', 'LiteralPath'], positional: 2, switches: ['Force'], run: transfer('Move-Item') },
  { name: 'Copy-Item', parameters: ['Path', 'Destination', 'LiteralPath'], positional: 2, switches: ['Force', 'Recurse'], run: transfer('Copy-Item') },
  {
    name: 'Get-FileHash',
    parameters: ['Path', 'LiteralPath', 'Algorithm'],
    positional: 1,
    run: async ({ args, machine }) => {
      const given = pathArg('Get-FileHash', args);
      const algorithm = (textArg(args, 'Algorithm') ?? 'SHA256').toUpperCase();
      if (!['SHA256', 'SHA1', 'SHA512', 'MD5'].includes(algorithm))
        throw cmdletError('Get-FileHash', 'ParameterArgumentValidationError', 'InvalidData', `Cannot validate argument on parameter 'Algorithm'.`);
      const data = await fs.readFile(hostPath(machine, given, 'GetFileHashCommand')).catch(() => undefined);
      if (!data) throw notFound('Get-FileHash', windowsPath(given, 'GetFileHashCommand'));
      const hash = createHash(algorithm.toLowerCase()).update(data).digest('hex').toUpperCase();
      return [PsObject.of({ Algorithm: algorithm, Hash: hash, Path: windowsPath(given, 'GetFileHashCommand') }, 'Microsoft.Powershell.Utility.FileHash')];
    },
  },
  {
    name: 'Get-Content',
    parameters: ['Path', 'LiteralPath', 'Encoding'],
    positional: 1,
    switches: ['Raw'],
    run: async ({ args, machine }) => {
      const given = pathArg('Get-Content', args);
      const text = await fs.readFile(hostPath(machine, given, 'GetContentCommand'), 'utf8').catch(() => undefined);
      if (text === undefined) throw notFound('Get-Content', windowsPath(given, 'GetContentCommand'));
      const body = text.replace(/^\uFEFF/, '');
      return args.get('raw') ? [body] : body.replace(/\r?\n$/, '').split(/\r?\n/);
    },
  },
  {
    name: 'Set-Content',
    parameters: ['Path', 'Value', 'LiteralPath', 'Encoding'],
    positional: 2,
    switches: ['Force', 'NoNewline'],
    run: async ({ args, machine }) => {
      const file = hostPath(machine, pathArg('Set-Content', args), 'SetContentCommand');
      if (!(await fs.stat(path.dirname(file)).catch(() => undefined))?.isDirectory())
        throw cmdletError('Set-Content', 'DirectoryNotFound', 'ObjectNotFound', `Could not find a part of the path '${toWindowsPath(machine, file)}'.`);
      await writeAtomic(file, content(args));
      return [];
    },
  },
];
