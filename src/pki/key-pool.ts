import type { EncryptionAlgorithm } from '../config/types.js';
import { generateKey, type KeyPair } from './keys.js';

/**
 * Keys wanted later in a run, generated now and in parallel: a parent phase starts the keys its
 * children will need, each child takes its own (or has it made on the spot when nobody started it).
 */
export class KeyPool {
  private readonly pending = new Map<string, Promise<KeyPair>>();

  /** Starts generating the key for `name` unless it is already under way. */
  start(name: string, algorithm: EncryptionAlgorithm): void {
    const id = `${name}\0${algorithm}`;
    if (this.pending.has(id)) return;
    const key = generateKey(algorithm);
    // A key started but never taken (its phase failed first) must not become an unhandled rejection.
    key.catch(() => undefined);
    this.pending.set(id, key);
  }

  /** The key for `name`: the one started earlier, or a new one. Each started key is handed out once. */
  take(name: string, algorithm: EncryptionAlgorithm): Promise<KeyPair> {
    const id = `${name}\0${algorithm}`;
    const key = this.pending.get(id) ?? generateKey(algorithm);
    this.pending.delete(id);
    return key;
  }
}
