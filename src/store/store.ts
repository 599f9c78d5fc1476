/**
 * The storage interface of the client (spec/client.md §5): a small async
 * key-value store with namespaces and atomic batches.
 *
 * Values are opaque bytes (the client encodes them with src/wire). A batch is
 * all or nothing: either every put and delete in it is applied, or none is,
 * and a reader never sees half of one. That is what lets the client commit a
 * new ratchet state and the message it decrypted together (client.md §5.1).
 */
import type { Bytes } from '../crypto/index.js';

/** The namespaces the client uses; a store implementation keeps them apart. */
export const NAMESPACES = [
  'identity', // the identity key pair (key "self"), our mailbox id ("mailbox"), prekeys published once ("published"), the store generation of a RestoreGuard ("generation", client.md §5.7)
  'prekeys', // the private prekey state (key "state")
  'sessions', // one session record per peer (key: peer identity key, hex)
  'contacts', // one contact record (key: the contact's local id, 16 random bytes, hex)
  'tokens', // delivery tokens we handed out (key: token, hex)
  'groups', // one group record (session, roster, our group token) per group (key: group id, hex)
  'messages', // stored received messages, also the deduplication set (key: sender identity key hex ":" message id hex)
  'seen', // digests of processed envelopes, to drop replays (key: SHA-256 of the envelope, hex; value: u64 ms first processed)
  'outbox', // envelopes committed but not yet durable at the relay (key: commit time, 15 digits, "-" counter, 6 digits)
  'account', // linked devices (client.md §10.1): this device's account record (key "state"), absent for a single-device account; device lists still to follow (keys "follow/<account key hex>", §10.2)
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
  /** Applies every write of `batch` in order, atomically: all of them or, on any error, none. Resolves once the batch is durable (client.md §5.1). */
  write(batch: readonly StoreWrite[]): Promise<void>;
  /** Releases the store; any later call rejects with StoreError CLOSED. */
  close(): Promise<void>;
  /**
   * True when batches become durable in call order and a failed batch fails every later call (client.md §5.1):
   * the client then issues its next batch before the last one is durable, since none can land after a lost one.
   */
  readonly ordered?: boolean;
}

/** Largest key a store accepts (characters). */
export const MAX_STORE_KEY_LENGTH = 256;

export function put(namespace: Namespace, key: string, value: Bytes): StoreWrite {
  return { op: 'put', namespace, key, value };
}

export function del(namespace: Namespace, key: string): StoreWrite {
  return { op: 'delete', namespace, key };
}
