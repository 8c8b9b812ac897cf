import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureFacts } from '../../../../src/sandbox/windows/facts.js';
import { windowsProgram } from '../../../support/windows-program.js';
import { FACTS_SCRIPT } from '../../../../src/host/windows/scripts.js';
import { doorScript } from '../../../support/powershell-wrapper.js';
import { testMachine } from './machine.js';

const KUBELET_SERVICE = `New-Service -Name kubelet -BinaryPathName 'C:\\k\\kubelet.exe --windows-service' -DisplayName 'kubelet' -StartupType Automatic | Out-Null`;
/** sshd on 0.0.0.0:22 and the kubelet on 127.0.0.1:10250, listening; one established connection. */
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:280A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:280A 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
`;

describe('the sandbox PowerShell: services', () => {
  it('registers a service in the machine’s registry, starts, restarts and stops it through the machine', async () => {
    const m = testMachine();
    const r = await m.ps(
      doorScript(`${KUBELET_SERVICE}
Start-Service -Name kubelet
$s = Get-Service -Name kubelet
[string]$s.Status
$s | Select-Object -Property 'Name','Status','StartType' | ConvertTo-Json -Compress
Restart-Service -Name kubelet -Force
Set-Service -Name kubelet -StartupType Manual
Stop-Service -Name kubelet -Force
(Get-Service kubelet).Status -eq 'Stopped'`),
    );
    expect(r).toEqual({ code: 0, stdout: 'Running\n{"Name":"kubelet","Status":4,"StartType":2}\nTrue\n', stderr: '' });
    const registry = JSON.parse(readFileSync(m.drive('Windows/System32/config/bosun-sandbox-scm.json'), 'utf8'));
    expect(registry.services.kubelet).toEqual({
      displayName: 'kubelet',
      binaryPathName: 'C:\\k\\kubelet.exe --windows-service',
      startType: 'Manual',
      running: false,
    });
  });

  it('starts the services a service depends on first (New-Service -DependsOn)', async () => {
    const m = testMachine();
    const r = await m.ps(
      doorScript(`New-Service -Name containerd -BinaryPathName 'C:\\k\\containerd.exe' -StartupType Manual | Out-Null
New-Service -Name kubelet -BinaryPathName 'C:\\k\\kubelet.exe' -DisplayName 'kubelet' -StartupType Automatic -DependsOn 'containerd' | Out-Null
Start-Service -Name kubelet`),
    );
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect([...m.running].sort()).toEqual(['containerd', 'kubelet']);
    const registry = JSON.parse(readFileSync(m.drive('Windows/System32/config/bosun-sandbox-scm.json'), 'utf8'));
    expect(registry.services.kubelet.dependsOn).toEqual(['containerd']);
  });

  it('answers as the SCM for a service it does not have, one registered twice, and one that cannot start', async () => {
    const m = testMachine({ containerd: 'C:\\Program Files\\containerd\\containerd.exe is not a Windows program' });
    const missing = await m.ps(doorScript('Start-Service -Name kubelet'));
    expect(missing.stderr).toContain(`"message":"Cannot find any service with service name 'kubelet'."`);
    expect(missing.stderr).toContain('"id":"NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.StartServiceCommand"');
    await m.ps(doorScript(KUBELET_SERVICE));
    expect((await m.ps(doorScript(KUBELET_SERVICE))).stderr).toContain('The specified service already exists');
    await m.ps(
      doorScript(`New-Service -Name containerd -BinaryPathName 'containerd.exe --run-service' -DisplayName containerd -StartupType Automatic | Out-Null`),
    );
    const failed = await m.ps(doorScript('Start-Service containerd'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Service 'containerd (containerd)' cannot be started due to the following error: C:\\\\Program Files");
    expect((await m.ps(`Test-Path -LiteralPath '\\\\.\\pipe\\containerd-containerd'`)).stdout).toBe('False\n');
  });

  it("sees containerd's named pipe while containerd runs", async () => {
    const m = testMachine();
    m.running.add('containerd');
    expect((await m.ps(`Test-Path -LiteralPath '\\\\.\\pipe\\containerd-containerd'`)).stdout).toBe('True\n');
  });
});

describe('the sandbox PowerShell: the machine', () => {
  it('answers Get-CimInstance from the facts file on the machine’s disk, edits included', async () => {
    const m = testMachine();
    await ensureFacts(m.rootfs, 'worker-1');
    const os = await m.ps(`Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object -Property 'Caption','BuildNumber' | ConvertTo-Json -Compress`);
    expect(os.stdout).toBe('{"Caption":"Microsoft Windows Server 2022 Datacenter","BuildNumber":"20348"}\n');
    const memory = Number((await m.ps(`(Get-CimInstance -ClassName Win32_ComputerSystem).TotalPhysicalMemory`)).stdout);
    expect(memory).toBeGreaterThan(0);
    const file = m.drive('Windows/System32/config/bosun-sandbox-os.json');
    const facts = JSON.parse(readFileSync(file, 'utf8'));
    facts.Win32_OperatingSystem.BuildNumber = '17763';
    writeFileSync(file, JSON.stringify(facts));
    expect((await m.ps(`(Get-CimInstance Win32_OperatingSystem).BuildNumber`)).stdout).toBe('17763\n');
  });

  it("answers the Windows door's facts script in one JSON object", async () => {
    const m = testMachine();
    await ensureFacts(m.rootfs, 'worker-1');
    const r = await m.ps(doorScript(FACTS_SCRIPT));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ build: '20348', caption: 'Microsoft Windows Server 2022 Datacenter', hostname: 'worker-1', admin: true });
  });

  it('lists the listening sockets of the machine’s network namespace', async () => {
    const m = testMachine({}, TCP);
    expect((await m.ps(`(Get-NetTCPConnection -LocalPort 10250 -State Listen).LocalAddress`)).stdout).toBe('127.0.0.1\n');
    const none = await m.ps(doorScript(`Get-NetTCPConnection -LocalPort 6443 -State Listen`));
    expect(none.stderr).toContain("No MSFT_NetTCPConnection objects found with property 'LocalPort' equal to '6443'.");
    const quiet = await m.ps(`$c = Get-NetTCPConnection -LocalPort 6443 -ErrorAction SilentlyContinue\nif (-not $c) { 'free' }`);
    expect(quiet).toEqual({ code: 0, stdout: 'free\n', stderr: '' });
  });

  it('keeps firewall rules in a file on the machine', async () => {
    const m = testMachine();
    const rule = `New-NetFirewallRule -Name kubelet -DisplayName 'kubelet (TCP 10250)' -Direction Inbound -Protocol TCP -LocalPort 10250 -Action Allow | Out-Null`;
    const r = await m.ps(
      doorScript(`if (-not (Get-NetFirewallRule -Name kubelet -ErrorAction SilentlyContinue)) { ${rule} }
