/** The door's watches: list, then watch from the list's resourceVersion, through restarts and outages. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectionEvent, KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { collectionPath } from './discovery.js';
import { ClusterError, describeRef, isTransient, TIMEOUT } from './errors.js';
import { collectionTarget, typed, withSelectors, type KubeApi, type WatchEvent } from './kube-api.js';

/** How soon a wait tries again after a transient failure (an API server still starting answers in microseconds). */
const RETRY_MS = 50;
/** A collection watch is renewed this often (the server ends it) and backs off to this while the API is away. */
const WATCH_SECONDS = 300;
const MAX_RETRY_MS = 2_000;

/**
 * Follows a collection until `signal` aborts: a LISTED event with every item, then its changes; re-listed when
 * the watch's version expired, retried with backoff while the API server is unreachable.
 */
export async function watchCollection<T extends KubeObject>(
  api: KubeApi,
  apiVersion: string,
  kind: string,
  opts: ListOptions,
  onEvent: (event: CollectionEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  const target = collectionTarget(kind, opts.namespace);
  let backoff = RETRY_MS;
  while (!signal.aborted) {
    try {
      const listed = await api.listAll<T>('watch', apiVersion, kind, opts);
      onEvent({ type: 'LISTED', items: listed.items });
      backoff = RETRY_MS;
      let version = listed.resourceVersion;
      for (;;) {
        if (signal.aborted) return;
        const query = withSelectors(
          new URLSearchParams({
            watch: 'true',
            resourceVersion: version,
            allowWatchBookmarks: 'true',
            timeoutSeconds: String(WATCH_SECONDS),
          }),
          opts,
        );
        let expired = false;
        const onWatchEvent = (event: WatchEvent) => {
          if (event.type === 'ERROR') return (expired = true);
          version = event.object.metadata?.resourceVersion ?? version;
          if (event.type !== 'BOOKMARK') {
            onEvent({ type: event.type, object: typed(event.object as T, apiVersion, kind) });
          }
          return false;
        };
        const path = `${listed.collection}?${query}`;
        const res = await api.stream('watch', target, path, (WATCH_SECONDS + 30) * 1000, onWatchEvent, signal);
        if (res.status === 410 || expired) break;
        if (res.status !== 200 && res.status !== 0) api.fail('watch', target, res);
      }
    } catch (err) {
      if (!isTransient(err) || signal.aborted) {
        if (signal.aborted) return;
        throw err;
      }
      await sleep(backoff, undefined, { signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, MAX_RETRY_MS);
    }
  }
}

/**
 * List, then watch from the list's resourceVersion (one object, by field selector) until `predicate` holds; the
 * watch is resumed after the server ends it, re-listed when its version expired (410), and retried while the API
 * server is unreachable.
 */
export async function watchObject<T extends KubeObject>(
  api: KubeApi,
  ref: ObjectRef,
  predicate: (obj: T | undefined) => boolean,
  timeoutMs: number,
): Promise<T | undefined> {
  const target = describeRef(ref);
  const deadline = Date.now() + timeoutMs;
  const selector = `metadata.name=${ref.name}`;
  let last: T | undefined;
  let lastError: ClusterError | undefined;
  while (Date.now() < deadline) {
    try {
      const info = await api.resource('watch', ref);
      const collection = collectionPath(info, ref.namespace);
      const page = await api.listPage<T>('watch', target, `${collection}?${new URLSearchParams({ fieldSelector: selector })}`);
      last = page.items?.[0] && typed(page.items[0], ref.apiVersion, ref.kind);
      if (predicate(last)) return last;
      let version = page.metadata?.resourceVersion ?? '';
      for (let remaining = deadline - Date.now(); remaining > 0; remaining = deadline - Date.now()) {
        const query = new URLSearchParams({
          watch: 'true',
          fieldSelector: selector,
          resourceVersion: version,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(Math.ceil(remaining / 1000)),
        });
        let outcome: 'met' | 'expired' | undefined;
        let failure: unknown;
        const res = await api.stream('watch', target, `${collection}?${query}`, remaining, (event: WatchEvent) => {
          if (event.type === 'ERROR') {
            outcome = 'expired';
            return true;
          }
          version = event.object.metadata?.resourceVersion ?? version;
          if (event.type === 'BOOKMARK') return false;
          last = event.type === 'DELETED' ? undefined : typed(event.object as T, ref.apiVersion, ref.kind);
          try {
            if (predicate(last)) outcome = 'met';
          } catch (err) {
            failure = err;
            return true;
          }
          return outcome === 'met';
        });
        if (failure) throw failure;
        if (outcome === 'met') return last;
        if (res.status === 410 || outcome === 'expired') break;
        if (res.status !== 200 && res.status !== 0) api.fail('watch', target, res);
      }
    } catch (err) {
      if (!isTransient(err)) throw err;
      lastError = err as ClusterError;
      await sleep(Math.max(0, Math.min(RETRY_MS, deadline - Date.now())));
    }
  }
  const state = last ? `last seen at resourceVersion ${last.metadata.resourceVersion}` : 'the object does not exist';
  const cause = lastError ? `; last error: ${lastError.message}` : '';
  throw new ClusterError('wait for', target, TIMEOUT, `condition not met within ${timeoutMs / 1000}s; ${state}${cause}`);
}
