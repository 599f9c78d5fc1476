/**
 * Groups and channels over src/group (spec/client.md §6.2). Control messages
 * (welcome, change, roster, member token, sender-key distribution) travel in
 * pairwise sessions; a group message is one relay fan-out upload. Every
 * member registers one delivery token for each group it is in; the admin
 * collects them into the roster that tells members how to reach each other.
 */
import { ROSTER_DELAY_MS } from '../constants.js';
import { equalBytes, toHex, type Bytes } from '../crypto/index.js';
import { isProtocolError } from '../errors.js';
import {
  applyChange, createGroup, decodeGroupSession, encodeGroupSession, groupDecrypt, groupEncrypt, joinGroup, prepareSend,
  processDistribution, proposeChange, roleOf, type GroupSession,
} from '../group/index.js';
import { del, put, type StoreWrite } from '../store/index.js';
import { decodeGroupChange, decodeGroupMessage } from '../wire/index.js';
import type { Contact } from './contact.js';
import type { ContactEffects } from './contacts.js';
import { decodeContent, encodeContent, type Content } from './content.js';
import type { ClientContext } from './context.js';
import { ClientError } from './errors.js';
import {
  decodeGroupControl, decodeGroupRecord, encodeGroupControl, encodeGroupRecord, type GroupControl, type GroupRecord, type RosterEntry,
} from './group-control.js';
import { deliverContent } from './inbound.js';
import type { Outbox } from './outbox.js';
import { encodePayload } from './payload.js';
import { encodeRelayEnvelope } from './relay-envelope.js';
import type { GroupChangeKind } from './events.js';

export interface GroupOptions {
  /** A broadcast channel: the creator posts, members read. */
  readonly channel?: boolean;
}

export interface GroupInfo {
  readonly id: string;
  readonly name: string;
  readonly mode: 'group' | 'channel';
  /** Members' identity keys (hex), ourselves included. */
  readonly members: readonly string[];
  /** Every member's group token is known: a message reaches everyone. */
  readonly ready: boolean;
  readonly admin: boolean;
}

interface Group {
  readonly record: GroupRecord;
  readonly session: GroupSession;
}

type SendPayload = (peer: Contact, payload: Bytes) => Promise<void>;

const TOKEN_LENGTH = 32;

export class GroupManager {
  readonly #ctx: ClientContext;
  readonly #outbox: Outbox;
  readonly #sendPayload: SendPayload;
  readonly #groups = new Map<string, Group>();
  /** Groups whose roster broadcast is scheduled: member tokens arriving together go out in one roster. */
  readonly #rosterDue = new Set<string>();

  constructor(ctx: ClientContext, outbox: Outbox, sendPayload: SendPayload) {
    this.#ctx = ctx;
    this.#outbox = outbox;
    this.#sendPayload = sendPayload;
  }

  async load(): Promise<void> {
    for (const { key, value } of await this.#ctx.store.list('groups')) {
      const record = decodeGroupRecord(value);
      this.#groups.set(key, { record, session: decodeGroupSession(record.session) });
    }
  }

