/**
 * The app-facing client (spec/client.md): open it on a relay URL and a store,
 * then invite, accept, send and listen. Everything secret stays inside; the
 * app sees contacts, contents and events. This file is the facade only: each
 * method checks the client is open and hands over to its room (account/,
 * contacts/, messaging/, groups/, inbound/, transport/; docs/architecture.md).
 *
 *   const client = await Client.open({ relay: 'wss://relay.example', store, webSocket });
 *   client.on('message', (m) => show(m.from, m.content));
 *   const { text } = await client.createInvite();
 */
import { PROTOCOL_VERSION } from '../constants.js';
import { systemRandom, toHex, type Bytes, type RandomSource } from '../crypto/index.js';
import { safetyNumber } from '../identity/safety-number.js';
import { GuardedStore, type RestoreGuard, type Store } from '../store/index.js';
import { decodeContact, type Contact } from '../wire/client/contact.js';
import type { Content, ContentBody } from '../wire/client/content.js';
import type { Invite } from '../wire/client/invite.js';
import { onConnected } from './account/connect.js';
import { loadOrCreateAccount } from './account/identity.js';
import { dropRestoredSenderKeys, retireRestoredSessions } from './account/restore.js';
import { onPreKeysLow } from './account/prekeys.js';
import { ContactBook } from './contacts/book.js';
import type { CreatedInvite, InviteOptions } from './contacts/invitations.js';
import { blockContact, findContact, sendableContact, updateContact } from './contacts/tokens.js';
import { createContext, type ClientContext } from './context.js';
import { loadAccount } from './devices/account.js';
import { registerContext } from './internals.js';
import { TypedEmitter, type Listener } from './emitter.js';
import { ClientError } from './errors.js';
import type { ClientEvents } from './events.js';
import { loadedFeatures, loadFeatures } from './features.js';
import type { GroupInfo, GroupOptions } from './groups/state.js';
import { acceptEnvelope } from './inbound/receive.js';
import type { DeviceInfo, DeviceLinking, LinkDeviceOptions, LinkOffering } from './linking/index.js';
import { ownDevices } from './linking/own-list.js';
import { storedMessages, type StoredMessageView } from './messaging/history.js';
import type { OutboxCounts } from './messaging/outbox.js';
import { contentOf, sendContent, sendTyping } from './messaging/send.js';
import type { BackoffOptions } from './transport/backoff.js';
import type { ConnectionState, RelayApi, RelayHandlers } from './transport/relay-api.js';
import { connectRelay } from './transport/relay-connection.js';
import type {
  FilePointer, FileSink, FileSource, SendFileOptions, StickerCache, StickerImage, StickerInput, StickerPackRef, TransferOptions,
} from './files/index.js';
import { platformWebSocketFactory, type WebSocketFactory } from './transport/websocket.js';

export type { StoredMessageView, OutboxCounts };

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
  /**
   * Keeps the store's generation outside the store and its backups
   * (client.md §5.7; in Node, FileRestoreGuard from 'parley/node'). With it,
   * a store restored from a backup is detected at open, and no session or
   * sender key in it sends again. Without it the app must never reopen a
   * restored or copied store.
   */
  readonly restoreGuard?: RestoreGuard;
  /**
   * Run the post-quantum ratchet (protocol.md §6.9) in the sessions this
   * client starts (default true). Sessions a peer starts run whatever the peer chose:
   * both kinds are always accepted. Turning it off makes every message 138
   * bytes smaller before padding and leaves healing after a compromise to
   * X25519 alone.
   */
  readonly pqRatchet?: boolean;
}

export class Client {
  readonly #ctx: ClientContext;
  #stickers: StickerCache | undefined;
  readonly #restored: boolean;

  private constructor(ctx: ClientContext, restored: boolean) {
    this.#ctx = ctx;
    this.#restored = restored;
    registerContext(this, ctx);
  }

