import { describe, expect, it } from 'vitest';
import { WINDOWS_KUBELET_BINARY } from '../../../src/kube/windows-paths.js';
import { KubeletDownloads } from '../../../src/node/kubelet-release.js';
import { installWindowsKubelet, sha256, windowsKubeletSource, type WindowsKubeletSource } from '../../../src/node/windows-kubelet-binary.js';
import { planPrepare, prepareWindowsNode } from '../../../src/node/windows-prepare.js';
import { LocalHost } from '../../../src/host/local.js';
import { FakeWindowsHost } from '../../support/fake-windows-host.js';

const KUBELET_EXE = Buffer.from('MZ kubelet.exe v1.36.3');
const source = (bytes: Buffer = KUBELET_EXE): WindowsKubeletSource => ({
  describe: 'kubelet.exe v1.36.3',
  digest: async () => sha256(bytes),
  bytes: async () => bytes,
});
const target = (host: FakeWindowsHost, kubelet: WindowsKubeletSource | undefined = source()) => ({ host, nodeName: 'win-1', kubelet });
const operatorInstalled = (host: FakeWindowsHost) => ({ host, nodeName: 'win-1', kubelet: undefined });
const stepNames = async (host: FakeWindowsHost) => (await planPrepare(target(host))).map((p) => p.step.name);

