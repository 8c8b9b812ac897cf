import path from 'node:path/posix';
import type { RecordingCluster } from '../../cluster/recording.js';
import { MANIFESTS_DIR } from '../../kube/paths.js';
import { readText, type Host } from '../../host/host.js';
import type { RecordingHost } from '../../host/recording.js';
import { fileDiff } from './diff.js';

/**
 * What an upgrade's dry run would have done: each static Pod manifest as a diff against the node's file (the same
 * diff `bosun upgrade diff` prints), every other file by name and size (they hold keys), then the API changes.
 */
export async function printUpgradeDryRun(recorded: RecordingHost, node: Host, cluster: RecordingCluster | undefined, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  out.write(`[dryrun] ${recorded.actions.length} change(s) would be made under ${recorded.root}\n`);
  for (const action of recorded.actions) {
    if (action.kind === 'write' && action.data && path.dirname(action.target) === MANIFESTS_DIR) {
      out.write(fileDiff(action.target, await readText(node, action.target), Buffer.from(action.data).toString('utf8')));
      continue;
    }
    const mode = action.mode !== undefined ? `mode ${action.mode.toString(8).padStart(4, '0')}` : undefined;
    const size = action.data ? `${action.data.length} bytes` : undefined;
    const details = [mode, size].filter(Boolean).join(', ');
    out.write(`[dryrun] would ${action.kind} ${action.target}${details ? ` (${details})` : ''}\n`);
  }
  for (const action of cluster?.actions ?? []) out.write(`[dryrun] would ${action.verb} ${action.target}\n`);
}