  /** Loads (or creates) the identity from the store and starts connecting. */
  static async open(options: ClientOptions): Promise<Client> {
    const random = options.random ?? systemRandom;
    const now = options.now ?? (() => Date.now());
    const { store, restored } = options.restoreGuard === undefined
      ? { store: options.store, restored: false }
      : await GuardedStore.open(options.store, options.restoreGuard);
    if (restored) await retireRestoredSessions(store);
    const { identity, preKeys, mailbox } = await loadOrCreateAccount(store, random, now());
    const contacts = new ContactBook((await store.list('contacts')).map((e) => decodeContact(e.value)));
    const events = new TypedEmitter<ClientEvents>((error) => events.emit('error', { error }));
    let ctx: ClientContext | undefined;
    const relay = openTransport(options, identity, random, relayHandlers(() => ctx, events));
    ctx = createContext({
      store, relay, relayUrl: options.relay, identity, random, now, events, contacts, mailbox, preKeys,
      ...(options.displayName !== undefined && { displayName: options.displayName }),
      ...(options.pqRatchet === false && { sessionVersion: PROTOCOL_VERSION }),
    });
    try {
      ctx.account = await loadAccount(store);
      await ctx.groups.load(store);
      if (restored) await dropRestoredSenderKeys(ctx);
      await ctx.outbox.load();
    } catch (e) {
      // The connection is already under way: an open that fails must not leave it authenticating as this device.
      ctx.closed = true;
      await relay.close();
      throw e;
    }
    return new Client(ctx, restored);
  }

  /** True if this open found the store older than its RestoreGuard (restored from a backup): every session was retired (client.md §5.7). */
  get restoredFromBackup(): boolean {
    return this.#restored;
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
    const ctx = this.#open();
    return loadFeatures().then((f) => f.createInvite(ctx, options));
  }

