import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { wrapScript } from '../../../src/host/windows/powershell.js';
import { moveOverScript, serviceScript } from '../../../src/host/windows/scripts.js';
import { windowsMachine } from '../../../src/host/windows/machine.js';
import { errorRecordLine, fakeWindowsHost, SFTP_WITHOUT_POSIX_RENAME } from '../../support/windows-ssh.js';

describe('WindowsSshHost', () => {
  it('maps node paths in either form to SFTP paths, naming the host when it refuses one', () => {
    const { host } = fakeWindowsHost();
    expect(host.os).toBe('windows');
    expect(host.resolve('/etc/kubernetes/kubelet.conf')).toBe('/C:/etc/kubernetes/kubelet.conf');
    expect(host.resolve('C:\\k\\kubelet.exe')).toBe('/C:/k/kubelet.exe');
    expect(host.windowsPath('/var/lib/kubelet')).toBe('C:\\var\\lib\\kubelet');
    expect(() => host.resolve('\\\\fs\\share')).toThrow(/^host win-1: "\\\\fs\\share" is not a path bosun can use/);
    expect(() => host.remove('C:\\')).toThrow('win-1: refusing to remove /C:/');
  });

  it('sends a program as one encoded PowerShell line and returns its output and exit code', async () => {
    const fake = fakeWindowsHost(() => ({ stdout: 'Kubernetes v1.36.3\r\n' }));
    const result = await fake.host.exec('C:\\k\\kubelet.exe', ['--version']);
    expect(result).toEqual({ stdout: 'Kubernetes v1.36.3\r\n', stderr: '', code: 0 });
    expect(fake.lines[0]).toMatch(/^powershell\.exe -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/=]+$/);
    expect(fake.scripts()[0]).toBe(wrapScript("& 'C:\\k\\kubelet.exe' '--version'\nexit $LASTEXITCODE"));
  });

  it('turns an error record into an error naming host, command and message, with secrets hidden', async () => {
    const fake = fakeWindowsHost(() => ({
      code: 1,
      stderr: errorRecordLine("The term 'C:\\k\\kubeadm.exe' is not recognized (token s3cr3t)", 'CommandNotFoundException'),
    }));
    await expect(fake.host.exec('C:\\k\\kubeadm.exe', ['join', '--token', 's3cr3t'], { secrets: ['s3cr3t'] })).rejects.toThrow(
      "win-1: C:\\k\\kubeadm.exe join --token ***: The term 'C:\\k\\kubeadm.exe' is not recognized (token ***)",
    );
    expect((await fake.host.exec('C:\\k\\kubeadm.exe', [], { check: false })).code).toBe(1);
    const exit = fakeWindowsHost(() => ({ code: 2, stderr: 'usage\r\n' }));
    await expect(exit.host.exec('x.exe', ['a'])).rejects.toThrow('win-1: x.exe a exited 2: usage');
  });

  it('refuses stdin and arguments PowerShell would change, before sending anything', async () => {
    const fake = fakeWindowsHost();
    await expect(fake.host.exec('x.exe', [], { input: 'data' })).rejects.toThrow('win-1: x.exe: bosun sends no input');
    await expect(fake.host.exec('x.exe', ['a"b'])).rejects.toThrow('win-1: x.exe a"b: an argument of x.exe holds a double quote');
    expect(fake.lines).toEqual([]);
  });

  it('runs services through the service cmdlets; a missing service is a UserError', async () => {
    const fake = fakeWindowsHost();
    await fake.host.service('kubelet').enable();
    expect(fake.scripts()).toEqual([wrapScript(serviceScript('kubelet', 'enable'))]);
    expect(serviceScript('kubelet', 'disable')).toBe(
      "Get-Service -Name 'kubelet' | Out-Null\nStop-Service -Name 'kubelet' -Force\nSet-Service -Name 'kubelet' -StartupType Disabled",
    );
    const missing = fakeWindowsHost(() => ({
      code: 1,
      stderr: errorRecordLine(
        "Cannot find any service with service name 'kubelet'.",
        'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand',
      ),
    }));
    const err = await missing.host
      .service('kubelet')
      .start()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe("win-1: Get-Service -Name 'kubelet' | Out-Null: Cannot find any service with service name 'kubelet'.");
  });

  it('renames over an existing file through Move-Item when SFTP cannot; a missing source is an error', async () => {
    const fake = fakeWindowsHost(() => ({}), SFTP_WITHOUT_POSIX_RENAME);
    await fake.host.rename('/etc/kubernetes/kubelet.conf.new', 'C:\\etc\\kubernetes\\kubelet.conf');
    expect(fake.scripts()).toEqual([wrapScript(moveOverScript('C:\\etc\\kubernetes\\kubelet.conf.new', 'C:\\etc\\kubernetes\\kubelet.conf'))]);
    const missing = fakeWindowsHost(() => ({}), {
      _extensions: {},
      rename: (_f: string, _t: string, cb: (err: Error) => void) => cb(Object.assign(new Error('No such file'), { code: 2 })),
    });
    await expect(missing.host.rename('C:\\k\\absent', 'C:\\k\\b')).rejects.toThrow('win-1: moving /C:/k/absent to /C:/k/b: No such file');
    expect(missing.lines).toEqual([]);
  });

  it('verifies the login is an administrator', async () => {
    await expect(fakeWindowsHost(() => ({ stdout: 'False\r\n' })).host.verify()).rejects.toThrow(
      'win-1: the login Administrator is not an administrator of the Windows host (or not elevated)',
    );
  });
});

