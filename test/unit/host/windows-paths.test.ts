import { describe, expect, it } from 'vitest';
import { driveLetter, parseWindowsPath, sftpPath, windowsPath } from '../../../src/host/windows/paths.js';

const sftp = (p: string) => sftpPath(parseWindowsPath(p));
const win = (p: string) => windowsPath(parseWindowsPath(p));

describe('Windows node paths', () => {
  it('maps Windows form, either slash and any case of drive letter', () => {
    expect(sftp('C:\\k\\kubelet.exe')).toBe('/C:/k/kubelet.exe');
    expect(sftp('c:/k')).toBe('/C:/k');
    expect(win('c:/k')).toBe('C:\\k');
    expect(sftp('C:\\')).toBe('/C:/');
    expect(win('C:/')).toBe('C:\\');
  });

  it('puts Linux form on the system drive, as kubeadm and the kubelet on Windows resolve it', () => {
    expect(sftp('/etc/kubernetes/pki')).toBe('/C:/etc/kubernetes/pki');
    expect(win('/var/lib/kubelet/config.yaml')).toBe('C:\\var\\lib\\kubelet\\config.yaml');
    expect(sftp('/')).toBe('/C:/');
    expect(windowsPath(parseWindowsPath('/etc/kubernetes', 'D'))).toBe('D:\\etc\\kubernetes');
  });

  it('takes the SFTP form back as it is', () => {
    expect(win('/C:/etc/kubernetes/kubelet.conf')).toBe('C:\\etc\\kubernetes\\kubelet.conf');
    expect(sftp('/c:')).toBe('/C:/');
  });

  it('keeps other drives', () => {
    expect(sftp('D:\\data\\containerd')).toBe('/D:/data/containerd');
    expect(win('/e:/x')).toBe('E:\\x');
  });

  it('applies . and .., and refuses .. above the drive root', () => {
    expect(sftp('C:\\k\\.\\bin\\..\\kubelet.exe')).toBe('/C:/k/kubelet.exe');
    expect(sftp('/etc//kubernetes/')).toBe('/C:/etc/kubernetes');
    expect(() => sftp('C:\\k\\..\\..\\Windows')).toThrow(
      '"C:\\k\\..\\..\\Windows" is not a path bosun can use on a Windows node: ".." leads above the root of drive C:',
    );
    expect(() => sftp('/../etc')).toThrow('".." leads above the root of drive C:');
  });

  it('refuses network shares, device paths, relative and drive-relative paths, and names Windows forbids', () => {
    expect(() => sftp('\\\\server\\share\\k')).toThrow('a network share or device path');
    expect(() => sftp('//server/share')).toThrow('a network share or device path');
    expect(() => sftp('\\\\?\\C:\\k')).toThrow('a network share or device path');
    expect(() => sftp('k\\kubelet.exe')).toThrow('a relative path');
    expect(() => sftp('C:k')).toThrow('a path relative to the current folder of drive C:');
    expect(() => sftp('C:\\k\\kubelet.exe:stream')).toThrow('the name "kubelet.exe:stream" holds a character Windows does not allow');
    expect(() => sftp('C:\\k\\a|b')).toThrow('does not allow');
  });

  it('reads the system drive as Windows gives it', () => {
    expect(driveLetter('C:')).toBe('C');
    expect(driveLetter('d')).toBe('D');
    expect(driveLetter(undefined)).toBe('C');
    expect(() => driveLetter('C:\\Windows')).toThrow('is not a drive letter');
  });
});
