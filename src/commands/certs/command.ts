import type { Command } from 'commander';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { registerApproveKubeletServing } from './approve-kubelet-serving.js';

/** `bosun certs`: the cluster's certificates. */
export function registerCerts(program: Command, env: CommandEnvironment): void {
  const certs = program.command('certs').description("Certificates of the cluster: approve kubelet serving certificates' CSRs");
  registerApproveKubeletServing(certs, env);
}