  /** Accepts an invitation: starts the session and sends our own token back. Resolves once the hello is durable. */
  acceptInvite(invite: string | Invite): Promise<Contact> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.acceptInvite(ctx, invite));
  }

  contacts(): Contact[] {
    return this.#ctx.contacts.all();
  }

  contact(id: string): Contact {
    return findContact(this.#ctx, id);
  }

  /** Revokes the contact's tokens at the relay; anything still arriving from it is discarded. */
  async block(contactId: string): Promise<Contact> {
    return blockContact(this.#open(), this.contact(contactId));
  }

  /** The 60-digit safety number to compare with the contact. */
  safetyNumber(contactId: string): string {
    return safetyNumber(this.#ctx.identity.publicKey, this.contact(contactId).identityKey);
  }

  /** Marks the contact's current identity key as verified (after comparing safety numbers). */
  async setVerified(contactId: string, verified = true): Promise<Contact> {
    return updateContact(this.#open(), contactId, (c) => ({ ...c, verified, changed: false }));
  }

  /** Accepts a changed identity key so that sending works again (it stays unverified). */
  async approveIdentity(contactId: string): Promise<Contact> {
    return updateContact(this.#open(), contactId, (c) => ({ ...c, changed: false }));
  }

  // ── 1:1 messages ──────────────────────────────────────────────────────────

  /** Sends content to a contact; resolves with the content once the relay holds it durably. */
  async send(contactId: string, body: ContentBody | Content): Promise<Content> {
    const ctx = this.#open();
    const contact = sendableContact(ctx, contactId);
    const content = contentOf(ctx, body);
    await sendContent(ctx, contact, content);
    return content;
  }

  /** A typing indicator: ephemeral, delivered only if the contact is connected, never stored. */
  async sendTyping(contactId: string, active: boolean): Promise<void> {
    const ctx = this.#open();
    await sendTyping(ctx, sendableContact(ctx, contactId), active);
  }

  /** Sends a read receipt for the given message ids. */
  async markRead(contactId: string, ids: readonly Bytes[]): Promise<void> {
    await this.send(contactId, { type: 'receipt', receipt: 'read', ids });
  }

  /** What the outbox holds, waits for and sends now, and its peaks since open (client.md §5.5): a "sending…" state, tests. */
  outboxCounts(): OutboxCounts {
    return this.#ctx.outbox.counts();
  }

  /** Stored messages (received), oldest first; optionally only from one contact or group. */
  messages(filter: { contact?: string; group?: string } = {}): Promise<StoredMessageView[]> {
    return storedMessages(this.#ctx, filter);
  }

  // ── files ─────────────────────────────────────────────────────────────────

  /**
   * Encrypts and uploads a file (one upload, whatever the number of recipients), then sends its pointer as an
   * `attachment` to a contact or a group (`target` is a contact id or a group id); resolves with the content once
   * the blob is durable and the message is sent. Progress and cancel through `options` (client.md §2, protocol.md §11).
   */
  async sendFile(target: string, source: FileSource, options: SendFileOptions): Promise<Content> {
    const ctx = this.#open();
    const toGroup = ctx.groups.ids().includes(target);
    if (!toGroup) sendableContact(ctx, target);
    const body = await (await loadFeatures()).attachmentFor(ctx, source, options);
    return toGroup ? this.sendToGroup(target, body) : this.send(target, body);
  }

  /** Streams a received file into `sink`, every chunk verified before it is written; on failure the sink is aborted. */
  download(pointer: FilePointer, sink: FileSink | WritableStream<Uint8Array>, options: TransferOptions = {}): Promise<void> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.downloadFile(ctx, pointer, f.isFileSink(sink) ? sink : f.writableStreamSink(sink), options));
  }

  /** A small received file, whole, in memory (at most DOWNLOAD_BYTES_MAX). */
  downloadBytes(pointer: FilePointer, options: TransferOptions = {}): Promise<Uint8Array> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.downloadBytes(ctx, pointer, options));
  }

  /** Uploads a sticker pack (each image, then its manifest; client.md §2.5) to send stickers from. */
  createStickerPack(title: string, stickers: readonly StickerInput[], options: TransferOptions = {}): Promise<StickerPackRef> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.createStickerPack(ctx, title, stickers, options));
  }

  /** Sends sticker `index` of `pack` to a contact or a group. */
  async sendSticker(target: string, pack: StickerPackRef, index: number): Promise<Content> {
    const body: ContentBody = { type: 'sticker', pack: pack.pack, sticker: index };
    return this.#open().groups.ids().includes(target) ? this.sendToGroup(target, body) : this.send(target, body);
  }

  /** The image of a received sticker (its pack's manifest and images are fetched once, then cached). */
  stickerImage(sticker: Extract<ContentBody, { type: 'sticker' }>, options: TransferOptions = {}): Promise<StickerImage> {
    const ctx = this.#open();
    return loadFeatures().then((f) => (this.#stickers ??= new f.StickerCache()).image(ctx, sticker, options));
  }

  // ── groups ────────────────────────────────────────────────────────────────

  createGroup(name: string, memberIds: readonly string[], options: GroupOptions = {}): Promise<GroupInfo> {
    const ctx = this.#open();
    const members = memberIds.map((id) => sendableContact(ctx, id));
    return loadFeatures().then((f) => f.createGroupWith(ctx, name, members, options));
  }

  addMember(groupId: string, contactId: string): Promise<GroupInfo> {
    const ctx = this.#open();
    const contact = sendableContact(ctx, contactId);
    return loadFeatures().then((f) => f.addMember(ctx, groupId, contact));
  }

  removeMember(groupId: string, contactId: string): Promise<GroupInfo> {
    const ctx = this.#open();
    const contact = this.contact(contactId);
    return loadFeatures().then((f) => f.removeMember(ctx, groupId, contact));
  }

  leaveGroup(groupId: string): Promise<void> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.leaveGroup(ctx, groupId));
  }

  /** A channel admin's invitation to subscribe (text, for a link or QR code; spec/client.md §6.6). */
  createChannelInvite(channelId: string): Promise<{ readonly text: string }> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.createChannelInvite(ctx, channelId));
  }

  /** Subscribes through a channel invitation; the channel arrives as group-change `joined`. */
  subscribe(channelInvite: string): Promise<{ readonly channel: string; readonly contact: Contact }> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.subscribe(ctx, channelInvite));
  }

  /** A reader leaves a channel. */
  unsubscribe(channelId: string): Promise<void> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.unsubscribe(ctx, channelId));
  }

  /** Sends content to a group: one upload, fanned out by the relay. */
  async sendToGroup(groupId: string, body: ContentBody | Content): Promise<Content> {
    const ctx = this.#open();
    const content = contentOf(ctx, body);
    await (loadedFeatures() ?? await loadFeatures()).sendToGroup(ctx, groupId, content);
    return content;
  }

  groups(): GroupInfo[] {
    return this.#ctx.groups.ids().map((id) => this.group(id));
  }

  group(id: string): GroupInfo {
    this.#ctx.groups.get(id); // UNKNOWN_GROUP if absent; a group in the book means the features are loaded (features.ts)
    return loadedFeatures()!.groupInfo(this.#ctx, id);
  }

  // ── linked devices (client.md §10.4, §10.5) ───────────────────────────────

  /**
   * On a new client (nothing in its store yet): offers to become a device of an account. Show `text` or `qr`
   * to the primary, then `sas` once it resolves; `confirm()` when both screens show the same digits.
   */
  offerLink(): Promise<LinkOffering> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.offerLink(ctx));
  }

  /**
   * On the primary: links the device that shows `offer` (its text, or the QR code's bytes). Compare `sas`, then
   * `confirm()`. `history: true` sends our stored 1:1 messages along (off by default).
   */
  linkDevice(offer: string | Bytes, options: LinkDeviceOptions = {}): Promise<DeviceLinking> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.linkDevice(ctx, offer, options));
  }

  /** The devices of our account (one, the primary, until a device is linked). */
  devices(): DeviceInfo[] {
    return ownDevices(this.#open());
  }

  /** On the primary: removes device `id` from the account; resolves with the remaining devices once they and our contacts were told. */
  revokeDevice(id: number): Promise<DeviceInfo[]> {
    const ctx = this.#open();
    return loadFeatures().then((f) => f.revokeDevice(ctx, id));
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  /** Reconnects at once instead of waiting out the backoff: call it when the network is back (browsers do it on `online` by themselves). */
  reconnectNow(): void {
    this.#ctx.relay.reconnectNow();
  }

  /** Drops the relay connection as a network loss would; the client reconnects by itself. */
  interruptConnection(): void {
    this.#ctx.relay.interrupt();
  }

  /** Closes the connection and the store. Pending sends reject with CLOSED; they stay in the outbox for the next open. */
  async close(): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.closed) return;
    ctx.closed = true;
    ctx.outbox.rejectAll(new ClientError('CLOSED', 'the client was closed'));
    await loadedFeatures()?.endLinks(ctx); // a link in progress means the features are loaded (features.ts)
    await ctx.relay.close();
    await ctx.lane.run(() => ctx.outbox.flush());
    await ctx.store.close();
    ctx.staticSecrets.clear();
  }

  toJSON(): string {
    return `[Client ${toHex(this.#ctx.identity.publicKey).slice(0, 8)}]`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }

  #open(): ClientContext {
    if (this.#ctx.closed) throw new ClientError('CLOSED', 'the client was closed');
    return this.#ctx;
  }
}

