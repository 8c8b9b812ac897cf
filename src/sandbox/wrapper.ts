import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { run } from './exec.js';
import { cacheRoot, PACKAGE_GO_DIR } from './paths.js';

/** Environment for every go command: never download a toolchain, build static binaries. */
export const GO_ENV = { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };

/**
 * The Kubernetes commands the sandbox needs, as Go packages: the control plane's, kubeadm and kubectl, and the
 * kubelet whose binary on a node's disk tells what that node reports.
 */
export const KUBERNETES_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubeadm', 'kubectl', 'kubelet'] as const;

const TOOLS_GO = `//go:build tools

// Package tools keeps the Kubernetes commands in this module's build list, so
// \`go build k8s.io/kubernetes/cmd/...\` builds them from the pinned release.
package tools

import (
${KUBERNETES_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"`).join('\n')}
)
`;

export function parseKubernetesVersion(version: string): { minor: number; patch: number } {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new UserError(`--version: expected a Kubernetes release like v1.37.1, got "${version}"`);
  return { minor: Number(m[1]), patch: Number(m[2]) };
}

/** The build tags of Kubernetes' own release builds (hack/lib/golang.sh). */
export const KUBERNETES_BUILD_TAGS = 'selinux,notest,grpcnotrace';

/** The version flags Kubernetes' own build sets (hack/lib/version.sh), on both version packages. */
export async function kubernetesLdflags(moduleDir: string, version: string): Promise<string> {
  const { minor } = parseKubernetesVersion(version);
  const info = JSON.parse(await run('go', ['list', '-m', '-json', 'k8s.io/kubernetes'], { cwd: moduleDir, env: GO_ENV })) as {
    Time?: string;
  };
  const values = { gitVersion: version, gitMajor: '1', gitMinor: String(minor), gitTreeState: 'clean', buildDate: info.Time ?? '1970-01-01T00:00:00Z' };
  const flags = ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].flatMap((pkg) =>
    Object.entries(values).map(([key, value]) => `-X '${pkg}.${key}=${value}'`),
  );
  return ['-s', '-w', ...flags].join(' ');
}

interface GoModJson {
  Go?: string;
  /** Spelled GoDebug in `go mod edit -json` output (its help text says Godebug). */
  GoDebug?: Array<{ Key: string; Value: string }>;
  Require?: Array<{ Path: string; Version: string }>;
}

/**
 * The wrapper module directory for a version: the one shipped in `go/`, or one generated into the cache (again
 * when it was generated for fewer commands than the sandbox now builds).
 */
export async function kubernetesModule(version: string, onLine?: (line: string) => void): Promise<string> {
  const shipped = path.join(PACKAGE_GO_DIR, 'kubernetes', version);
  if (existsSync(path.join(shipped, 'go.mod'))) return shipped;
  const generated = path.join(cacheRoot(), 'go', 'kubernetes', version);
  const tools = await fs.readFile(path.join(generated, 'tools.go'), 'utf8').catch(() => undefined);
  if (tools === TOOLS_GO && existsSync(path.join(generated, 'go.mod'))) return generated;
  const fresh = `${generated}.new-${randomBytes(4).toString('hex')}`;
  await generateKubernetesWrapper(version, fresh, onLine);
  // The old module moves aside first: a rename does not replace a directory that has files.
  const old = `${generated}.old-${randomBytes(4).toString('hex')}`;
  if (existsSync(generated)) await fs.rename(generated, old);
  await fs.rename(fresh, generated);
  await fs.rm(old, { recursive: true, force: true });
  return generated;
}

/**
 * Writes a module that builds k8s.io/kubernetes at `version` from the module proxy.
 * The release's go.mod requires every staging module at the fake v0.0.0 and replaces it with a
 * local path, which a dependent module never sees; so each one is replaced here with its published
 * tag v0.<minor>.<patch>. The list comes from that release's own go.mod (it changes between minors).
 * Built in a temp directory and renamed into `target`, so a half-written module is never used.
 */
export async function generateKubernetesWrapper(version: string, target: string, onLine?: (line: string) => void): Promise<void> {
  const { minor, patch } = parseKubernetesVersion(version);
  const staging = `v0.${minor}.${patch}`;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(temp);
  try {
    const go = (args: string[], progress = false) => run('go', args, { cwd: temp, env: GO_ENV, onLine: progress ? onLine : undefined });
    await fs.writeFile(path.join(temp, 'go.mod'), 'module bosun.local/kubernetes\n');
    onLine?.(`go mod download k8s.io/kubernetes@${version}`);
    const download = JSON.parse(await go(['mod', 'download', '-json', `k8s.io/kubernetes@${version}`])) as {
      GoMod?: string;
      Error?: string;
    };
    if (download.Error || !download.GoMod) {
      throw new UserError(`Kubernetes ${version} is not available from the Go module proxy: ${download.Error ?? 'no go.mod'}`);
    }
    const release = JSON.parse(await go(['mod', 'edit', '-json', download.GoMod])) as GoModJson;
    const edits = (release.Require ?? [])
      .filter((r) => r.Path.startsWith('k8s.io/') && r.Version === 'v0.0.0')
      .map((r) => `-replace=${r.Path}=${r.Path}@${staging}`);
    if (edits.length === 0) throw new Error(`k8s.io/kubernetes@${version}: its go.mod lists no staging modules at v0.0.0`);
    // godebug is not inherited from dependencies: copy the release's go and godebug lines.
    if (release.Go) edits.push(`-go=${release.Go}`);
    for (const d of release.GoDebug ?? []) edits.push(`-godebug=${d.Key}=${d.Value}`);
    edits.push(`-require=k8s.io/kubernetes@${version}`);
    await go(['mod', 'edit', ...edits]);
    await fs.writeFile(path.join(temp, 'tools.go'), TOOLS_GO);
    onLine?.('go mod tidy');
    await go(['mod', 'tidy'], true);
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
}
