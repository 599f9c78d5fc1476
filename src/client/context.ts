/**
 * What the rooms of a client share (docs/architecture.md): the store, the
 * relay, the identity, the caches that mirror committed state, and the lane
 * that orders mutations. Caches are updated only after the store write they
 * mirror has succeeded.
 */
import type { RandomSource } from '../crypto/index.js';
import type { IdentityKeyPair, PreKeyState } from '../identity/index.js';
import { StaticSecretCache, type SessionRecord } from '../session/index.js';
import type { Store } from '../store/index.js';
import type { ContactBook } from './contacts/book.js';
import type { TypedEmitter } from './emitter.js';
import type { ClientEvents } from './events.js';
import { GroupBook } from './groups/book.js';
import { Outbox } from './messaging/outbox.js';
import { SerialLane } from './serial.js';
import type { RelayApi } from './transport/relay-api.js';
import type { MailboxId } from '../wire/brands.js';
import type { RatchetVersion } from '../ratchet/index.js';
import type { AccountRecord } from '../wire/client/account.js';

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
  /** Groups we are in, decoded (loaded at open). */
  readonly groups: GroupBook;
  readonly outbox: Outbox;
  /** Decoded session records by peer identity key (hex), loaded lazily. */
  readonly sessions: Map<string, SessionRecord>;
  /** Sealed-sender static secrets of this identity, per peer (memory only). */
  readonly staticSecrets: StaticSecretCache;
  /** When we last re-established a session with a peer (identity key hex): healing is rate-limited (client.md §7). */
  readonly lastHeal: Map<string, number>;
  /** Background account upkeep (account/): the pending replenishment and the timer of the next check. */
  readonly upkeep: Upkeep;
  readonly displayName?: string;
  /** The version of the sessions this client initiates (protocol.md §6.9): 3 (post-quantum ratchet) unless the app turned it off. */
  readonly sessionVersion?: RatchetVersion;
  mailbox: MailboxId | undefined;
  /**
   * Linked devices (client.md §10.1): the cache of `account/state`, loaded at open; undefined for a
   * single-device account, which needs no record (its account key is its identity key).
   */
  account: AccountRecord | undefined;
  preKeys: PreKeyState;
  closed: boolean;
}

export interface Upkeep {
  /** The replenishment in progress: one at a time, since two would both top up from the same counts. */
  replenishing: Promise<void> | undefined;
  /** When the next rotation / pruning / token-retirement check runs. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What the caller supplies; the lane, the caches, the group book and the outbox are made here. */
export type ContextParts = Omit<ClientContext, 'lane' | 'groups' | 'outbox' | 'sessions' | 'staticSecrets' | 'lastHeal' | 'upkeep' | 'closed' | 'account'>
  & { readonly account?: AccountRecord };

export function createContext(parts: ContextParts): ClientContext {
  const ctx: { -readonly [K in keyof ClientContext]: ClientContext[K] } = {
    account: undefined, ...parts, lane: new SerialLane(), groups: new GroupBook(parts.identity.publicKey), sessions: new Map(), staticSecrets: new StaticSecretCache(),
    lastHeal: new Map(), upkeep: { replenishing: undefined, timer: undefined }, closed: false, outbox: undefined as unknown as Outbox,
  };
  // The outbox reads the context it belongs to (connection state, store, clock).
  ctx.outbox = new Outbox(ctx);
  return ctx;
}
