import { describe, expect, it } from 'vitest';
import { windowsMachine } from '../../../src/host/windows/machine.js';
import type { ServiceVerb } from '../../../src/host/windows/scripts.js';
import { expectGoldenScript } from '../../support/powershell-golden.js';
import { fakeWindowsHost, SFTP_WITHOUT_POSIX_RENAME } from '../../support/windows-ssh.js';

/** The one script the door sent for `act`, decoded from its command line. */
async function sentBy(act: (host: ReturnType<typeof fakeWindowsHost>['host']) => Promise<unknown>, stdout = '', sftp?: object): Promise<string> {
  const fake = fakeWindowsHost(() => ({ stdout }), sftp);
  await act(fake.host);
  expect(fake.scripts()).toHaveLength(1);
  return fake.scripts()[0];
}

const FACTS = JSON.stringify({
  build: '17763',
  caption: 'Microsoft Windows Server 2019 Datacenter',
  memoryKiB: 8388608,
  cpus: 2,
  hostname: 'win-1',
  admin: true,
});

/** Every script the Windows door sends, as sent, against its golden step plan. */
describe('the Windows door scripts', () => {
  it('runs a program with its exit code, with or without environment variables', async () => {
    await expectGoldenScript('host-exec', await sentBy((h) => h.exec('C:\\k\\kubelet.exe', ['--version'])));
    await expectGoldenScript(
      'host-exec',
      await sentBy((h) => h.exec('C:\\k\\kubelet.exe', ['--version'], { env: { KUBECONFIG: 'C:\\etc\\kubernetes\\kubelet.conf' } })),
    );
  });

  it.each<ServiceVerb>(['start', 'stop', 'restart', 'enable', 'disable'])('%s a service', async (verb) => {
    await expectGoldenScript(`host-service-${verb}`, await sentBy((h) => h.service('kubelet')[verb]()));
  });

  it('checks the login is an administrator', async () => {
    await expectGoldenScript('host-administrator', await sentBy((h) => h.verify().catch(() => undefined), 'True'));
  });

  it('gathers the machine facts, the listening ports and whether a program is on PATH', async () => {
    await expectGoldenScript('host-facts', await sentBy((h) => windowsMachine(h), FACTS));
    const fake = fakeWindowsHost((script) => ({ stdout: script.includes('Get-CimInstance') ? FACTS : '' }));
    const machine = await windowsMachine(fake.host);
    await machine.portState(10250);
    await machine.hasExecutable('containerd.exe');
    const [, listeners, hasCommand] = fake.scripts();
    await expectGoldenScript('host-listeners', listeners);
    await expectGoldenScript('host-has-command', hasCommand);
  });

  it('moves a file over another through PowerShell when SFTP cannot', async () => {
    await expectGoldenScript('host-move-over', await sentBy((h) => h.rename('C:\\k\\kubelet.exe.new', 'C:\\k\\kubelet.exe'), '', SFTP_WITHOUT_POSIX_RENAME));
  });
});