describe('windowsMachine', () => {
  const facts = { build: '20348', caption: 'Microsoft Windows Server 2022 Datacenter', memoryKiB: 4193280, cpus: 4, hostname: 'win-1', admin: true };

  it('answers preflight from one round trip of facts; ports, programs on demand', async () => {
    const fake = fakeWindowsHost((script) => {
      if (script.includes('Get-CimInstance')) return { stdout: `${JSON.stringify(facts)}\r\n` };
      if (script.includes('Get-NetTCPConnection'))
        return {
          stdout: JSON.stringify([
            { LocalAddress: '0.0.0.0', LocalPort: 10250 },
            { LocalAddress: '::', LocalPort: 135 },
          ]),
        };
      return { code: script.includes("'containerd.exe'") ? 0 : 1 };
    });
    const machine = await windowsMachine(fake.host);
    expect(fake.lines).toHaveLength(1);
    expect([machine.build, machine.caption, machine.hostname(), machine.cpuCount(), machine.memoryMiB(), machine.isRoot()]).toEqual([
      20348,
      'Microsoft Windows Server 2022 Datacenter',
      'win-1',
      4,
      4095,
      true,
    ]);
    expect(await machine.swapDevices()).toEqual([]);
    expect(await machine.readProcFile('/proc/sys/net/ipv4/ip_forward')).toBeUndefined();
    expect(await machine.portState(10250)).toBe('in-use');
    expect(await machine.portState(10256)).toBe('free');
    expect(await machine.hasExecutable('containerd.exe')).toBe(true);
    expect(await machine.hasExecutable('kubectl.exe')).toBe(false);
  });

  it('reads one listener, or none, and names the host for an answer it cannot read', async () => {
    const one = fakeWindowsHost((s) => ({
      stdout: s.includes('Get-CimInstance') ? JSON.stringify(facts) : JSON.stringify({ LocalAddress: '10.0.0.9', LocalPort: 10250 }),
    }));
    expect(await (await windowsMachine(one.host)).portState(10250)).toBe('in-use');
    const none = fakeWindowsHost((s) => ({ stdout: s.includes('Get-CimInstance') ? JSON.stringify(facts) : '' }));
    expect(await (await windowsMachine(none.host)).portState(10250)).toBe('free');
    await expect(windowsMachine(fakeWindowsHost(() => ({ stdout: 'garbage' })).host)).rejects.toThrow(
      'win-1: machine facts: expected one JSON value, got "garbage"',
    );
  });
});

describe('LocalHost on Windows', () => {
  const windowsLocal = () => new LocalHost('/', { platform: 'win32', systemDrive: 'C:' });

  it('puts Linux-form node paths on the system drive and keeps Windows ones', () => {
    const host = windowsLocal();
    expect([host.os, host.offline, host.root]).toEqual(['windows', false, '/']);
    expect(host.resolve('/etc/kubernetes/kubelet.conf')).toBe('C:\\etc\\kubernetes\\kubelet.conf');
    expect(host.resolve('C:\\k\\kubelet.exe')).toBe('C:\\k\\kubelet.exe');
    expect(new LocalHost('/', { platform: 'win32', systemDrive: 'D:' }).resolve('/var/lib/kubelet')).toBe('D:\\var\\lib\\kubelet');
  });

  it('runs services through local powershell.exe with the same encoded scripts', async () => {
    const host = windowsLocal();
    const calls: [string, string[]][] = [];
    host.exec = async (cmd, args) => {
      calls.push([cmd, args]);
      return { stdout: '', stderr: '', code: 0 };
    };
    await host.service('containerd').restart();
    expect(calls).toHaveLength(1);
    const [cmd, args] = calls[0];
    expect([cmd, ...args.slice(0, 3)]).toEqual(['powershell.exe', '-NoProfile', '-NonInteractive', '-EncodedCommand']);
    expect(Buffer.from(args[3], 'base64').toString('utf16le')).toBe(wrapScript(serviceScript('containerd', 'restart')));
  });

  it('is the Linux host elsewhere, and under a rendered root', () => {
    expect(new LocalHost('/', { platform: 'linux' }).os).toBe('linux');
    expect(new LocalHost('/', { platform: 'linux' }).resolve('/etc/kubernetes')).toBe('/etc/kubernetes');
    expect(new LocalHost('/tmp/rootfs', { platform: 'win32', systemDrive: 'C:' }).os).toBe('linux');
  });
});
