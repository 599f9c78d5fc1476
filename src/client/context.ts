/**
 * What the parts of a client share: the store, the relay, the identity, the
 * caches that mirror committed state, and the lane that orders mutations.
 * Caches are updated only after the store write they mirror has succeeded.
 */
import { toHex, type Bytes, type RandomSource } from '../crypto/index.js';
import type { StaticSecretCache } from '../session/index.js';
import type { Store } from '../store/index.js';
import type { Contact } from './contact.js';
import type { IdentityKeyPair, PreKeyState, SessionRecord } from './core.js';
import type { TypedEmitter } from './emitter.js';
import type { ClientEvents } from './events.js';
import type { RelayApi } from './relay-api.js';
import type { SerialLane } from './serial.js';

export interface ClientContext {
  readonly store: Store;
  readonly relay: RelayApi;
  readonly relayUrl: string;
  readonly identity: IdentityKeyPair;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly events: TypedEmitter<ClientEvents>;
  readonly lane: SerialLane;
  readonly contacts: ContactBook;
  /** Decoded session records by peer identity key (hex), loaded lazily. */
  readonly sessions: Map<string, SessionRecord>;
  /** Sealed-sender static secrets of this identity, per peer (memory only). */
  readonly staticSecrets: StaticSecretCache;
  readonly displayName?: string;
  mailbox: Bytes | undefined;
  preKeys: PreKeyState;
  closed: boolean;
}

/** Contacts by id, with an index by identity key. */
export class ContactBook {
  readonly #byId = new Map<string, Contact>();
  readonly #byKey = new Map<string, string>();

  constructor(contacts: readonly Contact[]) {
    for (const c of contacts) this.set(c);
  }

  get(id: string): Contact | undefined {
    return this.#byId.get(id);
  }

  byIdentityKey(key: Bytes): Contact | undefined {
    const id = this.#byKey.get(toHex(key));
    return id === undefined ? undefined : this.#byId.get(id);
  }

  all(): Contact[] {
    return [...this.#byId.values()];
  }

  set(c: Contact): void {
    const old = this.#byId.get(c.id);
    if (old !== undefined) this.#byKey.delete(toHex(old.identityKey));
    this.#byId.set(c.id, c);
    this.#byKey.set(toHex(c.identityKey), c.id);
  }
}
