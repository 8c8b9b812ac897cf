/**
 * A writer to kill: `node atomic-writer.mjs <root> <node path> <file>…` writes the contents of the files in turn
 * to the node path under the root through LocalHost, after printing `ready`: for ever, or `$WRITES` times. The
 * atomic-write test bundles it (esbuild) and kills it with SIGKILL at random points, or traces it.
 */
import { readFileSync } from 'node:fs';
import { LocalHost } from '../../src/host/local.js';

const [root, nodePath, ...files] = process.argv.slice(2);
const host = new LocalHost(root);
const contents = files.map((file) => readFileSync(file));
process.stdout.write('ready\n');
const writes = Number(process.env.WRITES ?? Infinity);
for (let i = 0; i < writes; i++) await host.writeFileAtomic(nodePath, contents[i % contents.length], 0o600);
