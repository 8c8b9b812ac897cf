import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { localEtcdPod } from '../../../manifests/etcd.js';
import { localEtcdInput } from '../../../manifests/static-pods.js';
import { ensureEtcdDataDir, writeStaticPod } from '../../../node/static-pod-files.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

const localPhase: Phase<InitContext> = {
  name: 'local',
  description: 'Generate the static Pod manifest file for a local, single-node local etcd instance',
  run: async (ctx, io) => {
    const input = localEtcdInput(ctx.cfg);
    if (!input) {
      io.log('[etcd] External etcd mode: no local etcd static Pod manifest is needed');
      return;
    }
    await ensureEtcdDataDir(ctx.host, input.cluster.etcd.local.dataDir);
    const creating = `Creating static Pod manifest for local etcd in "${MANIFESTS_DIR}"`;
    await writeStaticPod(ctx.host, io.log, 'etcd', localEtcdPod(input), creating);
  },
};

export const etcdPhase: Phase<InitContext> = {
  name: 'etcd',
  description: 'Generate static Pod manifest file for local etcd',
  help: `Writes ${MANIFESTS_DIR}/etcd.yaml (mode 0600) and creates the etcd data directory (0700); nothing with an external etcd.`,
  phases: [localPhase],
};
