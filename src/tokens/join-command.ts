/**
 * `bosun join` for a worker and for a control-plane node, as kubeadm words it (one CA pin per CA certificate):
 * printed by init's show-join-command (on several lines) and by `token create --print-join-command` (on one).
 */
export function joinCommands(input: { endpoint: string; token: string; caHashes: string[]; certificateKey?: string }): {
  worker: string;
  controlPlane: string;
} {
  const worker = `bosun join ${input.endpoint} --token ${input.token} \\\n\t${input.caHashes.map((h) => `--discovery-token-ca-cert-hash ${h}`).join(' ')}`;
  const key = input.certificateKey ? ` --certificate-key ${input.certificateKey}` : '';
  return { worker, controlPlane: `${worker} \\\n\t--control-plane${key}` };
}

/** A multi-line command on one line, as kubeadm's --print-join-command gives it (continuations and tabs removed). */
export function oneLine(command: string): string {
  return command.replaceAll('\\\n', '').replaceAll('\t', '');
}
