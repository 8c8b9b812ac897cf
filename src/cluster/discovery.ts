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
 * Resolves kinds through the API's discovery documents, one request per group/version, cached for the
 * life of the client. Misses are not cached: a CRD or an aggregated API may be served a moment later.
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<APIResourceList | undefined>>();

  constructor(private readonly fetchList: (path: string) => Promise<APIResourceList | undefined>) {}

  /** The resource of a kind, or undefined when the API server does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
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
