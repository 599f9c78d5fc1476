/**
 * The storage interface of the client (spec/client.md §5): a small async
 * key-value store with namespaces and atomic batches.
 *
 * Values are opaque bytes (the client encodes them with src/wire). A batch is
 * all or nothing: either every put and delete in it is applied, or none is,
 * and a reader never sees half of one. That is what lets the client commit a
 * new ratchet state and the message it decrypted together (GUIDE §State).
 */
import type { Bytes } from '../crypto/index.js';

/** The namespaces the client uses; a store implementation keeps them apart. */
export const NAMESPACES = [
  'identity', // the identity key pair and local settings (key "self")
  'prekeys', // the private prekey state (key "state")
  'sessions', // one session record per peer (key: peer identity key, hex)
  'contacts', // one contact per peer (key: peer identity key, hex)
  'tokens', // delivery tokens we handed out (key: token, hex)
  'groups', // one group state per group (key: group id, hex)
  'senderKeys', // sender key state per group (key: group id, hex)
  'messages', // received message ids, for deduplication, and stored messages (key: message id, hex)
  'outbox', // messages accepted by send() but not yet durable at the relay (key: message id, hex)
] as const;

export type Namespace = (typeof NAMESPACES)[number];

export type StoreWrite =
  | { readonly op: 'put'; readonly namespace: Namespace; readonly key: string; readonly value: Bytes }
  | { readonly op: 'delete'; readonly namespace: Namespace; readonly key: string };

export interface StoreEntry {
  readonly key: string;
  readonly value: Bytes;
}

export interface Store {
  /** The value under (namespace, key), or undefined. The returned bytes are the caller's to keep. */
  get(namespace: Namespace, key: string): Promise<Bytes | undefined>;
  /** Every entry of a namespace, sorted by key. */
  list(namespace: Namespace): Promise<readonly StoreEntry[]>;
  /** Applies every write of `batch` in order, atomically: all of them or, on any error, none. */
  write(batch: readonly StoreWrite[]): Promise<void>;
  /** Releases the store; any later call rejects with StoreError CLOSED. */
  close(): Promise<void>;
}

/** Largest key a store accepts (characters). */
export const MAX_STORE_KEY_LENGTH = 256;

export function put(namespace: Namespace, key: string, value: Bytes): StoreWrite {
  return { op: 'put', namespace, key, value };
}

export function del(namespace: Namespace, key: string): StoreWrite {
  return { op: 'delete', namespace, key };
}
