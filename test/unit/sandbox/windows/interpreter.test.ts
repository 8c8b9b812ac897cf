import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testMachine } from './machine.js';
import { ADMINISTRATOR_SCRIPT } from '../../../../src/host/windows/scripts.js';
import { doorScript, errorRecord } from '../../../support/powershell-wrapper.js';

describe('the sandbox PowerShell: language', () => {
  it('runs variables, strings, if/elseif/else, foreach, comparisons and member access', async () => {
    const m = testMachine();
    const r = await m.ps(`
$name = 'kube' + "let"
$n = 2
if ($n -eq 1) { 'one' } elseif ($n -ne 2 -or $false) { 'two?' } else { "name=$name n=$($n + 1)" }
foreach ($x in @('a', 'bb')) { Write-Output $x.Length }
$h = @{ a = 1; b = 'x' }
$h.a
-not $true
'it''s' -like 'IT*'
[string]$null -eq ''
`);
    expect(r).toEqual({ code: 0, stdout: 'name=kubelet n=3\n1\n2\n1\nFalse\nTrue\nTrue\n', stderr: '' });
  });

  it('ends with exit N, and catches terminating errors with $_ as the error record', async () => {
    const m = testMachine();
    const r = await m.ps(
      `try { throw 'boom' } catch { Write-Output $_.Exception.Message; Write-Output $_.FullyQualifiedErrorId } finally { 'finally' }\nexit 7\n'never'`,
    );
    expect(r).toEqual({ code: 7, stdout: 'boom\nboom\nfinally\n', stderr: '' });
  });

  it('turns the wrapper’s catch into one bosun-error record and exit 1', async () => {
    const m = testMachine();
    const r = await m.ps(doorScript(`Get-Item -LiteralPath 'C:\\nothing'`));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorRecord(r.stderr)).toEqual({
      message: "Cannot find path 'C:\\nothing' because it does not exist.",
      id: 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand',
      category: 'ObjectNotFound',
    });
    expect(await m.ps(doorScript(`Write-Output 'fine'`))).toEqual({ code: 0, stdout: 'fine\n', stderr: '' });
  });

  it('writes non-terminating errors under Continue, hides them with -ErrorAction SilentlyContinue, stops with Stop', async () => {
    const m = testMachine();
    const shown = await m.ps(`Get-Item C:\\x\n'after'`);
    expect(shown.stdout).toBe('after\n');
    expect(shown.stderr).toMatch(/^Get-Item : Cannot find path 'C:\\x' because it does not exist\.\n {4}\+ CategoryInfo {10}: ObjectNotFound\n/);
    expect(shown.code).toBe(0);
    const failedLast = await m.ps(`Get-Item C:\\x`);
    expect(failedLast.code).toBe(1);
    expect(await m.ps(`$s = Get-Service -Name kubelet -ErrorAction SilentlyContinue\nif ($s -eq $null) { 'none' }`)).toEqual({
      code: 0,
      stdout: 'none\n',
      stderr: '',
    });
    const stopped = await m.ps(`Get-Item C:\\x -ErrorAction Stop\n'never'`);
    expect([stopped.code, stopped.stdout]).toEqual([1, '']);
  });

  it('refuses unknown commands, parameters and syntax with an error record and exit 1, even inside try', async () => {
    const m = testMachine();
    const unknown = await m.ps(doorScript('Invoke-WebRequest -Uri x'));
    expect(unknown.code).toBe(1);
    expect(errorRecord(unknown.stderr)).toMatchObject({ id: 'CommandNotFoundException', category: 'ObjectNotFound' });
    expect(errorRecord(unknown.stderr).message).toMatch(/^The term 'Invoke-WebRequest' is not recognized/);
    const parameter = await m.ps(`Test-Path -Nope C:\\`);
    expect(parameter.code).toBe(1);
    expect(parameter.stderr).toContain("A parameter cannot be found that matches parameter name 'Nope'.");
    expect(parameter.stderr).toContain('NamedParameterNotFound,Microsoft.PowerShell.Commands.TestPathCommand');
    const syntax = await m.ps(`while ($true) { 'x' }`);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/does not run while_statement/);
    const method = await m.ps(doorScript(`$x = 'a'\n$x.PadLeft(3)`));
    expect([method.code, method.stderr]).toEqual([1, expect.stringMatching(/does not run invokation_expression/)]);
    const parse = await m.ps(`if (`);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain('ParseException');
  });

  it('writes [Console]::Error lines to stderr and prints objects as lists', async () => {
    const m = testMachine();
    const r = await m.ps(`[Console]::Error.WriteLine('to stderr')\n@{ a = 1 } | Select-Object -Property a`);
    expect(r).toEqual({ code: 0, stdout: '\na : 1\n\n', stderr: 'to stderr\n' });
  });

  it("answers the door's administrator check: the session is the machine's Administrator, elevated", async () => {
    const m = testMachine();
    expect(await m.ps(ADMINISTRATOR_SCRIPT)).toEqual({ code: 0, stdout: 'True\n', stderr: '' });
    const r = await m.ps(`$p = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
Write-Output $p.Identity.Name
$p.IsInRole([Security.Principal.WindowsBuiltInRole]::Guest)
$p.IsInRole('Administrator')`);
    expect(r).toEqual({ code: 0, stdout: 'Administrator\nFalse\nTrue\n', stderr: '' });
    expect((await m.ps('[Security.Principal.WindowsIdentity]::GetAnonymous()')).code).toBe(1);
  });

  it('converts to JSON as Windows PowerShell 5.1 (enums as numbers, -Compress, -Depth)', async () => {
    const m = testMachine();
    const r = await m.ps(`@{ a = @{ b = @{ c = @{ d = 1 } } } } | ConvertTo-Json -Compress\n@(1, 'x') | ConvertTo-Json -Compress -Depth 1`);
    expect(r.stdout).toBe('{"a":{"b":{"c":"System.Collections.Hashtable"}}}\n[1,"x"]\n');
  });
});

