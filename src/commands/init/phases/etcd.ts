import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { ensureDir } from '../../../host/ensure-file.js';
import { localEtcdPod } from '../../../manifests/etcd.js';
import { localEtcdInput } from '../../../manifests/static-pods.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';
import { writeStaticPod } from './control-plane.js';

/** etcd keeps its data owner-only, as kubeadm creates the directory. */
const ETCD_DATA_DIR_MODE = 0o700;

const localPhase: Phase<InitContext> = {
  name: 'local',
  description: 'Generate the static Pod manifest file for a local, single-node local etcd instance',
  run: async (ctx, io) => {
    const input = localEtcdInput(ctx.cfg);
    if (!input) {
      io.log('[etcd] External etcd mode: no local etcd static Pod manifest is needed');
      return;
    }
    await ensureDir(ctx.host, input.cluster.etcd.local.dataDir, ETCD_DATA_DIR_MODE);
    const creating = `Creating static Pod manifest for local etcd in "${MANIFESTS_DIR}"`;
    await writeStaticPod(ctx.host, io, 'etcd', localEtcdPod(input), creating);
  },
};

export const etcdPhase: Phase<InitContext> = {
  name: 'etcd',
  description: 'Generate static Pod manifest file for local etcd',
  help: `Writes ${MANIFESTS_DIR}/etcd.yaml (mode 0600) and creates the etcd data directory (0700); nothing with an external etcd.`,
  phases: [localPhase],
};
