/**
 * The check every PowerShell script bosun can send goes through: the real grammar parses it with no error node,
 * and the commands it runs, with the parameters each names, are the golden step plan recorded beside it in
 * test/fixtures/powershell/<name>.yaml, with the upstream source the plan follows.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { parsePowerShell } from '../../src/sandbox/windows/grammar.js';

interface Golden {
  /** Where the steps come from: the upstream script or guide, and what bosun does differently. */
  source: string;
  /** One line per command: `Stop-Service -Name -Force`, `C:\k\kubelet.exe --version`. */
  steps: string[];
}

const goldenFile = (name: string) => new URL(`../fixtures/powershell/${name}.yaml`, import.meta.url);

/** Each command as a golden step line: its name, then its parameters with one dash. */
export async function scriptSteps(script: string): Promise<string[]> {
  const parsed = await parsePowerShell(script);
  expect(parsed.problems, `syntax errors in:\n${script}`).toEqual([]);
  return parsed.commands.map((c) => [c.name, ...c.parameters.map((p) => `-${p}`)].join(' '));
}

export async function expectGoldenScript(name: string, script: string): Promise<void> {
  const golden = parse(await readFile(goldenFile(name), 'utf8')) as Golden;
  expect(golden.source, `${name}.yaml: source`).toMatch(/\S/);
  expect(await scriptSteps(script), `${name}: the script's commands against its golden step plan`).toEqual(golden.steps);
}
