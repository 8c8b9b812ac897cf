/** Text laid out as kubeadm's Go printers lay it out, for output that matches kubeadm's byte for byte. */

/** Go's duration.ShortHumanDuration: `45s`, `59m`, `23h`, `6d`, `2y`; `<invalid>` once more than a second past. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * One block of a Go tabwriter (kubeadm's: minwidth 10, padding 3): every cell but a line's last is tab-terminated,
 * padded to its column's widest tab-terminated cell plus the padding, at least the minimum width.
 */
export function tabwriterBlock(rows: string[][], minWidth = 10, padding = 3): string {
  const columns = rows[0].length - 1;
  const widths = Array.from({ length: columns }, (_, i) => Math.max(minWidth, ...rows.map((r) => r[i].length + padding)));
  return rows.map((r) => r.map((cell, i) => (i < columns ? cell.padEnd(widths[i]) : cell)).join('') + '\n').join('');
}
