/** Where a kind lives in the API: its resource (plural) name and whether objects are namespaced. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection URL of a resource, in a namespace when it is namespaced. */
export function collectionPath(info: ResourceInfo, namespace?: string): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(info.apiVersion)}${ns}/${info.plural}`;
}

/**
 * The built-in kinds bosun uses, known without asking: clients with few rights (a bootstrap token, anonymous
 * reading cluster-info) may not read discovery documents, and the first call saves a round trip.
 */
const BUILT_IN: Record<string, Record<string, [plural: string, namespaced: boolean]>> = {
  v1: {
    ConfigMap: ['configmaps', true],
    Secret: ['secrets', true],
    ServiceAccount: ['serviceaccounts', true],
    Service: ['services', true],
    Pod: ['pods', true],
    Endpoints: ['endpoints', true],
    Event: ['events', true],
    Node: ['nodes', false],
    Namespace: ['namespaces', false],
  },
  'apps/v1': { Deployment: ['deployments', true], DaemonSet: ['daemonsets', true], StatefulSet: ['statefulsets', true], ReplicaSet: ['replicasets', true] },
  'rbac.authorization.k8s.io/v1': {
    Role: ['roles', true],
    RoleBinding: ['rolebindings', true],
    ClusterRole: ['clusterroles', false],
    ClusterRoleBinding: ['clusterrolebindings', false],
  },
  'coordination.k8s.io/v1': { Lease: ['leases', true] },
  'certificates.k8s.io/v1': { CertificateSigningRequest: ['certificatesigningrequests', false] },
  'policy/v1': { PodDisruptionBudget: ['poddisruptionbudgets', true] },
  'batch/v1': { Job: ['jobs', true] },
  'apiextensions.k8s.io/v1': { CustomResourceDefinition: ['customresourcedefinitions', false] },
};

/**
 * Resolves built-in kinds from the table above and any other kind through the API's discovery documents, one request per group/version, cached for the
 * life of the client. Misses are not cached: a CRD or an aggregated API may be served a moment later.
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<APIResourceList | undefined>>();

  constructor(private readonly fetchList: (path: string) => Promise<APIResourceList | undefined>) {}

  /** The resource of a kind, or undefined when the API server does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const known = BUILT_IN[apiVersion]?.[kind];
    if (known) return { apiVersion, kind, plural: known[0], namespaced: known[1] };
    let list = this.cache.get(apiVersion);
    if (!list) {
      list = this.fetchList(groupVersionPath(apiVersion));
      this.cache.set(apiVersion, list);
      list.catch(() => this.cache.delete(apiVersion));
    }
    // Subresources (`pods/status`) share their parent's kind; the parent has no slash.
    const found = (await list)?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) {
      this.cache.delete(apiVersion);
      return undefined;
    }
    return { apiVersion, kind, plural: found.name, namespaced: found.namespaced };
  }
}