describe('preparing a Windows node (PrepareNode.ps1, idempotent)', () => {
  it("plans PrepareNode.ps1's steps in its order on a fresh node: kubelet.exe, directories, the pki link, the service, the firewall rule", async () => {
    expect(await stepNames(new FakeWindowsHost())).toEqual(['kubelet-binary', 'directories', 'pki-link', 'kubelet-service', 'firewall-rule']);
  });

  it('prepares the node, and a second run changes nothing', async () => {
    const host = new FakeWindowsHost();
    const lines: string[] = [];
    await prepareWindowsNode(target(host), (line) => lines.push(line));
    expect(host.changes).toEqual([
      `write ${WINDOWS_KUBELET_BINARY}.new`,
      `rename ${WINDOWS_KUBELET_BINARY}.new ${WINDOWS_KUBELET_BINARY}`,
      'mkdir /var/log/kubelet',
      'mkdir /var/lib/kubelet/etc/kubernetes',
      'mkdir /etc/kubernetes/pki',
      'mkdir /etc/kubernetes/manifests',
      'powershell New-Item',
      'powershell New-Service',
      'powershell New-NetFirewallRule',
    ]);
    expect(await host.readFile(WINDOWS_KUBELET_BINARY)).toEqual(KUBELET_EXE);
    expect(host.serviceCommandLine).toBe(
      'C:\\k\\kubelet.exe --windows-service --config=C:\\var\\lib\\kubelet\\config.yaml ' +
        '--bootstrap-kubeconfig=C:\\etc\\kubernetes\\bootstrap-kubelet.conf --kubeconfig=C:\\etc\\kubernetes\\kubelet.conf ' +
        '--hostname-override=win-1 --cert-dir=C:\\var\\lib\\kubelet\\pki',
    );
    expect(lines[0]).toBe('[prepare] kubelet-binary: install kubelet.exe v1.36.3 as C:\\k\\kubelet.exe');

    const before = host.changes.length;
    const again: string[] = [];
    expect(await prepareWindowsNode(target(host), (line) => again.push(line))).toEqual([]);
    expect(host.changes.slice(before)).toEqual([]);
    expect(again).toEqual(['[prepare] node win-1 is prepared: nothing to do']);
  });

  it('replaces only a kubelet.exe of other bytes', async () => {
    const host = new FakeWindowsHost();
    await prepareWindowsNode(target(host), () => undefined);
    const next = Buffer.from('MZ kubelet.exe v1.37.1');
    expect((await planPrepare(target(host, source(next)))).map((p) => p.step.name)).toEqual(['kubelet-binary']);
  });

  it.each([
    [{ containerdService: false }, /containerd is not installed .*bosun does not install containerd on Windows/],
    [{ containerdRunning: false }, /the containerd service is not running/],
    [{ containerdPipe: false }, /its pipe \\\\.\\pipe\\containerd-containerd does not answer/],
  ])('refuses before any change when containerd is not there to build on (%o)', async (containerd, message) => {
    const host = new FakeWindowsHost({ containerd });
    await expect(prepareWindowsNode(target(host), () => undefined)).rejects.toThrow(message);
    expect(host.changes).toEqual([]);
  });

  it('with kubelet.install none, a missing kubelet.exe stops the plan, and one in place is kept', async () => {
    const host = new FakeWindowsHost();
    await expect(planPrepare(operatorInstalled(host))).rejects.toThrow(/C:\\k\\kubelet.exe is missing and the cluster file's kubelet.install is none/);
    expect(host.changes).toEqual([]);
    await installWindowsKubelet(host, KUBELET_EXE);
    expect((await planPrepare(operatorInstalled(host))).map((p) => p.step.name)).not.toContain('kubelet-binary');
  });
});

describe('kubelet.exe', () => {
  it('is swapped through kubelet.exe.new, the previous one kept when asked; the same bytes are not written again', async () => {
    const host = new FakeWindowsHost();
    expect(await installWindowsKubelet(host, KUBELET_EXE)).toBe(true);
    expect(await installWindowsKubelet(host, KUBELET_EXE)).toBe(false);
    const next = Buffer.from('MZ kubelet.exe v1.37.1');
    host.changes.length = 0;
    expect(await installWindowsKubelet(host, next, { keepPreviousAs: `${WINDOWS_KUBELET_BINARY}.v1.36.3` })).toBe(true);
    expect(host.changes).toEqual([
      `write ${WINDOWS_KUBELET_BINARY}.new`,
      `rename ${WINDOWS_KUBELET_BINARY} ${WINDOWS_KUBELET_BINARY}.v1.36.3`,
      `rename ${WINDOWS_KUBELET_BINARY}.new ${WINDOWS_KUBELET_BINARY}`,
    ]);
    expect(await host.readFile(`${WINDOWS_KUBELET_BINARY}.v1.36.3`)).toEqual(KUBELET_EXE);
  });

  it("comes from the release's windows/amd64 kubelet.exe, checked against its published SHA-256", async () => {
    const asked: string[] = [];
    const downloads = new KubeletDownloads(async (url) => {
      asked.push(url);
      return url.endsWith('.sha256') ? Buffer.from(`${sha256(KUBELET_EXE)}  kubelet.exe\n`) : KUBELET_EXE;
    });
    const choice = { install: 'binary' as const, url: 'https://dl.k8s.io/release/{version}/bin/{os}/{arch}/{binary}', fetch: 'bosun' as const };
    const found = windowsKubeletSource('win-1', choice, 'v1.36.3', new LocalHost('/'), downloads)!;
    expect(await found.bytes()).toEqual(KUBELET_EXE);
    expect(asked.sort()).toEqual([
      'https://dl.k8s.io/release/v1.36.3/bin/windows/amd64/kubelet.exe',
      'https://dl.k8s.io/release/v1.36.3/bin/windows/amd64/kubelet.exe.sha256',
    ]);
  });

  it('is refused from packages or a node-side download, naming the host', () => {
    const downloads = new KubeletDownloads(async () => Buffer.alloc(0));
    expect(() => windowsKubeletSource('win-1', { install: 'package' }, 'v1.36.3', new LocalHost('/'), downloads)).toThrow(
      /host win-1: kubelet.install: package: Windows has no Kubernetes packages/,
    );
    expect(() =>
      windowsKubeletSource('win-1', { install: 'binary', url: 'https://x/{binary}', fetch: 'node' }, 'v1.36.3', new LocalHost('/'), downloads),
    ).toThrow(/host win-1: kubelet.fetch: node/);
  });
});
