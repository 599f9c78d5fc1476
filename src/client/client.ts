/**
 * The app-facing client (spec/client.md): open it on a relay URL and a store,
 * then invite, accept, send and listen. Everything secret stays inside; the
 * app sees contacts, contents and events.
 *
 *   const client = await Client.open({ relay: 'wss://relay.example', store, webSocket });
 *   client.on('message', (m) => show(m.from, m.content));
 *   const { text } = await client.createInvite();
 */
import { systemRandom, toHex, type Bytes, type RandomSource } from '../crypto/index.js';
import { put, type Store } from '../store/index.js';
import { decodeContact, type Contact } from './contact.js';
import { decodeContent, encodeContent, newContent, type Content, type ContentBody } from './content.js';
import {
  block, contactWrite, createInvite, prepareAccept, TOKEN_LENGTH, type CreatedInvite, type InviteOptions,
} from './contacts.js';
import { ContactBook, type ClientContext } from './context.js';
import {
  decodeIdentityKeyPair, decodePreKeyState, encodeIdentityKeyPair, encodePreKeyState, fullUpload, generateIdentityKeyPair,
  newPreKeyState, replenish, safetyNumber, type IdentityKeyPair, type PreKeyState,
} from './core.js';
import { TypedEmitter, type Listener } from './emitter.js';
import { ClientError } from './errors.js';
import type { ClientEvents } from './events.js';
import { receiveEnvelope, type InboundHooks } from './inbound.js';
import type { Invite } from './invite.js';
import { Outbox } from './outbox.js';
import { encodePayload, type Payload } from './payload.js';
import { decodeStoredMessage, encodeTokenRecord } from './records.js';
import type { ConnectionState, Delivery, RelayApi, RelayHandlers } from './relay-api.js';
import { SerialLane } from './serial.js';
import { cacheRecord, encryptFor, ensureSession, recipientOf, recordWrite } from './sessions.js';
import type { BackoffOptions } from './backoff.js';
import { connectRelay } from './relay-connection.js';
import type { WebSocketFactory } from './websocket.js';
import { platformWebSocketFactory } from './websocket.js';
import { GroupManager, type GroupInfo, type GroupOptions } from './groups.js';
import { StaticSecretCache } from '../session/index.js';

export interface ClientOptions {
  /** The relay URL (ws:// or wss://). */
  readonly relay: string;
  readonly store: Store;
  /** Randomness (systemRandom by default). */
  readonly random?: RandomSource;
  /** How to open a WebSocket (the platform's by default; in Node pass nodeWebSocketFactory from 'parley/node'). */
  readonly webSocket?: WebSocketFactory;
  /** A display name suggested to contacts in invitations and hellos (unauthenticated). */
  readonly displayName?: string;
  readonly backoff?: BackoffOptions;
  /** Milliseconds before a relay request fails with TIMEOUT. */
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
  /** Replaces the relay connection (tests). */
  readonly transport?: (handlers: RelayHandlers) => RelayApi;
}

export interface StoredMessageView {
  readonly from: string;
  readonly group?: string;
  readonly content: Content;
  readonly receivedAt: number;
}

export class Client {
  readonly #ctx: ClientContext;
  readonly #outbox: Outbox;
  readonly #groups: GroupManager;
  readonly #lastHeal = new Map<string, number>();

  private constructor(ctx: ClientContext) {
    this.#ctx = ctx;
    this.#outbox = new Outbox(ctx);
    this.#groups = new GroupManager(ctx, this.#outbox, (contact, payload) => this.#sendPayload(contact, payload, 'internal'));
  }

  /** Loads (or creates) the identity from the store and starts connecting. */
  static async open(options: ClientOptions): Promise<Client> {
    const random = options.random ?? systemRandom;
    const now = options.now ?? (() => Date.now());
    const store = options.store;
    const { identity, preKeys, mailbox } = await loadOrCreateIdentity(store, random, now());
    const contacts = new ContactBook((await store.list('contacts')).map((e) => decodeContact(e.value)));
    const events = new TypedEmitter<ClientEvents>((error) => events.emit('error', { error }));
    let client: Client | undefined;
    const handlers: RelayHandlers = {
      onConnected: (mb) => (client as Client).#onConnected(mb),
      onDelivery: (d) => (client as Client).#onDelivery(d),
      onPreKeysLow: () => void (client as Client).#replenish().catch((error: unknown) => events.emit('error', { error })),
      onState: (state, detail) => {
        if (state === 'connected' && client !== undefined) client.#outbox.pump();
        events.emit('connection-state', { state, ...detail });
      },
    };
    const webSocket = options.webSocket ?? platformWebSocketFactory();
    const relay = options.transport?.(handlers) ?? connectRelay({
      url: options.relay, identity, random, handlers,
      webSocket: webSocket ?? missingWebSocket(),
      ...(options.backoff !== undefined && { backoff: options.backoff }),
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    });
    const ctx: ClientContext = {
      store, relay, relayUrl: options.relay, identity, random, now, events, lane: new SerialLane(), contacts,
      sessions: new Map(), staticSecrets: new StaticSecretCache(), mailbox, preKeys, closed: false, ...(options.displayName !== undefined && { displayName: options.displayName }),
    };
    client = new Client(ctx);
    await client.#groups.load();
    return client;
  }

