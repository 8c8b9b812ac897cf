/**
 * A Windows machine's service registry (what the Service Control Manager keeps in the registry on Windows): a
 * JSON file on the machine's disk, `C:\Windows\System32\config\bosun-sandbox-scm.json`. New-Service and
 * Set-Service write registrations; Start-/Stop-Service the state the SCM last left each service in.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../state.js';

export const SCM_FILE = 'C:/Windows/System32/config/bosun-sandbox-scm.json';

export type StartType = 'Automatic' | 'Manual' | 'Disabled';

export interface ServiceRegistration {
  displayName: string;
  binaryPathName: string;
  startType: StartType;
  /** The services the SCM starts before this one (New-Service -DependsOn). */
  dependsOn?: string[];
  /** Whether the SCM runs it (Start-Service, or its start type at boot); what runs is the node agent's to say. */
  running: boolean;
}

export type ServiceRegistry = Record<string, ServiceRegistration>;

const scmFile = (rootfs: string) => path.join(rootfs, SCM_FILE);

export async function readServices(rootfs: string): Promise<ServiceRegistry> {
  const text = await fs.readFile(scmFile(rootfs), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  try {
    return (JSON.parse(text) as { services?: ServiceRegistry }).services ?? {};
  } catch (err) {
    throw new Error(`${scmFile(rootfs)}: unreadable service registry: ${(err as Error).message}`, { cause: err });
  }
}

export const writeServices = (rootfs: string, services: ServiceRegistry): Promise<void> => writeJsonAtomic(scmFile(rootfs), { services });

/** A registered service by name (case-insensitive, as the SCM): its key and registration. */
export function findService(services: ServiceRegistry, name: string): [string, ServiceRegistration] | undefined {
  return Object.entries(services).find(([key]) => key.toLowerCase() === name.toLowerCase());
}

/** Changes one service's registration (read, change, written atomically). */
export async function updateService(rootfs: string, name: string, change: (s: ServiceRegistration) => ServiceRegistration): Promise<void> {
  const services = await readServices(rootfs);
  const found = findService(services, name);
  if (!found) throw new Error(`service ${name} is not registered`);
  await writeServices(rootfs, { ...services, [found[0]]: change(found[1]) });
}
