/**
 * `systemctl` on a sandbox node. A session on the node (chrooted by its sshd into the rootfs) runs a busybox
 * script that writes its arguments as a request file into the node's /run/sandbox-agent and waits for the answer
 * file the node agent writes beside it (exit code, then what systemctl prints). The agent plays the node's
 * services: the kubelet (see KubeletService) and the runtime units whose files the node's disk has (see
 * RuntimeUnits); every other unit is unknown, as on a node without it.
 */
import { existsSync, promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Where requests and answers live, as a node path. */
export const AGENT_REQUEST_DIR = '/run/sandbox-agent';
/** How long systemctl waits for the agent, in 50ms steps (120s: a restart waits for the kubelet's files). */
const WAIT_STEPS = 2400;

/**
 * A command of the node that the agent answers: `systemctl` (the node's services), `curl` (run by the agent in the
 * node's network namespace: a machine has curl, and a busybox chroot has no TLS client), `powershell.exe` (a
 * Windows machine's scripts, see windows/interpreter.ts). The request is a file the agent watches (written whole,
 * by rename); its answer, beside it, holds the exit code and what to print, and a `.stderr` file written before it
 * what a command that prints on both streams prints on stderr.
 */
const agentScript = (command: 'systemctl' | 'curl' | 'powershell.exe', request: string) => `#!/bin/sh
# ${command} of a bosun sandbox node, answered by the sandbox's node agent.
dir=${AGENT_REQUEST_DIR}
mkdir -p "$dir" || exit 1
id="$$-$(date +%s)-$RANDOM${request}"
printf '%s\\n' "$@" > "$dir/.$id.tmp" && mv "$dir/.$id.tmp" "$dir/$id.request" || exit 1
waited=0
while [ ! -f "$dir/$id.answer" ]; do
  usleep 50000
  waited=$((waited + 1))
  if [ "$waited" -ge ${WAIT_STEPS} ]; then
    rm -f "$dir/$id.request"
    echo "${command}: the sandbox's node agent did not answer within $((${WAIT_STEPS} / 20))s (is the sandbox running?)" >&2
    exit 1
  fi
done
{
  read -r code stream
  if [ "$stream" = err ]; then cat >&2; else cat; fi
} < "$dir/$id.answer"
if [ -f "$dir/$id.stderr" ]; then cat "$dir/$id.stderr" >&2; fi
rm -f "$dir/$id.answer" "$dir/$id.stderr"
exit "$code"
`;

export const SYSTEMCTL_SCRIPT = agentScript('systemctl', '');
/** curl's requests are named `<id>.curl.request`. */
export const CURL_SCRIPT = agentScript('curl', '.curl');
const CURL_REQUEST = /\.curl\.request$/;
/** A Windows machine's `powershell.exe`: its requests are named `<id>.powershell.request`. */
export const POWERSHELL_SCRIPT = agentScript('powershell.exe', '.powershell');
const POWERSHELL_REQUEST = /\.powershell\.request$/;

/** Runs curl with a request's arguments for a node (in its network namespace). */
export type NodeCurl = (node: string, args: string[]) => Promise<SystemctlAnswer>;

/** What systemctl prints and exits with. */
export interface SystemctlAnswer {
  code: number;
  stream: 'out' | 'err';
  text: string;
  /** What it prints on stderr besides (a command that writes both streams). */
  stderr?: string;
}

/** Runs a Windows machine's powershell.exe command line (its arguments). */
export type NodePowerShell = (node: string, args: string[]) => Promise<SystemctlAnswer>;

/** A unit's state as `systemctl is-active` names it. */
export type UnitState = 'active' | 'activating' | 'inactive';

/** The services the agent plays on each node: only the kubelet. */
export interface NodeServices {
  start(node: string): Promise<void>;
  stop(node: string): Promise<void>;
  restart(node: string): Promise<void>;
  state(node: string): { state: UnitState; detail: string };
}

const answer = (code: number, text = '', stream: 'out' | 'err' = 'out'): SystemctlAnswer => ({ code, stream, text });

/** The units a node's disk has besides the kubelet (see RuntimeUnits): what systemctl needs of them. */
export interface NodeUnits {
  exists(node: string, unit: string): Promise<boolean>;
  isEnabled(node: string, unit: string): Promise<boolean>;
  enable(node: string, unit: string, on: boolean): Promise<void>;
  start(node: string, unit: string): Promise<void>;
  stop(node: string, unit: string): Promise<void>;
  restart(node: string, unit: string): Promise<void>;
  state(node: string, unit: string): { state: UnitState | 'failed'; detail: string };
}

const KUBELET = 'kubelet.service';
/** `containerd` means `containerd.service`; `docker.socket` keeps its suffix. */
const unitName = (arg: string) => (/\.(service|socket|target|timer|mount)$/.test(arg) ? arg : `${arg}.service`);

/** The kubelet as one of the node's units: always there, always enabled (its package enables it). */
function kubeletUnit(services: NodeServices): NodeUnits {
  return {
    exists: async () => true,
    isEnabled: async () => true,
    enable: async () => undefined,
    start: (node) => services.start(node),
    stop: (node) => services.stop(node),
    restart: (node) => services.restart(node),
    state: (node) => services.state(node),
  };
}

const STATUS_TITLES: Record<string, string> = {
  [KUBELET]: 'kubelet: The Kubernetes Node Agent',
  'containerd.service': 'containerd container runtime',
  'docker.service': 'Docker Application Container Engine',
  'docker.socket': 'Docker Socket for the API',
  'cri-docker.service': 'CRI Interface for Docker Application Container Engine',
  'cri-docker.socket': 'CRI Docker Socket for the API',
};

/** A verb on one existing unit; a start that fails answers as systemd's job does, the daemon's words after it. */
async function unitVerb(node: string, verb: string, unit: string, units: NodeUnits, quiet: boolean): Promise<SystemctlAnswer> {
  if (verb === 'is-active') {
    const { state } = units.state(node, unit);
    return answer(state === 'active' ? 0 : 3, quiet ? '' : `${state}\n`);
  }
  if (verb === 'is-enabled') {
    const enabled = await units.isEnabled(node, unit);
    return answer(enabled ? 0 : 1, quiet ? '' : enabled ? 'enabled\n' : 'disabled\n');
  }
  if (verb === 'enable' || verb === 'disable') return units.enable(node, unit, verb === 'enable').then(() => answer(0));
  if (verb === 'status') {
    const { state, detail } = units.state(node, unit);
    return answer(state === 'active' ? 0 : 3, `● ${unit} - ${STATUS_TITLES[unit] ?? unit}\n     Active: ${state} (${detail})\n`);
  }
  const verbs: Record<string, () => Promise<void>> = {
    start: () => units.start(node, unit),
    stop: () => units.stop(node, unit),
    restart: () => units.restart(node, unit),
    'try-restart': () => (units.state(node, unit).state === 'active' ? units.restart(node, unit) : Promise.resolve()),
    'reload-or-restart': () => units.restart(node, unit),
  };
  if (!verbs[verb]) return answer(1, `Unknown command verb '${verb}'.\n`, 'err');
  try {
    await verbs[verb]();
    return answer(0);
  } catch (err) {
    const job = `Job for ${unit} failed because the control process exited with error code.\nSee "systemctl status ${unit}" and "journalctl -xeu ${unit}" for details.\n`;
    return answer(1, `${job}${(err as Error).message.trimEnd()}\n`, 'err');
  }
}

/** Runs one systemctl command line against a node's units, as systemd's systemctl answers it. */
export async function systemctl(node: string, args: string[], services: NodeServices, others?: NodeUnits): Promise<SystemctlAnswer> {
  const quiet = args.includes('--quiet') || args.includes('-q');
  const now = args.includes('--now');
  const [verb, ...names] = args.filter((a) => !a.startsWith('-'));
  if (verb === undefined) return answer(1, 'systemctl: a command is required (start, stop, restart, is-active, status)\n', 'err');
  if (['daemon-reload', 'reset-failed'].includes(verb)) return answer(0);
  if (names.length === 0) return answer(1, `Too few arguments.\n`, 'err');
  // is-active and is-enabled print a line per unit and fail when any does; other verbs stop at the first failure.
  const query = verb === 'is-active' || verb === 'is-enabled';
  const answers: SystemctlAnswer[] = [];
  for (const unit of names.map(unitName)) {
    const units = unit === KUBELET ? kubeletUnit(services) : others;
    let result: SystemctlAnswer;
    if (!units || !(await units.exists(node, unit))) {
      if (verb === 'is-active') result = answer(3, quiet ? '' : 'inactive\n');
      else if (verb === 'is-enabled') result = answer(1, `Failed to get unit file state for ${unit}: No such file or directory\n`, 'err');
      else return answer(5, `Failed to ${verb} ${unit}: Unit ${unit} not found.\n`, 'err');
    } else {
      result = await unitVerb(node, verb, unit, units, quiet);
      // enable --now / disable --now also start / stop it.
      if (result.code === 0 && now && (verb === 'enable' || verb === 'disable'))
        result = await unitVerb(node, verb === 'enable' ? 'start' : 'stop', unit, units, quiet);
    }
    if (result.code !== 0 && !query) return result;
    answers.push(result);
  }
  const failed = answers.find((a) => a.code !== 0);
  const out = answers
    .filter((a) => a.stream === 'out')
    .map((a) => a.text)
    .join('');
  return failed?.stream === 'err' ? failed : answer(failed?.code ?? 0, out);
}

/** Answers the systemctl requests of every node of a sandbox: file events on each node's request directory, and a rescan. */
export class SystemctlServer {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly handling = new Set<string>();

  constructor(
    private readonly nodesDir: string,
    private readonly services: NodeServices,
    private readonly log: (line: string) => void,
    private readonly curl?: NodeCurl,
    private readonly units?: NodeUnits,
    private readonly powershell?: NodePowerShell,
  ) {}

  /** Looks at every node's requests (called on the agent's scans). */
  async scan(): Promise<void> {
    const names = await fs.readdir(this.nodesDir).catch(() => [] as string[]);
    await Promise.all(names.map((name) => this.look(name)));
  }

  stop(): void {
    for (const watcher of this.watchers.values()) watcher.close();
  }

  private async look(node: string): Promise<void> {
    const dir = path.join(this.nodesDir, node, AGENT_REQUEST_DIR);
    // Only machines have the directory (their rootfs was equipped); a node directory made by hand is left alone.
    if (!this.watchers.has(node)) {
      if (!existsSync(dir)) return;
      const watcher = watch(dir, () => void this.look(node));
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(node);
      });
      this.watchers.set(node, watcher);
    }
    const requests = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.request'));
    for (const file of requests) void this.handle(node, path.join(dir, file));
  }

  /** The command a request file is for, and its answer. */
  private command(node: string, file: string, args: string[]): [string, Promise<SystemctlAnswer>] {
    if (CURL_REQUEST.test(file)) return ['curl', this.curl ? this.curl(node, args) : Promise.resolve(answer(127, 'curl: not found\n', 'err'))];
    if (POWERSHELL_REQUEST.test(file))
      return ['powershell.exe', this.powershell ? this.powershell(node, args) : Promise.resolve(answer(127, 'powershell.exe: not found\n', 'err'))];
    return ['systemctl', systemctl(node, args, this.services, this.units)];
  }

  private async handle(node: string, file: string): Promise<void> {
    if (this.handling.has(file)) return;
    this.handling.add(file);
    try {
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) return;
      const args = text.split('\n').filter(Boolean);
      const [command, run] = this.command(node, file, args);
      const result = await run.catch((err: Error) => answer(1, `${err.message}\n`, 'err'));
      this.log(`node ${node}: ${command} ${command === 'powershell.exe' ? '…' : args.join(' ')}: exit ${result.code}`);
      const answerFile = file.replace(/\.request$/, '.answer');
      if (result.stderr) await fs.writeFile(file.replace(/\.request$/, '.stderr'), result.stderr);
      await fs.writeFile(`${answerFile}.tmp`, `${result.code} ${result.stream}\n${result.text}`);
      await fs.rename(`${answerFile}.tmp`, answerFile);
      await fs.rm(file, { force: true });
    } finally {
      this.handling.delete(file);
    }
  }
}
