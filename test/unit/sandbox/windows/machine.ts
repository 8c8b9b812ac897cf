/** A Windows machine for the interpreter's unit tests: a temporary rootfs with a `C:` drive and services in memory. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ServiceStatus, WindowsMachine } from '../../../../src/sandbox/windows/interpreter-machine.js';
import { runPowerShell } from '../../../../src/sandbox/windows/interpreter.js';
import { tempDir } from '../../../support/temp.js';

export interface TestMachine extends WindowsMachine {
  running: Set<string>;
  drive: (...parts: string[]) => string;
  ps: (script: string) => ReturnType<typeof runPowerShell>;
}

/** `cannotStart`: services whose start fails with that reason. */
export function testMachine(cannotStart: Record<string, string> = {}, tcp = ''): TestMachine {
  const rootfs = tempDir('bosun-windows-');
  mkdirSync(path.join(rootfs, 'C:', 'Users', 'Administrator'), { recursive: true });
  const running = new Set<string>();
  const machine: TestMachine = {
    rootfs,
    running,
    services: {
      start: async (name) => {
        if (cannotStart[name]) throw new Error(cannotStart[name]);
        running.add(name);
      },
      stop: async (name) => void running.delete(name),
      status: async (name): Promise<ServiceStatus> => (running.has(name) ? 'Running' : 'Stopped'),
      pipes: async () => (running.has('containerd') ? ['containerd-containerd'] : []),
    },
    tcpTable: async () => tcp,
    drive: (...parts) => path.join(rootfs, 'C:', ...parts),
    ps: (script) => runPowerShell(machine, script),
  };
  return machine;
}
