/**
 * The command path of a Windows machine short of sshd: a session's shell runs `powershell.exe -EncodedCommand …`
 * chrooted into the machine's rootfs, the hand-off writes the request for the node agent, the agent's request
 * server runs the script through the interpreter on the machine (its C: drive, its services), and the answer comes
 * back as the script's stdout, stderr and exit code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemctlServer, type NodeServices, type UnitState } from '../../../../src/sandbox/systemctl.js';
import { equipWindowsMachine } from '../../../../src/sandbox/windows/machine.js';
import { encodedScript, powershellExe } from '../../../../src/sandbox/windows/powershell-exe.js';
import { WindowsServices } from '../../../../src/sandbox/windows/services.js';
import { tempDir } from '../../../support/temp.js';
import { windowsProgram } from '../../../support/windows-program.js';
import { runInChroot } from '../chroot-run.js';

const encode = (script: string) => Buffer.from(script, 'utf16le').toString('base64');

describe('powershell.exe command lines', () => {
  it('takes the script of -EncodedCommand (UTF-16LE, base64) and nothing else', () => {
    expect(encodedScript(['-NoProfile', '-NonInteractive', '-EncodedCommand', encode("'hé'")])).toBe("'hé'");
    expect(encodedScript(['-Command', 'Get-Service'])).toMatchObject({ problem: expect.stringContaining('-EncodedCommand <base64> only') });
    expect(encodedScript(['-EncodedCommand', 'not base64!'])).toMatchObject({ problem: expect.stringContaining('not properly encoded') });
  });
});

// chroot and a root-owned rootfs need root, as the sandbox does.
describe.skipIf(process.getuid?.() !== 0)('powershell.exe on a Windows machine, through the node agent', () => {
  const nodes = tempDir('bosun-windows-nodes-');
  const rootfs = path.join(nodes, 'worker-1');
  const kubelet: { state: UnitState; calls: string[] } = { state: 'inactive', calls: [] };
  const kubelets: NodeServices = {
    start: async (node) => void (kubelet.calls.push(`start ${node}`), (kubelet.state = 'active')),
    stop: async (node) => void (kubelet.calls.push(`stop ${node}`), (kubelet.state = 'inactive')),
    restart: async () => undefined,
    state: () => ({ state: kubelet.state, detail: '' }),
  };
  const windows = new WindowsServices(
    () => rootfs,
    kubelets,
    () => undefined,
    () => undefined,
  );
  const machine = { rootfs, services: windows.driver('worker-1'), tcpTable: async () => '' };
  const server = new SystemctlServer(
    nodes,
    kubelets,
    () => undefined,
    undefined,
    undefined,
    (_node, args) => powershellExe(machine, args),
  );
  let timer: NodeJS.Timeout;
  const powershell = (script: string) => runInChroot(rootfs, '/bin/sh', ['-c', `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${encode(script)}`]);

  beforeAll(async () => {
    await equipWindowsMachine(rootfs, 'worker-1');
    await windowsProgram(path.join(rootfs, 'C:/Program Files/containerd'), 'containerd.exe', 'containerd', 'v2.1.4');
    timer = setInterval(() => void server.scan(), 100);
  }, 120_000);
  afterAll(() => {
    clearInterval(timer);
    server.stop();
  });

  it('boots containerd (a registered Automatic service whose binary is a Windows program), serving its pipe', async () => {
    await windows.boot('worker-1');
    expect(await powershell(`Test-Path '\\\\.\\pipe\\containerd-containerd'\n(Get-Service containerd).Status.ToString()`)).toEqual({
      code: 0,
      stdout: 'True\nRunning\n',
      stderr: '',
    });
    expect(windows.serving('worker-1', 'npipe:////./pipe/containerd-containerd')).toEqual({
      runtime: 'containerd',
      binary: '/Program Files/containerd/containerd.exe',
    });
    expect((await powershell(`& 'C:\\Program Files\\containerd\\containerd.exe' --version`)).stdout).toBe(
      'containerd github.com/containerd/containerd/v2 v2.1.4\n',
    );
  });

  it('runs a script on the C: drive, with its output, its errors on stderr, and its exit code', async () => {
    const result = await powershell(`New-Item -ItemType Directory -Path C:\\k -Force | Out-Null
Set-Content -LiteralPath C:\\k\\a.txt -Value 'hi'
New-Service -Name kubelet -BinaryPathName 'C:\\k\\kubelet.exe' -DisplayName kubelet -StartupType Automatic | Out-Null
Start-Service kubelet
[Console]::Error.WriteLine('to stderr')
Write-Output 'done'
exit 3`);
    expect(result).toEqual({ code: 3, stdout: 'done\n', stderr: 'to stderr\n' });
    expect(readFileSync(path.join(rootfs, 'C:/k/a.txt'), 'utf8')).toBe('hi\r\n');
    expect(kubelet.calls).toEqual(['start worker-1']);
    const stop = await powershell(`Stop-Service containerd\nTest-Path '\\\\.\\pipe\\containerd-containerd'`);
    expect(stop.stdout).toBe('False\n');
    expect(windows.serving('worker-1', 'npipe:////./pipe/containerd-containerd')).toMatchObject({ problem: expect.stringContaining('containerd-containerd') });
  });

  it('refuses a command line that is not -EncodedCommand', async () => {
    const result = await runInChroot(rootfs, '/bin/sh', ['-c', 'powershell.exe -Command Get-Service']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('-EncodedCommand <base64> only');
  });
});