  list(): GroupInfo[] {
    return [...this.#groups.keys()].map((id) => this.info(id));
  }

  info(id: string): GroupInfo {
    const g = this.#get(id);
    const self = this.#ctx.identity.publicKey;
    return {
      id, name: g.record.name, mode: g.session.group.mode,
      members: g.session.group.members.map((m) => toHex(m.identityKey)),
      ready: g.session.group.members.every((m) => equalBytes(m.identityKey, self) || this.#peer(g, m.identityKey) !== undefined),
      admin: roleOf(g.session.group, self) === 'admin',
    };
  }

  // ── admin and member operations ───────────────────────────────────────────

  async create(name: string, members: readonly Contact[], options: GroupOptions): Promise<GroupInfo> {
    const ctx = this.#ctx;
    const token = ctx.random(TOKEN_LENGTH);
    await ctx.relay.registerToken(token);
    const mode = options.channel === true ? 'channel' : 'group';
    const { session, welcome } = createGroup({
      identity: ctx.identity, mode, random: ctx.random,
      members: members.map((c) => ({ identityKey: c.identityKey, role: mode === 'channel' ? 'reader' : 'member' })),
    });
    const roster: RosterEntry[] = [this.#selfEntry(token), ...members.map((c) => entryOf(c))];
    const id = toHex(session.group.groupId);
    const record: GroupRecord = { session: encodeGroupSession(session), name, roster, token, owed: [] };
    await ctx.lane.run(async () => {
      await ctx.store.write([put('groups', id, encodeGroupRecord(record))]);
      this.#groups.set(id, { record, session });
    });
    const control = encodeGroupControl({ type: 'welcome', welcome, name, roster });
    await Promise.all(members.map((c) => this.#sendControl(c, control)));
    ctx.events.emit('group-change', { group: id, change: 'created', members: this.info(id).members });
    return this.info(id);
  }

  async add(id: string, contact: Contact): Promise<GroupInfo> {
    const { before, control, welcome } = await this.#change(id, { operation: 'add', target: contact.identityKey }, (r) => [...r, entryOf(contact)]);
    await Promise.all([
      ...before.map((p) => this.#sendControl(p, control)),
      this.#sendControl(contact, encodeGroupControl({ type: 'welcome', welcome: welcome as Bytes, name: this.#get(id).record.name, roster: this.#get(id).record.roster })),
    ]);
    this.#ctx.events.emit('group-change', { group: id, change: 'added', members: this.info(id).members });
    return this.info(id);
  }

  async remove(id: string, contact: Contact): Promise<GroupInfo> {
    const g = this.#get(id);
    const target = this.#peer(g, contact.identityKey) ?? contact;
    const { before, control } = await this.#change(id, { operation: 'remove', target: contact.identityKey }, (r) => r.filter((e) => !equalBytes(e.identityKey, contact.identityKey)));
    await Promise.all([...before, target].map((p) => this.#sendControl(p, control)));
    this.#ctx.events.emit('group-change', { group: id, change: 'removed', members: this.info(id).members });
    return this.info(id);
  }

  async leave(id: string): Promise<void> {
    const g = this.#get(id);
    const { before, control } = await this.#change(id, { operation: 'leave', target: this.#ctx.identity.publicKey }, (r) => [...r]);
    await Promise.all(before.map((p) => this.#sendControl(p, control)));
    await this.#ctx.lane.run(async () => {
      await this.#ctx.store.write([del('groups', id)]);
      this.#groups.delete(id);
    });
    await this.#ctx.relay.revokeToken(g.record.token).catch(() => undefined);
    this.#ctx.events.emit('group-change', { group: id, change: 'left', members: [] });
  }

  /** Distributes our sender key where needed, then uploads one message for all members. */
  async send(id: string, content: Content): Promise<void> {
    const ctx = this.#ctx;
    const deliveries = await ctx.lane.run(async () => {
      const g = this.#get(id);
      const prepared = prepareSend(g.session, ctx.random);
      const reachable: { peer: Contact; payload: Bytes }[] = [];
      const owed = [...g.record.owed];
      for (const d of prepared.distributions) {
        const peer = this.#peer(g, d.recipient);
        if (peer === undefined) owed.push({ identityKey: d.recipient, distribution: d.payload });
        else reachable.push({ peer, payload: d.payload });
      }
      await this.#commit(id, { ...g, session: prepared.session, record: { ...g.record, owed } }, []);
      return reachable;
    });
    await Promise.all(deliveries.map((d) => this.#sendControl(d.peer, encodeGroupControl({ type: 'distribution', distribution: d.payload }))));
    const key = await ctx.lane.run(async () => {
      const g = this.#get(id);
      const { session, message } = groupEncrypt(g.session, encodeContent(content));
      const recipients = g.session.group.members
        .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey))
        .map((m) => this.#peer(g, m.identityKey))
        .filter((p): p is Contact => p !== undefined)
        .map((p) => ({ mailbox: p.mailbox, token: p.token as Bytes }));
      const key = this.#outbox.nextKey();
      const entry = this.#outbox.entry(key, { id: content.id, to: id, recipients, envelope: encodeRelayEnvelope({ kind: 'group', data: message }), fanout: true });
      await this.#commit(id, { ...g, session }, recipients.length > 0 ? [entry] : []);
      return recipients.length > 0 ? key : undefined;
    });
    if (key === undefined) return;
    const done = this.#outbox.waitFor(key);
    this.#outbox.pump();
    await done;
  }

  // ── receiving (inside the lane) ───────────────────────────────────────────

  async onControl(sender: Bytes, contact: Contact | undefined, bytes: Bytes, fx: ContactEffects): Promise<void> {
    let control: GroupControl;
    try {
      control = decodeGroupControl(bytes);
    } catch (e) {
      if (isProtocolError(e)) return;
      throw e;
    }
    try {
      await this.#onControl(sender, contact, control, fx);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      fx.events.push(['error', { error: e }]);
    }
  }

  async #onControl(sender: Bytes, contact: Contact | undefined, c: GroupControl, fx: ContactEffects): Promise<void> {
    const ctx = this.#ctx;
    switch (c.type) {
      case 'welcome': {
        if (contact === undefined) return; // only a contact may add us to a group
        const session = joinGroup(ctx.identity.publicKey, sender, c.welcome);
        const id = toHex(session.group.groupId);
        if (this.#groups.has(id)) return;
        const token = ctx.random(TOKEN_LENGTH);
        const roster = c.roster.map((e) => (equalBytes(e.identityKey, ctx.identity.publicKey) ? this.#selfEntry(token) : e));
        const g: Group = { session, record: { session: encodeGroupSession(session), name: c.name, roster, token, owed: [] } };
        this.#stage(id, g, fx);
        fx.events.push(['group-change', { group: id, change: 'joined', by: contact, members: session.group.members.map((m) => toHex(m.identityKey)) }]);
        fx.followUps.push(async () => {
          await ctx.relay.registerToken(token);
          await this.#sendControl(contact, encodeGroupControl({ type: 'member-token', groupId: session.group.groupId, mailbox: ctx.mailbox as Bytes, token }));
        });
        return;
      }
      case 'change': {
        const body = decodeGroupChange(c.change).value;
        const id = toHex(body.groupId);
        const g = this.#groups.get(id);
        if (g === undefined || !equalBytes(body.actor, sender)) return;
        const { session, change } = applyChange(g.session, c.change);
        const members = session.group.members.map((m) => toHex(m.identityKey));
        if (equalBytes(change.target, ctx.identity.publicKey) && change.role === null) {
          fx.writes.push(del('groups', id));
          fx.apply.push(() => this.#groups.delete(id));
          fx.events.push(['group-change', { group: id, change: 'removed', ...byOf(contact), members: [] }]);
          return;
        }
        const roster = mergeRoster(c.roster, g.record.roster, session, ctx.identity.publicKey);
        this.#stage(id, { session, record: { ...g.record, roster } }, fx);
        const kind: GroupChangeKind = change.operation === 'add' || change.operation === 'subscribe' ? 'added'
          : change.operation === 'leave' ? 'left' : change.role === null ? 'removed' : 'updated';
        fx.events.push(['group-change', { group: id, change: kind, ...byOf(contact), members }]);
        return;
      }
      case 'roster': {
        const id = toHex(c.groupId);
        const g = this.#groups.get(id);
        if (g === undefined || roleOf(g.session.group, sender) !== 'admin') return;
        const roster = mergeRoster(c.roster, g.record.roster, g.session, ctx.identity.publicKey);
        this.#stageWithOwed(id, { ...g, record: { ...g.record, roster } }, fx);
        fx.events.push(['group-change', { group: id, change: 'updated', ...byOf(contact), members: g.session.group.members.map((m) => toHex(m.identityKey)) }]);
        return;
      }
      case 'member-token': {
        const id = toHex(c.groupId);
        const g = this.#groups.get(id);
        if (g === undefined || roleOf(g.session.group, sender) === null) return;
        const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, sender) ? { ...e, mailbox: c.mailbox, token: c.token } : e));
        this.#stageWithOwed(id, { ...g, record: { ...g.record, roster } }, fx);
        if (roleOf(g.session.group, ctx.identity.publicKey) === 'admin') {
          fx.followUps.push(() => this.#scheduleRoster(id));
        }
        return;
      }
      case 'distribution': {
        // The group id is inside the distribution; the group that accepts it is the one.
        for (const [id, g] of this.#groups) {
          if (roleOf(g.session.group, sender) === null) continue;
          try {
            const { session } = processDistribution(g.session, sender, c.distribution);
            this.#stage(id, { ...g, session }, fx);
            return;
          } catch (e) {
            if (!isProtocolError(e) || e.code !== 'INVALID_STATE') throw e;
          }
        }
        return;
      }
    }
  }

  /** A group message envelope (inside the lane). */
  async onMessage(data: Bytes, digest: string, fx: ContactEffects): Promise<void> {
    try {
      const gid = toHex(decodeGroupMessage(data).groupId);
      const g = this.#groups.get(gid);
      if (g === undefined) return;
      const { session, sender, plaintext } = groupDecrypt(g.session, data);
      this.#stage(gid, { ...g, session }, fx);
      const from = this.#ctx.contacts.byIdentityKey(sender) ?? this.#peer(g, sender) ?? peerOf({ identityKey: sender, mailbox: new Uint8Array(1) });
      await deliverContent(this.#ctx, from, decodeContent(plaintext), plaintext, gid, fx);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      if (e.code === 'DUPLICATE_MESSAGE') return;
      fx.events.push(['tampered', { envelope: digest, reason: e.code }]);
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────

  #get(id: string): Group {
    const g = this.#groups.get(id);
    if (g === undefined) throw new ClientError('UNKNOWN_GROUP', 'no such group', { group: id });
    return g;
  }

  #selfEntry(token: Bytes): RosterEntry {
    const ctx = this.#ctx;
    return { identityKey: ctx.identity.publicKey, mailbox: ctx.mailbox as Bytes, token, ...(ctx.displayName !== undefined && { name: ctx.displayName }) };
  }

  /** How to reach a member pairwise: the roster's group token, else a contact's own token. */
  #peer(g: Group, identityKey: Bytes): Contact | undefined {
    const e = g.record.roster.find((r) => equalBytes(r.identityKey, identityKey));
    if (e?.token !== undefined) {
      const contact = this.#ctx.contacts.byIdentityKey(identityKey);
      return { ...(contact ?? peerOf(e)), mailbox: e.mailbox, token: e.token };
    }
    return undefined;
  }

  async #sendControl(peer: Contact, control: Bytes): Promise<void> {
    await this.#sendPayload(peer, encodePayload({ type: 'group', group: control }));
  }

  /** Makes a membership change as ourselves; commits it; returns who must hear of it. */
  async #change(id: string, request: { operation: 'add' | 'remove' | 'leave'; target: Bytes }, roster: (r: readonly RosterEntry[]) => RosterEntry[]): Promise<{ before: Contact[]; control: Bytes; welcome: Bytes | null }> {
    const ctx = this.#ctx;
    return ctx.lane.run(async () => {
      const g = this.#get(id);
      const before = g.session.group.members
        .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey) && !equalBytes(m.identityKey, request.target))
        .map((m) => this.#peer(g, m.identityKey) ?? ctx.contacts.byIdentityKey(m.identityKey))
        .filter((p): p is Contact => p !== undefined && p.token !== undefined);
      const result = proposeChange(g.session, ctx.identity, { operation: request.operation, target: request.target });
      const record = { ...g.record, roster: roster(g.record.roster) };
      await this.#commit(id, { session: result.session, record }, []);
      return { before, control: encodeGroupControl({ type: 'change', change: result.encoded, roster: record.roster }), welcome: result.welcome };
    });
  }

  async #scheduleRoster(id: string): Promise<void> {
    if (this.#rosterDue.has(id)) return;
    this.#rosterDue.add(id);
    await new Promise((resolve) => setTimeout(resolve, ROSTER_DELAY_MS));
    this.#rosterDue.delete(id);
    if (this.#groups.has(id) && !this.#ctx.closed) await this.#broadcastRoster(id);
  }

  async #broadcastRoster(id: string): Promise<void> {
    const g = this.#get(id);
    const control = encodeGroupControl({ type: 'roster', groupId: g.session.group.groupId, roster: g.record.roster });
    const peers = g.session.group.members
      .filter((m) => !equalBytes(m.identityKey, this.#ctx.identity.publicKey))
      .map((m) => this.#peer(g, m.identityKey))
      .filter((p): p is Contact => p !== undefined);
    await Promise.all(peers.map((p) => this.#sendControl(p, control)));
  }

  async #commit(id: string, g: Group, extra: StoreWrite[]): Promise<void> {
    const record: GroupRecord = { ...g.record, session: encodeGroupSession(g.session) };
    await this.#ctx.store.write([put('groups', id, encodeGroupRecord(record)), ...extra]);
    this.#groups.set(id, { record, session: g.session });
  }

  /** Adds the group's new state to the receive batch (applied to the cache after the commit). */
  #stage(id: string, g: Group, fx: ContactEffects): void {
    const record: GroupRecord = { ...g.record, session: encodeGroupSession(g.session) };
    const i = fx.writes.findIndex((w) => w.namespace === 'groups' && w.key === id);
    if (i >= 0) fx.writes.splice(i, 1);
    fx.writes.push(put('groups', id, encodeGroupRecord(record)));
    fx.apply.push(() => this.#groups.set(id, { record, session: g.session }));
  }

  /** Stages the group and delivers owed distributions to members who just became reachable. */
  #stageWithOwed(id: string, g: Group, fx: ContactEffects): void {
    const due = g.record.owed.map((o) => ({ o, peer: this.#peer(g, o.identityKey) })).filter((x) => x.peer !== undefined);
    const owed = g.record.owed.filter((o) => !due.some((d) => d.o === o));
    this.#stage(id, { ...g, record: { ...g.record, owed } }, fx);
    for (const d of due) {
      fx.followUps.push(() => this.#sendControl(d.peer as Contact, encodeGroupControl({ type: 'distribution', distribution: d.o.distribution })));
    }
  }
}

function entryOf(c: Contact): RosterEntry {
  return { identityKey: c.identityKey, mailbox: c.mailbox, ...(c.name !== undefined && { name: c.name }) };
}

/** A Contact-shaped handle for a group member who is not one of our contacts. */
function peerOf(e: { identityKey: Bytes; mailbox: Bytes; token?: Bytes; name?: string }): Contact {
  return {
    id: toHex(e.identityKey), identityKey: e.identityKey, relay: '', mailbox: e.mailbox, verified: false, changed: false, blocked: false, createdAt: 0,
    ...(e.token !== undefined && { token: e.token }), ...(e.name !== undefined && { name: e.name }),
  };
}

function byOf(contact: Contact | undefined): { by?: Contact } {
  return contact === undefined ? {} : { by: contact };
}

/** The admin's roster for current members, keeping our own entry and any token we knew that the admin did not. */
function mergeRoster(incoming: readonly RosterEntry[], known: readonly RosterEntry[], session: GroupSession, self: Bytes): RosterEntry[] {
  return session.group.members.map((m) => {
    const mine = known.find((e) => equalBytes(e.identityKey, m.identityKey));
    if (equalBytes(m.identityKey, self) && mine !== undefined) return mine;
    const theirs = incoming.find((e) => equalBytes(e.identityKey, m.identityKey));
    if (theirs === undefined) return mine ?? { identityKey: m.identityKey, mailbox: new Uint8Array(1) };
    return theirs.token === undefined && mine?.token !== undefined ? { ...theirs, token: mine.token } : theirs;
  });
}
