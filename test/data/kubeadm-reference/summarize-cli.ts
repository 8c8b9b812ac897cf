/** `node summarize.mjs ROOT CERT_DIR CERTS_START KUBECONFIG_START`: prints the PKI summary of a kubeadm rootfs as JSON. */
import path from 'node:path';
import { summarizePki } from './summarize.js';

const [root, certDir, certsStart, kubeconfigStart] = process.argv.slice(2);
const at = (seconds: string) => new Date(Number(seconds) * 1000);
const summary = summarizePki(
  { certDir: path.join(root, certDir), kubeconfigDir: path.join(root, 'etc/kubernetes') },
  { certs: at(certsStart), kubeconfig: at(kubeconfigStart) },
);
// Lists of strings on one line: a certificate's summary then reads at a glance.
const text = JSON.stringify(summary, null, 2).replace(/\[\n\s+([^[\]{}]*?)\n\s+\]/g, (_, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`);
process.stdout.write(`${text}\n`);