Get-NetFirewallRule -Name kubelet | Select-Object -Property 'Name','Direction','Action' | ConvertTo-Json -Compress`),
    );
    expect(r).toEqual({ code: 0, stdout: '{"Name":"kubelet","Direction":1,"Action":2}\n', stderr: '' });
    expect((await m.ps(doorScript(rule))).stderr).toContain('Cannot create a file when that file already exists.');
  });

  describe('native programs', () => {
    let m: ReturnType<typeof testMachine>;
    beforeAll(async () => {
      m = testMachine();
      mkdirSync(m.drive('k'), { recursive: true });
      await windowsProgram(m.drive('k'), 'kubelet.exe', 'kubernetes', 'v1.36.3');
      writeFileSync(m.drive('k/kubeadm.exe'), '#!/bin/sh\necho not windows\n');
    }, 120_000);

    it('answers kubelet.exe --version from its build info, and sets $LASTEXITCODE', async () => {
      const r = await m.ps(doorScript(`$v = & 'C:\\k\\kubelet.exe' '--version'\nWrite-Output "$v exit=$LASTEXITCODE"\nexit $LASTEXITCODE`));
      expect(r).toEqual({ code: 0, stdout: 'Kubernetes v1.36.3 exit=0\n', stderr: '' });
      expect((await m.ps(`& C:\\k\\kubelet.exe --version`)).stdout).toBe('Kubernetes v1.36.3\n');
    });

    it('finds programs and cmdlets with Get-Command', async () => {
      const r = await m.ps(
        `(Get-Command -Name C:\\k\\kubelet.exe).Source\n(Get-Command Get-Service).CommandType\n$x = Get-Command nope.exe -ErrorAction SilentlyContinue\n$x -eq $null`,
      );
      expect(r).toEqual({ code: 0, stdout: 'C:\\k\\kubelet.exe\nCmdlet\nTrue\n', stderr: '' });
    });

    it('refuses a file that is no Windows program, a program it cannot run, and a missing one', async () => {
      expect((await m.ps(doorScript(`& 'C:\\k\\kubeadm.exe' version`))).stderr).toContain('is not a valid application for this OS platform');
      const other = await m.ps(doorScript(`& 'C:\\k\\kubelet.exe' --windows-service`));
      expect([other.code, other.stderr]).toEqual([1, expect.stringContaining('the sandbox runs no Windows program')]);
      expect((await m.ps(doorScript(`& 'C:\\k\\nothing.exe'`))).stderr).toContain("The term 'C:\\\\k\\\\nothing.exe' is not recognized");
    });
  });
});
