import { MANIFESTS_DIR } from '../../../kube/paths.js';
import type { ControlPlaneComponent } from '../../../manifests/volumes.js';
import { writeStaticPod } from '../../../node/static-pod-files.js';
import { controlPlanePod, readStaticPodFacts } from '../../../node/static-pods.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

function componentPhase(name: string, component: ControlPlaneComponent): Phase<InitContext> {
  return {
    name,
    description: `Generates the ${component} static Pod manifest`,
    run: async (ctx, io) => {
      const facts = await readStaticPodFacts(ctx.host, ctx.cfg);
      await writeStaticPod(ctx.host, io.log, 'control-plane', controlPlanePod(ctx.cfg, facts, component), `Creating static Pod manifest for "${component}"`);
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