  get identityKey(): Bytes {
    return this.#ctx.identity.publicKey.slice();
  }

  get connectionState(): ConnectionState {
    return this.#ctx.relay.state;
  }

  on<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.#ctx.events.on(name, listener);
  }

  /** Resolves with the next event `name` that satisfies `filter`. */
  next<K extends keyof ClientEvents>(name: K, filter?: (e: ClientEvents[K]) => boolean): Promise<ClientEvents[K]> {
    return this.#ctx.events.next(name, filter);
  }

  /** Resolves once connected and authenticated. */
  ready(): Promise<void> {
    return this.#ctx.relay.whenConnected();
  }

  // ── contacts ──────────────────────────────────────────────────────────────

  createInvite(options: InviteOptions = {}): Promise<CreatedInvite> {
    this.#open();
    return createInvite(this.#ctx, options);
  }

  /** Accepts an invitation: starts the session and sends our own token back. Resolves once the hello is durable. */
  async acceptInvite(invite: string | Invite): Promise<Contact> {
    this.#open();
    const { contact, hello } = await prepareAccept(this.#ctx, invite);
    await this.#sendPayload(contact, encodePayload(hello), 'internal');
    return this.#ctx.contacts.get(contact.id) as Contact;
  }

  contacts(): Contact[] {
    return this.#ctx.contacts.all();
  }

  contact(id: string): Contact {
    const c = this.#ctx.contacts.get(id);
    if (c === undefined) throw new ClientError('UNKNOWN_CONTACT', 'no such contact', { contact: id });
    return c;
  }

  /** Revokes the contact's tokens at the relay; anything still arriving from it is discarded. */
  async block(contactId: string): Promise<Contact> {
    this.#open();
    return block(this.#ctx, this.contact(contactId));
  }

  /** The 60-digit safety number to compare with the contact. */
  safetyNumber(contactId: string): string {
    return safetyNumber(this.#ctx.identity.publicKey, this.contact(contactId).identityKey);
  }

  /** Marks the contact's current identity key as verified (after comparing safety numbers). */
  async setVerified(contactId: string, verified = true): Promise<Contact> {
    return this.#updateContact(contactId, (c) => ({ ...c, verified, changed: false }));
  }

  /** Accepts a changed identity key so that sending works again (it stays unverified). */
  async approveIdentity(contactId: string): Promise<Contact> {
    return this.#updateContact(contactId, (c) => ({ ...c, changed: false }));
  }

  // ── 1:1 messages ──────────────────────────────────────────────────────────

  /** Sends content to a contact; resolves with the content once the relay holds it durably. */
  async send(contactId: string, body: ContentBody | Content): Promise<Content> {
    this.#open();
    const contact = this.#sendable(contactId);
    const content = 'body' in body ? body : newContent(body, this.#ctx.random, this.#ctx.now());
    await this.#sendPayload(contact, encodePayload({ type: 'content', content: encodeContent(content) }), contactId, content.id);
    return content;
  }

  /** A typing indicator: ephemeral, delivered only if the contact is connected, never stored. */
  async sendTyping(contactId: string, active: boolean): Promise<void> {
    this.#open();
    const contact = this.#sendable(contactId);
    const payload = encodePayload({ type: 'content', content: encodeContent(newContent({ type: 'typing', active }, this.#ctx.random, this.#ctx.now())) });
    await ensureSession(this.#ctx, contact);
    const envelope = await this.#ctx.lane.run(async () => {
      const { record, envelope } = await encryptFor(this.#ctx, contact, payload);
      await this.#ctx.store.write([recordWrite(contact.identityKey, record)]);
      cacheRecord(this.#ctx, contact.identityKey, record);
      return envelope;
    });
    await this.#ctx.relay.sendEphemeral(recipientOf(contact), envelope);
  }

  /** Sends a read receipt for the given message ids. */
  async markRead(contactId: string, ids: readonly Bytes[]): Promise<void> {
    await this.send(contactId, { type: 'receipt', receipt: 'read', ids });
  }

  /** Stored messages (received), oldest first; optionally only from one contact or group. */
  async messages(filter: { contact?: string; group?: string } = {}): Promise<StoredMessageView[]> {
    const out: StoredMessageView[] = [];
    for (const e of await this.#ctx.store.list('messages')) {
      const m = decodeStoredMessage(e.value);
      if (filter.contact !== undefined && m.from !== filter.contact) continue;
      if (filter.group !== undefined && m.group !== filter.group) continue;
      out.push({ from: m.from, content: decodeContent(m.content), receivedAt: m.receivedAt, ...(m.group !== undefined && { group: m.group }) });
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt);
  }

  // ── groups ────────────────────────────────────────────────────────────────

  createGroup(name: string, memberIds: readonly string[], options: GroupOptions = {}): Promise<GroupInfo> {
    this.#open();
    return this.#groups.create(name, memberIds.map((id) => this.#sendable(id)), options);
  }

  addMember(groupId: string, contactId: string): Promise<GroupInfo> {
    this.#open();
    return this.#groups.add(groupId, this.#sendable(contactId));
  }

  removeMember(groupId: string, contactId: string): Promise<GroupInfo> {
    this.#open();
    return this.#groups.remove(groupId, this.contact(contactId));
  }

  leaveGroup(groupId: string): Promise<void> {
    this.#open();
    return this.#groups.leave(groupId);
  }

  /** Sends content to a group: one upload, fanned out by the relay. */
  async sendToGroup(groupId: string, body: ContentBody | Content): Promise<Content> {
    this.#open();
    const content = 'body' in body ? body : newContent(body, this.#ctx.random, this.#ctx.now());
    await this.#groups.send(groupId, content);
    return content;
  }

  groups(): GroupInfo[] {
    return this.#groups.list();
  }

  group(id: string): GroupInfo {
    return this.#groups.info(id);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /** Drops the relay connection as a network loss would; the client reconnects by itself. */
  interruptConnection(): void {
    this.#ctx.relay.interrupt();
  }

  /** Closes the connection and the store. Pending sends reject with CLOSED; they stay in the outbox for the next open. */
  async close(): Promise<void> {
    if (this.#ctx.closed) return;
    this.#ctx.closed = true;
    this.#outbox.rejectAll(new ClientError('CLOSED', 'the client was closed'));
    await this.#ctx.relay.close();
    await this.#ctx.lane.run(async () => undefined);
    await this.#ctx.store.close();
    this.#ctx.staticSecrets.clear();
  }

  toJSON(): string {
    return `[Client ${toHex(this.#ctx.identity.publicKey).slice(0, 8)}]`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }

  // ── internals ─────────────────────────────────────────────────────────────

  #open(): void {
    if (this.#ctx.closed) throw new ClientError('CLOSED', 'the client was closed');
  }

  #sendable(contactId: string): Contact {
    const c = this.contact(contactId);
    if (c.blocked) throw new ClientError('BLOCKED', 'the contact is blocked', { contact: contactId });
    if (c.changed) throw new ClientError('IDENTITY_CHANGED', "the contact's identity key changed; approve it first", { contact: contactId });
    return c;
  }

  async #updateContact(contactId: string, f: (c: Contact) => Contact): Promise<Contact> {
    this.#open();
    return this.#ctx.lane.run(async () => {
      const updated = f(this.contact(contactId));
      await this.#ctx.store.write([contactWrite(updated)]);
      this.#ctx.contacts.set(updated);
      return updated;
    });
  }

  /** Encrypts, commits {session, outbox entry} atomically, then waits until the relay holds it. */
  async #sendPayload(contact: Contact, payload: Bytes, to: string, id: Bytes = this.#ctx.random(16)): Promise<void> {
    await ensureSession(this.#ctx, contact);
    const key = await this.#ctx.lane.run(async () => {
      const { record, envelope } = await encryptFor(this.#ctx, contact, payload);
      const key = this.#outbox.nextKey();
      await this.#ctx.store.write([
        recordWrite(contact.identityKey, record),
        this.#outbox.entry(key, { id, to, recipients: [recipientOf(contact)], envelope, fanout: false }),
      ]);
      cacheRecord(this.#ctx, contact.identityKey, record);
      return key;
    });
    const done = this.#outbox.waitFor(key);
    this.#outbox.pump();
    await done;
  }

  async #onConnected(mailbox: Bytes): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.mailbox === undefined || toHex(ctx.mailbox) !== toHex(mailbox)) {
      await ctx.store.write([put('identity', 'mailbox', mailbox)]);
      ctx.mailbox = mailbox.slice();
    }
    const published = await ctx.store.get('identity', 'published');
    if (published === undefined) {
      await ctx.relay.publishPreKeys(fullUpload(ctx.preKeys, ctx.identity));
      await ctx.store.write([put('identity', 'published', Uint8Array.of(1))]);
    } else {
      await this.#replenish();
    }
    for (const c of ctx.contacts.all()) {
      // A contact from a multi-use invitation whose dedicated token was not issued before a crash.
      if (c.ourToken === undefined && c.token !== undefined && !c.blocked) void this.#issueToken(c).catch((error: unknown) => ctx.events.emit('error', { error }));
    }
    // A group token rotation that a crash or a lost connection interrupted.
    void this.#groups.resume().catch((error: unknown) => ctx.events.emit('error', { error }));
    this.#outbox.pump();
  }

  async #replenish(): Promise<void> {
    const ctx = this.#ctx;
    const counts = await ctx.relay.preKeyCounts();
    const { upload } = await ctx.lane.run(async () => {
      const r = replenish(ctx.preKeys, ctx.identity, counts, ctx.random, ctx.now());
      if (r.upload.oneTimePreKeys.length + r.upload.kemOneTimePreKeys.length === 0) return r;
      await ctx.store.write([put('prekeys', 'state', encodePreKeyState(r.state))]);
      ctx.preKeys = r.state;
      return r;
    });
    if (upload.oneTimePreKeys.length + upload.kemOneTimePreKeys.length > 0) await ctx.relay.publishPreKeys(upload);
  }

  async #onDelivery(delivery: Delivery): Promise<void> {
    await receiveEnvelope(this.#ctx, delivery.data, this.#hooks, this.#lastHeal);
    if (!delivery.ephemeral) await this.#ctx.relay.ack([delivery.id]);
  }

  readonly #hooks: InboundHooks = {
    heal: async (contact, envelope) => {
      await ensureSession(this.#ctx, contact, true);
      await this.#sendPayload(contact, encodePayload({ type: 'heal', lost: envelope }), 'internal');
    },
    issueToken: (contact) => this.#issueToken(contact),
    groupControl: (sender, contact, bytes, fx) => this.#groups.onControl(sender, contact, bytes, fx),
    groupMessage: (data, digest, fx) => this.#groups.onMessage(data, digest, fx),
  };

  async #issueToken(contact: Contact): Promise<void> {
    const ctx = this.#ctx;
    const token = ctx.random(TOKEN_LENGTH);
    await ctx.relay.registerToken(token);
    const updated = await ctx.lane.run(async () => {
      const current = ctx.contacts.get(contact.id) ?? contact;
      const next: Contact = { ...current, ourToken: token };
      await ctx.store.write([
        contactWrite(next),
        put('tokens', toHex(token), encodeTokenRecord({ contact: contact.id, multiUse: false, forContact: false, createdAt: ctx.now() })),
      ]);
      ctx.contacts.set(next);
      return next;
    });
    const payload: Payload = { type: 'token', mailbox: ctx.mailbox as Bytes, token };
    await this.#sendPayload(updated, encodePayload(payload), 'internal');
  }
}

async function loadOrCreateIdentity(store: Store, random: RandomSource, now: number): Promise<{ identity: IdentityKeyPair; preKeys: PreKeyState; mailbox: Bytes | undefined }> {
  const storedIdentity = await store.get('identity', 'self');
  const storedPreKeys = await store.get('prekeys', 'state');
  const mailbox = await store.get('identity', 'mailbox');
  if (storedIdentity !== undefined && storedPreKeys !== undefined) {
    return { identity: decodeIdentityKeyPair(storedIdentity), preKeys: decodePreKeyState(storedPreKeys), mailbox };
  }
  const identity = storedIdentity !== undefined ? decodeIdentityKeyPair(storedIdentity) : generateIdentityKeyPair(random);
  const preKeys = newPreKeyState(identity, random, now);
  await store.write([put('identity', 'self', encodeIdentityKeyPair(identity)), put('prekeys', 'state', encodePreKeyState(preKeys))]);
  return { identity, preKeys, mailbox };
}

function missingWebSocket(): never {
  throw new ClientError('INVALID_ARGUMENT', 'no WebSocket on this platform: pass options.webSocket (nodeWebSocketFactory in Node)');
}
