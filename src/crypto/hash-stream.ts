/**
 * Incremental SHA-256 over a stream of byte arrays (spec/protocol.md §11: the
 * digest of a file's ciphertext, computed chunk by chunk by the sender, the
 * receiver and the relay without holding the whole blob).
 */
import type { Bytes } from './bytes.js';
import { cryptoProvider, nobleProvider } from './provider.js';

export interface Sha256Hasher {
  update(data: Bytes): void;
  /** The digest of everything updated so far; the hasher is finished after it. */
  digest(): Bytes;
}

export function createSha256(): Sha256Hasher {
  const provider = cryptoProvider();
  return (provider.sha256Hasher ?? nobleProvider.sha256Hasher ?? missing)();
}

function missing(): never {
  throw new Error('no incremental SHA-256 available');
}
