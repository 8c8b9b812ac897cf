// Bundles the CLI into dist/ (one ESM entry, split chunks for lazily loaded parts): a CLI started many
// times a minute pays for every file it loads, and a bundle loads a fraction of what node_modules holds.
// Type checking is tsc's job (`npm run typecheck`); this only emits.
import { build } from 'esbuild';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** bosun speaks English: zod's other 40 message locales would be a third of the bundle. */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
    }));
  },
};

// Built beside dist/ and swapped in, so a CLI or test running meanwhile never finds dist/ half-written.
const next = `dist.next-${process.pid}`;
const old = `dist.old-${process.pid}`;
await build({
  entryPoints: ['src/cli/main.ts'],
  outbase: 'src',
  outdir: next,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: true,
  // The Kubernetes client is large and only API phases need it: it stays a runtime import, loaded on demand.
  // ssh2 loads its native crypto binding (and cpu-features) with require() at run time: it stays in node_modules.
  external: ['@kubernetes/client-node', 'ssh2'],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __bosunRequire } from 'node:module'; const require = __bosunRequire(import.meta.url);" },
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
});
await rename('dist', old).catch(() => {});
await rename(next, 'dist');
await rm(old, { recursive: true, force: true });
