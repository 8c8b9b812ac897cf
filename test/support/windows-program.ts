/**
 * A small real Windows program (GOOS=windows, x86-64, a PE file) whose Go build info records a version stamp, as
 * the Kubernetes and containerd builds do: what the sandbox reads a Windows binary's version from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/sandbox/exec.js';

const STAMPS = {
  kubernetes: 'k8s.io/component-base/version.gitVersion',
  containerd: 'github.com/containerd/containerd/v2/version.Version',
};

/** Builds `<dir>/<name>` stamped as `kind` at `version` (go's build cache makes a rebuild quick). */
export async function windowsProgram(dir: string, name: string, kind: keyof typeof STAMPS, version: string): Promise<string> {
  const source = path.join(dir, `.src-${name}`);
  mkdirSync(source, { recursive: true });
  writeFileSync(path.join(source, 'go.mod'), 'module example.com/program\n\ngo 1.22\n');
  writeFileSync(path.join(source, 'main.go'), 'package main\n\nfunc main() {}\n');
  const out = path.join(dir, name);
  await run('go', ['build', '-ldflags', `-X ${STAMPS[kind]}=${version}`, '-o', out, '.'], {
    cwd: source,
    env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  return out;
}
