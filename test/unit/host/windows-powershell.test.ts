import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { encodeScript, execBody, parseErrorRecord, powershellCommandLine, psQuote, scriptFailure, wrapScript } from '../../../src/host/windows/powershell.js';
import { decodeCommandLine } from '../../support/windows-ssh.js';

describe('PowerShell for a Windows node', () => {
  it('quotes a value as a literal, doubling every kind of single quote PowerShell reads', () => {
    expect(psQuote("C:\\it's $env:X")).toBe("'C:\\it''s $env:X'");
    expect(psQuote('a\u2019b')).toBe("'a\u2019\u2019b'");
    expect(() => psQuote('a\0b')).toThrow('NUL');
  });

  it('encodes the script as base64 of UTF-16LE, which decodes back to it', () => {
    const script = wrapScript("Write-Output 'héllo ✓'");
    expect(encodeScript('A')).toBe('QQA=');
    const line = powershellCommandLine(script);
    expect(line).toMatch(/^powershell\.exe -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/]+=*$/);
    expect(decodeCommandLine(line)).toBe(script);
  });

  it('wraps the body: stop at the first error, report it as one JSON line on stderr, exit 1', () => {
    expect(wrapScript('Start-Service -Name kubelet\nWrite-Output done')).toBe(
      [
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        'try {',
        '  Start-Service -Name kubelet',
        '  Write-Output done',
        '} catch {',
        "  [Console]::Error.WriteLine('bosun-error: ' + ($_ | Select-Object -Property @{n='message';e={$_.Exception.Message}},@{n='id';e={$_.FullyQualifiedErrorId}},@{n='category';e={[string]$_.CategoryInfo.Category}} | ConvertTo-Json -Compress))",
        '  exit 1',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('refuses a script too long for cmd.exe', () => {
    expect(() => powershellCommandLine('x'.repeat(4000))).toThrow('cmd.exe takes at most 8191');
  });

  it('runs a program by the call operator and exits with its code; env first', () => {
    expect(execBody('C:\\k\\kubelet.exe', ['--version'])).toBe("& 'C:\\k\\kubelet.exe' '--version'\nexit $LASTEXITCODE");
    expect(execBody('kubeadm.exe', ["it's"], { KUBECONFIG: 'C:\\etc\\kubernetes\\admin.conf' })).toBe(
      "$env:KUBECONFIG = 'C:\\etc\\kubernetes\\admin.conf'\n& 'kubeadm.exe' 'it''s'\nexit $LASTEXITCODE",
    );
  });

  it('refuses arguments Windows PowerShell would change on their way to the program', () => {
    expect(() => execBody('x.exe', [''])).toThrow('an argument of x.exe holds an empty argument');
    expect(() => execBody('x.exe', ['say "hi"'])).toThrow('a double quote');
    expect(() => execBody('x.exe', ['C:\\Program Files\\'])).toThrow('trailing backslash');
    expect(() => execBody('x.exe', ['a'], { 'A-B': '1' })).toThrow('environment variable name "A-B" is not valid');
    expect(execBody('x.exe', ['C:\\k\\'])).toContain("'C:\\k\\'");
  });

  it('finds the error record among other stderr lines, and ignores a malformed one', () => {
    const record = {
      message: "Cannot find any service with service name 'kubelet'.",
      id: 'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand',
      category: 'ObjectNotFound',
    };
    expect(parseErrorRecord(`#< CLIXML\r\nbosun-error: ${JSON.stringify(record)}\r\n`)).toEqual(record);
    expect(parseErrorRecord('bosun-error: {not json\n')).toBeUndefined();
    expect(parseErrorRecord('plain failure\n')).toBeUndefined();
  });

  it('turns a failure into an error naming the machine and the command, secrets hidden', () => {
    const stderr = `bosun-error: ${JSON.stringify({ message: 'token abc.def rejected', id: 'x', category: 'InvalidOperation' })}\n`;
    expect(scriptFailure('win-1', 'kubeadm.exe join ***', { code: 1, stderr }, ['abc.def'])?.message).toBe('win-1: kubeadm.exe join ***: token *** rejected');
    expect(scriptFailure('win-1', 'x.exe', { code: 3, stderr: 'boom abc.def\n' }, ['abc.def'])?.message).toBe('win-1: x.exe exited 3: boom ***');
    expect(scriptFailure('win-1', 'x.exe', { code: 0, stderr: '' })).toBeUndefined();
    const missing = scriptFailure('win-1', "Get-Service -Name 'kubelet' | Out-Null", {
      code: 1,
      stderr: `bosun-error: ${JSON.stringify({ message: "Cannot find any service with service name 'kubelet'.", id: 'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand' })}`,
    });
    expect(missing).toBeInstanceOf(UserError);
    expect(missing?.message).toBe("win-1: Get-Service -Name 'kubelet' | Out-Null: Cannot find any service with service name 'kubelet'.");
  });
});
