import path from 'node:path/posix';
import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { ensureDir, writeFileIfChanged } from '../../../host/ensure-file.js';
import type { InitConfig } from '../../../config/types.js';
import type { Host } from '../../../host/host.js';
import { CONTROL_PLANE_PODS } from '../../../manifests/control-plane.js';
import type { Pod } from '../../../manifests/pod.js';
import {
  MANIFEST_MODE,
  MANIFESTS_DIR_MODE,
  controlPlaneInput,
  manifestPath,
  renderManifest,
  type NodeFacts,
} from '../../../manifests/static-pods.js';
import { OPTIONAL_CA_DIRS, type ControlPlaneComponent } from '../../../manifests/volumes.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** What the control-plane Pods depend on besides the config: CA bundles and CA key on the node, and the proxy environment. */
export async function readNodeFacts(host: Host, cfg: InitConfig): Promise<NodeFacts> {
  const { certificatesDir } = cfg.cluster;
  const present = await Promise.all(OPTIONAL_CA_DIRS.map(async (dir): Promise<string | undefined> => ((await host.stat(dir)) ? dir : undefined)));
  const [caCert, caKey] = await Promise.all(['ca.crt', 'ca.key'].map((f) => host.stat(path.join(certificatesDir, f))));
  return {
    presentCADirs: present.filter((dir): dir is string => dir !== undefined),
    proxyEnv: cfg.proxyEnv,
    externalCA: Boolean(caCert) && !caKey,
  };
}

/**
 * Writes a static Pod manifest (0600, directory 0700) unless the node has exactly this one
 * (a rewrite would make the kubelet restart the Pod for nothing); says which it did.
 */
export async function writeStaticPod(host: Host, io: PhaseIO, prefix: string, pod: Pod, creating: string): Promise<void> {
  await ensureDir(host, MANIFESTS_DIR, MANIFESTS_DIR_MODE);
  const written = await writeFileIfChanged(host, manifestPath(pod.metadata.name), renderManifest(pod), MANIFEST_MODE);
  io.log(written ? `[${prefix}] ${creating}` : `[${prefix}] Static Pod manifest for "${pod.metadata.name}" is up to date`);
}

function componentPhase(name: string, component: ControlPlaneComponent): Phase<InitContext> {
  return {
    name,
    description: `Generates the ${component} static Pod manifest`,
    run: async (ctx, io) => {
      const facts = await readNodeFacts(ctx.host, ctx.cfg);
      const pod = CONTROL_PLANE_PODS[component](controlPlaneInput(ctx.cfg, facts));
      await writeStaticPod(ctx.host, io, 'control-plane', pod, `Creating static Pod manifest for "${component}"`);
    },
  };
}

export const controlPlanePhase: Phase<InitContext> = {
  name: 'control-plane',
  description: 'Generate all static Pod manifest files necessary to establish the control plane',
  help: `Writes ${MANIFESTS_DIR}/{kube-apiserver,kube-controller-manager,kube-scheduler}.yaml (mode 0600).`,
  run: async (_ctx, io) => io.log(`[control-plane] Using manifest folder "${MANIFESTS_DIR}"`),
  phases: [
    componentPhase('apiserver', 'kube-apiserver'),
    componentPhase('controller-manager', 'kube-controller-manager'),
    componentPhase('scheduler', 'kube-scheduler'),
  ],
};