/** What the relay connection calls back. The context exists before any delivery; only a state change can come sooner. */
function relayHandlers(current: () => ClientContext | undefined, events: TypedEmitter<ClientEvents>): RelayHandlers {
  const ctx = (): ClientContext => current() as ClientContext;
  return {
    onConnected: (mailbox) => onConnected(ctx(), mailbox),
    onDelivery: async (d) => {
      // Returns once the lane is free: the next delivery is processed while this one's batch becomes durable
      // (an ordered store, client.md §5.1); it is acknowledged only after that, and not at all if it fails.
      const { durable } = await acceptEnvelope(ctx(), d.data);
      // The ack is not awaited: the next delivery need not wait for its round trip (acks are batched); an ack
      // lost with the connection only means a redelivery, dropped as a replay (client.md §7.1).
      void durable.then(() => { if (!d.ephemeral) ctx().relay.ack([d.id]).catch(() => undefined); }, () => undefined);
    },
    onPreKeysLow: () => onPreKeysLow(ctx()),
    onSealedReady: () => current()?.outbox.pump(),
    onState: (state, detail) => {
      if (state === 'connected') current()?.outbox.pump();
      events.emit('connection-state', { state, ...detail });
    },
  };
}

function openTransport(options: ClientOptions, identity: ClientContext['identity'], random: RandomSource, handlers: RelayHandlers): RelayApi {
  const webSocket = options.webSocket ?? platformWebSocketFactory();
  return options.transport?.(handlers) ?? connectRelay({
    url: options.relay, identity, random, handlers,
    webSocket: webSocket ?? missingWebSocket(),
    ...(options.backoff !== undefined && { backoff: options.backoff }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
  });
}

function missingWebSocket(): never {
  throw new ClientError('INVALID_ARGUMENT', 'no WebSocket on this platform: pass options.webSocket (nodeWebSocketFactory in Node)');
}
