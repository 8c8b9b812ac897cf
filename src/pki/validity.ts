import type { ClusterConfiguration } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Validity } from './certificate.js';
import { parseDuration } from '../config/duration.js';

/** Lifetimes of new certificates from the cluster configuration (`certificateValidityPeriod`, `caCertificateValidityPeriod`). */
export function validities(cluster: ClusterConfiguration, now: Date): { leaf: Validity; ca: Validity } {
  const lifetime = (field: 'certificateValidityPeriod' | 'caCertificateValidityPeriod') => {
    const ns = parseDuration(cluster[field]);
    if (ns === undefined || ns <= 0n) {
      throw new UserError(`ClusterConfiguration.${field}: "${cluster[field]}" is not a positive duration (e.g. 8760h0m0s)`);
    }
    return { now, lifetimeMs: Number(ns / 1_000_000n) };
  };
  return { leaf: lifetime('certificateValidityPeriod'), ca: lifetime('caCertificateValidityPeriod') };
}
