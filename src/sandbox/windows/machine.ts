/**
 * A Windows machine of the sandbox: a rootfs whose system drive is the directory `C:` (SFTP paths `/C:/…`, as on
 * Windows OpenSSH), the CIM facts a Windows Server answers with, containerd installed and registered as a service,
 * and `powershell.exe` on the session's PATH, which hands the script to the node agent's interpreter. The shell
 * sshd runs a command line with is busybox's, with only the tools powershell.exe's hand-off needs.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureFile, equipChroot } from '../machine.js';
import { POWERSHELL_SCRIPT } from '../systemctl.js';
import { CONTAINERD_WINDOWS, windowsBinaryPath } from '../windows-binaries.js';
import { ensureFacts } from './facts.js';
import { readServices, writeServices } from './scm.js';

/** What powershell.exe's hand-off (see systemctl.ts) runs. */
const HANDOFF_APPLETS = ['sh', 'cat', 'date', 'mkdir', 'mv', 'printf', 'rm', 'usleep', '[', 'test'];

/** Where a fresh Windows Server keeps what the sandbox plays: the registry's hive directory, the profile a session starts in. */
const DIRECTORIES = ['C:/Windows/System32/config', 'C:/Users/Administrator', 'C:/Program Files/containerd'];

/** containerd as its installer leaves it: the binary in Program Files, registered (`containerd.exe --register-service`). */
export const CONTAINERD_BINARY = 'C:/Program Files/containerd/containerd.exe';
const CONTAINERD_SERVICE = {
  displayName: 'containerd',
  binaryPathName: '"C:\\Program Files\\containerd\\containerd.exe" --run-service',
  startType: 'Automatic' as const,
  running: false,
};

/** Equips a Windows machine's rootfs (idempotent: a machine's disk survives `down`/`up`, and what bosun wrote stays). */
export async function equipWindowsMachine(rootfs: string, name: string): Promise<void> {
  await equipChroot(rootfs, HANDOFF_APPLETS);
  for (const dir of DIRECTORIES) await fs.mkdir(path.join(rootfs, dir), { recursive: true });
  await ensureFile(path.join(rootfs, 'usr/bin/powershell.exe'), POWERSHELL_SCRIPT, 0o755);
  await ensureFacts(rootfs, name);
  // The cached Windows containerd when the cache has it; without it, containerd's service cannot start.
  const containerd = path.join(rootfs, CONTAINERD_BINARY);
  const cached = windowsBinaryPath('containerd.exe', CONTAINERD_WINDOWS.version);
  if (!(await fs.lstat(containerd).catch(() => undefined)) && (await fs.stat(cached).catch(() => undefined))) {
    await fs.copyFile(cached, `${containerd}.tmp`, constants.COPYFILE_FICLONE);
    await fs.rename(`${containerd}.tmp`, containerd);
  }
  const services = await readServices(rootfs);
  if (!services.containerd) await writeServices(rootfs, { ...services, containerd: CONTAINERD_SERVICE });
}
