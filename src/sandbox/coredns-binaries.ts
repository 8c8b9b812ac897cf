/**
 * CoreDNS for the sandbox's DNS pods, built from its Go module (`github.com/coredns/coredns`) once per version into
 * the binary cache: one per CoreDNS release bosun pins for a Kubernetes version, so a test runs the release a
 * cluster of that version gets.
 */
import path from 'node:path';
import { coreDNSVersion } from '../addons/coredns.js';
import type { Artifact } from './artifact.js';
import { run } from './exec.js';
import { GO_ENV } from './wrapper.js';

const COREDNS_MODULE = 'github.com/coredns/coredns';

export const coreDNSArtifact = (version: string): Artifact => ({ component: 'coredns', version, binaries: ['coredns'] });

/**
 * A CoreDNS older than the pinned ones, for upgrade tests across CoreDNS minors: kubeadm v1.31/v1.32's release,
 * which still builds with the Go bosun builds with (GOTOOLCHAIN=local).
 */
export const OLDER_COREDNS_VERSION = 'v1.11.3';

/** The CoreDNS releases bosun pins for these Kubernetes versions, each once; with `older`, OLDER_COREDNS_VERSION first. */
export function coreDNSArtifacts(kubernetesVersions: readonly string[], older = false): Artifact[] {
  return [...new Set([...(older ? [OLDER_COREDNS_VERSION] : []), ...kubernetesVersions.map(coreDNSVersion)])].map(coreDNSArtifact);
}

/**
 * `go build` in the module's own directory (`go install` refuses a module with replace directives), its plugins
 * as the release's plugin.cfg has them (the generated zplugin.go ships in the module), the commit set as its
 * Makefile does when the module proxy names it (its .info may not).
 */
export async function buildCoreDNS(a: Artifact, out: string, onLine: (line: string) => void): Promise<void> {
  const env = { ...GO_ENV, GOFLAGS: '-mod=mod' };
  onLine(`go mod download ${COREDNS_MODULE}@${a.version}`);
  const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${COREDNS_MODULE}@${a.version}`], { cwd: out, env })) as {
    Dir?: string;
    Error?: string;
    Origin?: { Hash?: string };
  };
  if (!info.Dir) throw new Error(`CoreDNS ${a.version} is not available from the Go module proxy: ${info.Error ?? 'no module directory'}`);
  onLine(`go build coredns (module ${info.Dir})`);
  const commit = info.Origin?.Hash ? ` -X ${COREDNS_MODULE}/coremain.GitCommit=${info.Origin.Hash.slice(0, 7)}` : '';
  await run('go', ['build', '-trimpath', '-ldflags', `-s -w${commit}`, '-o', path.join(out, 'coredns'), '.'], {
    cwd: info.Dir,
    env,
    onLine,
  });
}
