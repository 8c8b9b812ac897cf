/**
 * Kubernetes releases bosun builds and tests against (the two newest minors Go 1.26 builds),
 * and the etcd and kwok releases that go with them.
 */
export const PINNED_KUBERNETES_VERSIONS = ['v1.36.3', 'v1.37.1'] as const;
export const DEFAULT_KUBERNETES_VERSION = 'v1.37.1';
export const ETCD_VERSION = 'v3.6.16';
export const KWOK_VERSION = 'v0.8.0';