describe('the sandbox PowerShell: files on the C: drive', () => {
  it('makes directories, writes, reads, hashes, copies, moves and removes files under <rootfs>/C:', async () => {
    const m = testMachine();
    const r = await m.ps(
      doorScript(`
New-Item -ItemType Directory -Path 'C:\\etc\\kubernetes\\pki' -Force | Out-Null
New-Item -ItemType Directory -Path 'C:\\etc\\kubernetes' -Force | Out-Null
Set-Content -LiteralPath 'C:\\etc\\kubernetes\\a.txt' -Value 'hello'
Test-Path -LiteralPath 'C:\\etc\\kubernetes\\a.txt'
Test-Path -Path '\\etc\\kubernetes\\missing'
(Get-Content -Raw -LiteralPath 'C:\\etc\\kubernetes\\a.txt').Trim()
(Get-FileHash -Algorithm SHA256 -LiteralPath 'C:\\etc\\kubernetes\\a.txt').Hash
Copy-Item -LiteralPath 'C:\\etc\\kubernetes\\a.txt' -Destination 'C:\\etc\\kubernetes\\b.txt'
Move-Item -LiteralPath 'C:\\etc\\kubernetes\\b.txt' -Destination 'C:\\etc\\kubernetes\\a.txt' -Force
Remove-Item -LiteralPath 'C:\\etc\\kubernetes\\pki' -Recurse -Force
(Get-Item -LiteralPath 'C:\\etc\\kubernetes\\a.txt').Length
`),
    );
    const hash = createHash('sha256').update('hello\r\n').digest('hex').toUpperCase();
    expect(r).toEqual({ code: 0, stdout: `True\nFalse\nhello\n${hash}\n7\n`, stderr: '' });
    expect(readFileSync(m.drive('etc/kubernetes/a.txt'), 'utf8')).toBe('hello\r\n');
    expect(existsSync(m.drive('etc/kubernetes/b.txt'))).toBe(false);
    expect(existsSync(m.drive('etc/kubernetes/pki'))).toBe(false);
  });

  it('refuses what Windows refuses: an existing directory without -Force, a move over a file without it, another drive', async () => {
    const m = testMachine();
    mkdirSync(m.drive('k'), { recursive: true });
    writeFileSync(m.drive('k/a'), 'a');
    writeFileSync(m.drive('k/b'), 'b');
    expect(errorRecord((await m.ps(doorScript(`New-Item -ItemType Directory -Path C:\\k`))).stderr)).toEqual({
      message: 'An item with the specified name C:\\k already exists.',
      id: 'DirectoryExist,Microsoft.PowerShell.Commands.NewItemCommand',
      category: 'ResourceExists',
    });
    expect(errorRecord((await m.ps(doorScript(`Move-Item -LiteralPath C:\\k\\a -Destination C:\\k\\b`))).stderr).message).toBe(
      'Cannot create a file when that file already exists.',
    );
    expect(errorRecord((await m.ps(doorScript(`Test-Path -LiteralPath D:\\x`))).stderr).message).toBe(
      "Cannot find drive. A drive with the name 'D' does not exist.",
    );
    expect(readFileSync(m.drive('k/b'), 'utf8')).toBe('b');
  });

  it('makes symbolic links relative, so a session chrooted into the rootfs follows them too', async () => {
    const m = testMachine();
    mkdirSync(m.drive('var/lib/kubelet/pki'), { recursive: true });
    mkdirSync(m.drive('etc/kubernetes'), { recursive: true });
    const r = await m.ps(
      doorScript(`New-Item -ItemType SymbolicLink -Path 'C:\\etc\\kubernetes\\pki' -Target 'C:\\var\\lib\\kubelet\\pki' | Out-Null
(Get-Item -LiteralPath 'C:\\etc\\kubernetes\\pki').Target`),
    );
    expect(r).toEqual({ code: 0, stdout: 'C:\\var\\lib\\kubelet\\pki\n', stderr: '' });
    expect(readlinkSync(m.drive('etc/kubernetes/pki'))).toBe('../../var/lib/kubelet/pki');
  });
});
