import type { RecordingHost } from '../host/recording.js';

/** Secrets are described, never printed. */
function isSecret(path: string, text: string): boolean {
  return path.endsWith('.key') || /PRIVATE KEY|client-key-data|token:/.test(text);
}

/** Prints what a dry run would have done to the node, in order. */
export function printDryRun(host: RecordingHost, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`[dryrun] ${host.actions.length} change(s) would be made under ${host.root}\n`);
  for (const action of host.actions) {
    const mode = action.mode !== undefined ? ` (mode ${action.mode.toString(8).padStart(4, '0')})` : '';
    out.write(`[dryrun] would ${action.kind} ${action.target}${mode}\n`);
    if (action.kind !== 'write' || !action.data) continue;
    const text = Buffer.from(action.data).toString('utf8');
    if (isSecret(action.target, text)) out.write(`[dryrun]   <secret, ${action.data.length} bytes, not shown>\n`);
    else out.write(text.replace(/^/gm, '[dryrun]   ') + (text.endsWith('\n') ? '' : '\n'));
  }
}
