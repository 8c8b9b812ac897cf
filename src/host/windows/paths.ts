/**
 * Node paths on a Windows machine. bosun's code names node files in Linux form (`/etc/kubernetes/kubelet.conf`),
 * which kubeadm and the kubelet on Windows resolve against the system drive; the Windows steps name binaries in
 * Windows form (`C:\k\kubelet.exe`). Both map to one drive and its folders, then to what each channel takes: Windows
 * OpenSSH's SFTP server spells `C:\k` as `/C:/k`, PowerShell and Node.js on Windows as `C:\k`.
 */
import { UserError } from '../../errors.js';

/** A path on one drive: its letter (upper case) and its folder names, `.` and `..` already applied. */
export interface DrivePath {
  drive: string;
  parts: string[];
}

/** Characters no Windows file name holds (`:` would name an alternate data stream), and control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_NAME = /[<>:"|?*\u0000-\u001f]/;

function refuse(nodePath: string, problem: string): never {
  throw new UserError({ what: `"${nodePath}" is not a path bosun can use on a Windows node: ${problem}` });
}

/**
 * Parses a node path: Windows form (`C:\k`, `c:/k`), the SFTP form (`/C:/k`), or Linux form (`/etc/kubernetes`, on
 * `systemDrive`). A network share (`\\server\share`), a device path (`\\?\C:\`), a relative or drive-relative path
 * (`C:k`), and `..` above the drive's root are refused: each would reach somewhere other than the node's own files.
 */
export function parseWindowsPath(nodePath: string, systemDrive = 'C'): DrivePath {
  if (/^[\\/]{2}/.test(nodePath))
    refuse(nodePath, "a network share or device path (\\\\server\\share, \\\\?\\); give a path on one of the node's drives (C:\\…)");
  const lettered = /^\/?([A-Za-z]):(.*)$/s.exec(nodePath);
  if (lettered && !/^([\\/]|$)/.test(lettered[2]))
    refuse(nodePath, `a path relative to the current folder of drive ${lettered[1]}: (write ${lettered[1]}:\\…)`);
  if (!lettered && !/^[\\/]/.test(nodePath)) refuse(nodePath, 'a relative path; give an absolute one (C:\\… or /…)');
  const drive = (lettered?.[1] ?? systemDrive).toUpperCase();
  const parts: string[] = [];
  for (const name of (lettered ? lettered[2] : nodePath).split(/[\\/]+/)) {
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (parts.pop() === undefined) refuse(nodePath, `".." leads above the root of drive ${drive}:`);
      continue;
    }
    if (FORBIDDEN_IN_NAME.test(name))
      refuse(nodePath, `the name "${name}" holds a character Windows does not allow in file names (<>:"|?* or a control character)`);
    parts.push(name);
  }
  return { drive, parts };
}

/** `/C:/etc/kubernetes/pki`: the path as Windows OpenSSH's SFTP server takes it; the drive's root is `/C:/`. */
export const sftpPath = ({ drive, parts }: DrivePath): string => `/${drive}:/${parts.join('/')}`;

/** `C:\etc\kubernetes\pki`: the path as PowerShell and Windows programs take it; the drive's root is `C:\`. */
export const windowsPath = ({ drive, parts }: DrivePath): string => `${drive}:\\${parts.join('\\')}`;

/** The letter of a system drive given as `C:` (Windows' `SystemDrive` variable) or `C`; C when unset. */
export function driveLetter(systemDrive: string | undefined): string {
  const letter = /^([A-Za-z]):?$/.exec(systemDrive ?? 'C:')?.[1];
  if (!letter) throw new UserError({ what: `the system drive "${systemDrive}" (SystemDrive) is not a drive letter such as C:` });
  return letter.toUpperCase();
}
