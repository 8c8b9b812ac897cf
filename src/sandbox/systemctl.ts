/**
 * `systemctl` on a sandbox node. A session on the node (chrooted by its sshd into the rootfs) runs a busybox
 * script that writes its arguments as a request file into the node's /run/sandbox-agent and waits for the answer
 * file the node agent writes beside it (exit code, then what systemctl prints). The agent plays the node's
 * services: the kubelet (see KubeletService); every other unit is unknown, as on a node without it.
 */
import { existsSync, promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Where requests and answers live, as a node path. */
export const AGENT_REQUEST_DIR = '/run/sandbox-agent';
/** How long systemctl waits for the agent, in 50ms steps (120s: a restart waits for the kubelet's files). */
const WAIT_STEPS = 2400;

/**
 * A command of the node that the agent answers: `systemctl` (the node's services), `curl` (run by the agent in the
 * node's network namespace: a machine has curl, and a busybox chroot has no TLS client). The request is a file the
 * agent watches (written whole, by rename); its answer, beside it, holds the exit code and what to print.
 */
const agentScript = (command: 'systemctl' | 'curl', request: string) => `#!/bin/sh
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
rm -f "$dir/$id.answer"
exit "$code"
`;

export const SYSTEMCTL_SCRIPT = agentScript('systemctl', '');
/** curl's requests are named `<id>.curl.request`. */
export const CURL_SCRIPT = agentScript('curl', '.curl');
const CURL_REQUEST = /\.curl\.request$/;

/** Runs curl with a request's arguments for a node (in its network namespace). */
export type NodeCurl = (node: string, args: string[]) => Promise<SystemctlAnswer>;

/** What systemctl prints and exits with. */
export interface SystemctlAnswer {
  code: number;
  stream: 'out' | 'err';
  text: string;
}

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

/** Runs one systemctl command line against a node's services, as systemd's systemctl answers it. */
export async function systemctl(node: string, args: string[], services: NodeServices): Promise<SystemctlAnswer> {
  const quiet = args.includes('--quiet') || args.includes('-q');
  const [verb, ...units] = args.filter((a) => !a.startsWith('-'));
  const unit = units[0]?.replace(/\.service$/, '');
  if (verb === undefined) return answer(1, 'systemctl: a command is required (start, stop, restart, is-active, status)\n', 'err');
  if (['daemon-reload', 'enable', 'disable', 'reset-failed'].includes(verb)) return answer(0);
  if (unit === undefined) return answer(1, `Too few arguments.\n`, 'err');
  if (verb === 'is-active') {
    const state = unit === 'kubelet' ? services.state(node).state : 'inactive';
    return answer(state === 'active' ? 0 : 3, quiet ? '' : `${state}\n`);
  }
  if (verb === 'is-enabled')
    return unit === 'kubelet'
      ? answer(0, quiet ? '' : 'enabled\n')
      : answer(1, `Failed to get unit file state for ${unit}.service: No such file or directory\n`, 'err');
  if (unit !== 'kubelet') return answer(5, `Failed to ${verb} ${unit}.service: Unit ${unit}.service not found.\n`, 'err');
  if (verb === 'status') {
    const { state, detail } = services.state(node);
    return answer(state === 'active' ? 0 : 3, `● kubelet.service - kubelet: The Kubernetes Node Agent\n     Active: ${state} (${detail})\n`);
  }
  const verbs: Record<string, (n: string) => Promise<void>> = {
    start: (n) => services.start(n),
    stop: (n) => services.stop(n),
    restart: (n) => services.restart(n),
    'try-restart': (n) => (services.state(n).state === 'inactive' ? Promise.resolve() : services.restart(n)),
    'reload-or-restart': (n) => services.restart(n),
  };
  if (!verbs[verb]) return answer(1, `Unknown command verb '${verb}'.\n`, 'err');
  await verbs[verb](node);
  return answer(0);
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

  private async handle(node: string, file: string): Promise<void> {
    if (this.handling.has(file)) return;
    this.handling.add(file);
    try {
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) return;
      const args = text.split('\n').filter(Boolean);
      const isCurl = CURL_REQUEST.test(file);
      const run =
        isCurl && this.curl ? this.curl(node, args) : isCurl ? Promise.resolve(answer(127, 'curl: not found\n', 'err')) : systemctl(node, args, this.services);
      const result = await run.catch((err: Error) => answer(1, `${err.message}\n`, 'err'));
      this.log(`node ${node}: ${isCurl ? 'curl' : 'systemctl'} ${args.join(' ')}: exit ${result.code}`);
      const answerFile = file.replace(/\.request$/, '.answer');
      await fs.writeFile(`${answerFile}.tmp`, `${result.code} ${result.stream}\n${result.text}`);
      await fs.rename(`${answerFile}.tmp`, answerFile);
      await fs.rm(file, { force: true });
    } finally {
      this.handling.delete(file);
    }
  }
}
