/**
 * A Windows machine of the sandbox, reached as bosun's Windows door reaches one: the OpenSSH client runs
 * `powershell.exe -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE>` on it, the node agent's interpreter
 * runs the script on the machine's `C:` drive (`<rootfs>/C:/…`) and its service registry, and SFTP sees the drive
 * at `/C:/…`, as Windows OpenSSH serves it.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { windowsBinaryPath } from '../../src/sandbox/windows-binaries.js';
import { parseYaml } from '../../src/util/yaml.js';
import { bosun, sandboxSsh, type CliResult, type SandboxSsh } from '../support/sandbox.js';
import { doorScript, errorRecord } from '../support/powershell-wrapper.js';

const VERSION = 'v1.36.3';

const encoded = (script: string) => Buffer.from(script, 'utf16le').toString('base64');

let dir: string;
let ssh: SandboxSsh;
let windowsAddress: string;
const drive = (...parts: string[]) => path.join(sandboxPaths(dir).nodeRoot('worker-1'), 'C:', ...parts);
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`;
const powershell = (body: string) => ssh.ssh(windowsAddress, `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${encoded(doorScript(body))}`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-windows-'));
  const made = await bosun('sandbox', 'hosts', '2', '--windows', '1', '--dir', dir, '--version', VERSION);
  expect(made.code, failed(made)).toBe(0);
  const doc = parseYaml(readFileSync(sandboxPaths(dir).cluster, 'utf8')) as { spec: { hosts: Array<{ name: string; os?: string; ssh: { address: string } }> } };
  expect(doc.spec.hosts.map((h) => [h.name, h.os ?? 'linux'])).toEqual([
    ['control-plane', 'linux'],
    ['worker-1', 'windows'],
  ]);
  windowsAddress = doc.spec.hosts[1].ssh.address;
  ssh = sandboxSsh({ dir });
}, 600_000);

afterAll(async () => {
  if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
});

describe('a Windows machine of the sandbox over SSH', () => {
  it('runs an -EncodedCommand script: a directory, a file, a service registered and started, the machine facts', async () => {
    const result = await powershell(`New-Item -ItemType Directory -Path 'C:\\etc\\kubernetes' -Force | Out-Null
Set-Content -LiteralPath 'C:\\etc\\kubernetes\\note.txt' -Value 'written over ssh'
New-Service -Name kubelet -BinaryPathName 'C:\\k\\kubelet.exe --windows-service' -DisplayName 'kubelet' -StartupType Automatic | Out-Null
Start-Service -Name kubelet
Test-Path -LiteralPath '\\\\.\\pipe\\containerd-containerd'
Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object -Property 'Caption','BuildNumber' | ConvertTo-Json -Compress`);
    expect(result.code, failed(result)).toBe(0);
    // containerd.exe in the cache is a real Windows program: the machine's boot started its service and pipe.
    expect(result.stdout).toBe('True\n{"Caption":"Microsoft Windows Server 2022 Datacenter","BuildNumber":"20348"}\n');
    expect(readFileSync(drive('etc/kubernetes/note.txt'), 'utf8')).toBe('written over ssh\r\n');
    const registry = JSON.parse(readFileSync(drive('Windows/System32/config/bosun-sandbox-scm.json'), 'utf8'));
    expect(registry.services.kubelet).toMatchObject({ binaryPathName: 'C:\\k\\kubelet.exe --windows-service', startType: 'Automatic', running: true });
  });

  it('sees the drive at /C:/ over SFTP, and answers kubelet.exe --version from the binary put there', async () => {
    const put = await ssh.sftp(windowsAddress, `mkdir /C:/k\nput ${windowsBinaryPath('kubelet.exe', VERSION)} /C:/k/kubelet.exe\nls /C:/etc/kubernetes\n`);
    expect(put.code, failed(put)).toBe(0);
    expect(put.stdout).toContain('note.txt');
    const version = await powershell(`$v = & 'C:\\k\\kubelet.exe' --version\nWrite-Output $v\nexit $LASTEXITCODE`);
    expect([version.code, version.stdout], failed(version)).toEqual([0, `Kubernetes ${VERSION}\n`]);
  });

  it('returns an error record and exit 1 for what fails, and for what the sandbox does not run', async () => {
    const missing = await powershell(`Get-Item -LiteralPath 'C:\\nothing'`);
    expect(missing.code).toBe(1);
    expect(errorRecord(missing.stderr)).toEqual({
      message: "Cannot find path 'C:\\nothing' because it does not exist.",
      id: 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand',
      category: 'ObjectNotFound',
    });
    const unknown = await powershell(`Invoke-WebRequest -Uri https://dl.k8s.io`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/bosun-error: .*The term 'Invoke-WebRequest' is not recognized/);
    const notEncoded = await ssh.ssh(windowsAddress, `powershell.exe -Command 'Get-Service'`);
    expect([notEncoded.code, notEncoded.stderr]).toEqual([1, expect.stringContaining('runs -EncodedCommand <base64> only')]);
  });
});
