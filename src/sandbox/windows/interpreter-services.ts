/**
 * The service cmdlets: registrations live in the machine's service registry (see scm.ts); starting and stopping
 * are the machine's service driver's (the node agent plays containerd and the kubelet).
 */
import { cmdletError, requiredArg, textArg, type Cmdlet, type Invocation } from './interpreter-cmdlet.js';
import type { ServiceStatus, WindowsMachine } from './interpreter-machine.js';
import { enumerate, PsEnum, PsObject, toText, type PsValue } from './interpreter-values.js';
import { findService, readServices, writeServices, type ServiceRegistration, type StartType } from './scm.js';

/** System.ServiceProcess.ServiceControllerStatus and ServiceStartMode, as ConvertTo-Json writes them (numbers). */
const STATUS: Record<ServiceStatus, number> = { Stopped: 1, StartPending: 2, Running: 4 };
const START_TYPES: Record<StartType, number> = { Automatic: 2, Manual: 3, Disabled: 4 };

const noService = (command: string, name: string) =>
  cmdletError(command, 'NoServiceFoundForGivenName', 'ObjectNotFound', `Cannot find any service with service name '${name}'.`);

async function registered(command: string, machine: WindowsMachine, name: string): Promise<[string, ServiceRegistration]> {
  const found = findService(await readServices(machine.rootfs), name);
  if (!found) throw noService(command, name);
  return found;
}

async function serviceObject(machine: WindowsMachine, name: string, service: ServiceRegistration): Promise<PsObject> {
  const status = await machine.services.status(name);
  return PsObject.of(
    {
      Name: name,
      DisplayName: service.displayName,
      Status: new PsEnum(status, STATUS[status]),
      StartType: new PsEnum(service.startType, START_TYPES[service.startType]),
      ServiceName: name,
    },
    'System.ServiceProcess.ServiceController',
    'System.ServiceProcess.ServiceController',
  );
}

function startType(command: string, value: string): StartType {
  const type = (Object.keys(START_TYPES) as StartType[]).find((t) => t.toLowerCase() === value.toLowerCase());
  if (!type)
    throw cmdletError(
      command,
      'CannotConvertArgumentNoMessage',
      'InvalidArgument',
      `Cannot bind parameter 'StartupType': "${value}" is not one of Automatic, Manual, Disabled.`,
    );
  return type;
}

/** Starts a service, its dependencies first (as the SCM does). */
async function start(command: string, machine: WindowsMachine, name: string): Promise<void> {
  const [key, service] = await registered(command, machine, name);
  const label = `'${service.displayName} (${key})'`;
  if (service.startType === 'Disabled')
    throw cmdletError(command, 'StartServiceFailed', 'OpenError', `Service ${label} cannot be started due to the following error: the service is disabled.`);
  for (const dependency of service.dependsOn ?? []) {
    if ((await machine.services.status(dependency)) === 'Running') continue;
    await start(command, machine, dependency).catch(() => {
      throw cmdletError(
        command,
        'StartServiceFailed',
        'OpenError',
        `Service ${label} cannot be started due to the following error: the dependency service ${dependency} could not start.`,
      );
    });
  }
  await machine.services.start(key).catch((err: Error) => {
    throw cmdletError(command, 'StartServiceFailed', 'OpenError', `Service ${label} cannot be started due to the following error: ${err.message}`);
  });
}

async function stop(command: string, machine: WindowsMachine, name: string): Promise<void> {
  const [key] = await registered(command, machine, name);
  await machine.services.stop(key);
}

const byName =
  (command: string, action: (command: string, machine: WindowsMachine, name: string) => Promise<void>) =>
  async ({ args, machine }: Invocation) => {
    await action(command, machine, requiredArg(command, args, 'Name'));
    return [] as PsValue[];
  };

export const SERVICE_CMDLETS: Cmdlet[] = [
  {
    name: 'Get-Service',
    parameters: ['Name'],
    positional: 1,
    run: async ({ args, machine }) => {
      const [key, service] = await registered('Get-Service', machine, requiredArg('Get-Service', args, 'Name'));
      return [await serviceObject(machine, key, service)];
    },
  },
  { name: 'Start-Service', parameters: ['Name'], positional: 1, run: byName('Start-Service', start) },
  { name: 'Stop-Service', parameters: ['Name'], positional: 1, switches: ['Force'], run: byName('Stop-Service', stop) },
  {
    name: 'Restart-Service',
    parameters: ['Name'],
    positional: 1,
    switches: ['Force'],
    run: byName('Restart-Service', async (command, machine, name) => {
      await stop(command, machine, name);
      await start(command, machine, name);
    }),
  },
  {
    name: 'Set-Service',
    parameters: ['Name', 'StartupType', 'DisplayName'],
    positional: 1,
    run: async ({ args, machine }) => {
      const [key, service] = await registered('Set-Service', machine, requiredArg('Set-Service', args, 'Name'));
      const type = textArg(args, 'StartupType');
      const changed = {
        ...service,
        displayName: textArg(args, 'DisplayName') ?? service.displayName,
        ...(type && { startType: startType('Set-Service', type) }),
      };
      await writeServices(machine.rootfs, { ...(await readServices(machine.rootfs)), [key]: changed });
      return [];
    },
  },
  {
    name: 'New-Service',
    parameters: ['Name', 'BinaryPathName', 'DisplayName', 'StartupType', 'Description', 'DependsOn'],
    positional: 2,
    run: async ({ args, machine }) => {
      const name = requiredArg('New-Service', args, 'Name');
      const services = await readServices(machine.rootfs);
      if (findService(services, name))
        throw cmdletError(
          'New-Service',
          'CouldNotNewService',
          'PermissionDenied',
          `Service '${name}' cannot be created due to the following error: The specified service already exists`,
        );
      const service: ServiceRegistration = {
        displayName: textArg(args, 'DisplayName') ?? name,
        binaryPathName: requiredArg('New-Service', args, 'BinaryPathName'),
        startType: startType('New-Service', textArg(args, 'StartupType') ?? 'Automatic'),
        running: false,
        ...(args.has('dependson') && { dependsOn: enumerate(args.get('dependson')!).map(toText) }),
      };
      await writeServices(machine.rootfs, { ...services, [name]: service });
      return [await serviceObject(machine, name, service)];
    },
  },
];
