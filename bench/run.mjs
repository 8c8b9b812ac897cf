#!/usr/bin/env node
// `npm run bench [-- <section>...]`: times the compiled CLI (bin/bosun.js) against real peers.
// Each section is `{ name, title, run() }` and prints its own table; add yours to SECTIONS.
// Build first (`npm run build`): the bench measures what users run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { machineLine, REPO } from './lib.mjs';
import { joinSection } from './sections/join.mjs';
import { pkiSection } from './sections/pki.mjs';
import { drainSection } from './sections/drain.mjs';
import { configSection } from './sections/config.mjs';
import { sshSection } from './sections/ssh.mjs';
import { applySection } from './sections/apply.mjs';
import { migrateSection } from './sections/migrate.mjs';
import { addonsSection } from './sections/addons.mjs';

const SECTIONS = [pkiSection, joinSection, drainSection, configSection, sshSection, applySection, migrateSection, addonsSection];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
if (unknown.length) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; sections are: ${SECTIONS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

if (!existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

console.log(`bosun bench — ${machineLine()}`);
for (const section of SECTIONS.filter((s) => !wanted.length || wanted.includes(s.name))) {
  console.log(`\n== ${section.name}: ${section.title}`);
  await section.run();
}
