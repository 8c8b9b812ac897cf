/**
 * Calico through the Tigera operator, as Calico's install guide does it: the operator (its CRDs, namespace, access
 * and Deployment), then the `default` custom resources it acts on, the Installation's IP pool being the cluster's
 * pod subnet. Calico's own `calico.yaml` (manifest mode) is not vendored: Calico's repository is not on the Go
 * module proxy bosun's manifests come from.
 */
import type { KubeObject } from '../../cluster/cluster.js';
import { UserError } from '../../errors.js';
import type { AddonDefinition, AddonInput, AddonPlan } from '../addon.js';
import { applyActions, chosenVersion, podSubnets, workloadImageTag } from '../addon-plan.js';
import { upstreamObjects } from '../manifest-files.js';
import { OPERATOR, operatorObjects } from './operator.js';
import { CALICO_CRD_FILES, OPERATOR_CRD_FILES } from './crd-files.js';

/** Each Calico release bosun has and the Tigera operator release that installs it (config/calico_versions.yml). */
const OPERATOR_OF: Readonly<Record<string, string>> = { 'v3.31.0': 'v1.40.0' };
const VERSIONS = Object.keys(OPERATOR_OF);
const MODES = ['operator', 'manifest'] as const;
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: OPERATOR.namespace, name: OPERATOR.name } as const;

const custom = (kind: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'operator.tigera.io/v1',
  kind,
  metadata: { name: 'default' },
  spec,
});

/** The pools of `custom-resources.yaml`, with the cluster's pod subnets: VXLAN across subnets, NAT to the outside. */
export function installation(subnets: { ipv4?: string; ipv6?: string }): KubeObject {
  const pool = (name: string, cidr: string, blockSize: number) => ({
    name,
    blockSize,
    cidr,
    encapsulation: 'VXLANCrossSubnet',
    natOutgoing: 'Enabled',
    nodeSelector: 'all()',
  });
  const ipPools = [
    ...(subnets.ipv4 ? [pool('default-ipv4-ippool', subnets.ipv4, 26)] : []),
    ...(subnets.ipv6 ? [pool('default-ipv6-ippool', subnets.ipv6, 122)] : []),
  ];
  return custom('Installation', { calicoNetwork: { ipPools } });
}

function refuseMode(mode: string | undefined): void {
  if (mode === undefined || mode === 'operator') return;
  if (mode === 'manifest') {
    throw new UserError(
      "addon calico: --mode manifest: bosun does not ship Calico's calico.yaml (Calico's repository is not on the Go module proxy bosun vendors manifests from); use --mode operator",
    );
  }
  throw new UserError(`addon calico: --mode ${mode}: expected one of ${MODES.join(', ')}`);
}

async function crds(input: AddonInput, version: string): Promise<KubeObject[]> {
  const files = [...OPERATOR_CRD_FILES.map((f) => `crds/operator/${f}`), ...CALICO_CRD_FILES.map((f) => `crds/calico/${f}`)];
  const perFile = await Promise.all(files.map((f) => upstreamObjects(input.manifests, `calico/${version}/${f}`)));
  return perFile.flat();
}

async function plan(input: AddonInput): Promise<AddonPlan> {
  refuseMode(input.settings.mode);
  const subnets = podSubnets('calico', input);
  const version = chosenVersion('calico', VERSIONS, input, VERSIONS[VERSIONS.length - 1]);
  const operator = OPERATOR_OF[version];
  const objects = [
    ...(await crds(input, version)),
    ...operatorObjects(operator),
    installation(subnets),
    custom('APIServer'),
    custom('Goldmane'),
    custom('Whisker'),
  ];
  const pools = [subnets.ipv4, subnets.ipv6].filter(Boolean).join(', ');
  return {
    addon: 'calico',
    version,
    actions: applyActions(objects),
    notes: [
      `Tigera operator ${operator}; Installation default: IP pools ${pools} (VXLANCrossSubnet, natOutgoing); the operator starts Calico in calico-system`,
    ],
    warnings: [],
  };
}

export const calicoAddon: AddonDefinition = {
  name: 'calico',
  description: 'Calico pod network and network policy, through the Tigera operator',
  essential: false,
  versions: VERSIONS,
  defaultVersion: () => VERSIONS[VERSIONS.length - 1],
  plan,
  /** The operator's tag, as the Calico release it installs when bosun knows it. */
  installedVersion: async (cluster) => {
    const tag = await workloadImageTag(cluster, DEPLOYMENT, OPERATOR.name);
    return tag && (Object.keys(OPERATOR_OF).find((v) => OPERATOR_OF[v] === tag) ?? `operator ${tag}`);
  },
};
