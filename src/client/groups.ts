/**
 * Groups and channels over src/group (spec/client.md §6.2). Control messages
 * (welcome, change, roster, member token, sender-key distribution) travel in
 * pairwise sessions; a group message is one relay fan-out upload. Every
 * member registers one delivery token for each group it is in; the admin
 * collects them into the roster that tells members how to reach each other.
 * After a removal or a leave every remaining member replaces its group token
 * at the relay (one atomic token_add with `replaces`), so a former member's
 * tokens no longer reach anyone; the new tokens go only to remaining members.
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
import { currentToken, entryOf, mergeRoster, peerOf } from './roster.js';
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

/** Group-rule refusals (not authentication failures): reported as group-message-refused, never as tampered. */
const GROUP_RULE_REFUSALS: ReadonlySet<string> = new Set(['NOT_A_MEMBER', 'NOT_AUTHORIZED', 'UNKNOWN_SENDER_KEY']);

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
  /** The membership epoch (protocol.md §8): every change advances it by one. */
  readonly epoch: number;
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
      admin: roleOf(g.session.group, self) === 'admin', epoch: g.session.group.epoch,
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
    const roster: RosterEntry[] = [this.#selfEntry(token, 0), ...members.map((c) => entryOf(c, 0))];
    const id = toHex(session.group.groupId);
    const record: GroupRecord = { session: encodeGroupSession(session), name, roster, token, owed: [], rotation: 0 };
    await ctx.lane.run(async () => {
      await ctx.store.write([put('groups', id, encodeGroupRecord(record))]);
      this.#groups.set(id, { record, session });
    });
    const control = encodeGroupControl({ type: 'welcome', welcome, name, roster, rotation: 0 });
    await Promise.all(members.map((c) => this.#sendControl(c, control)));
    ctx.events.emit('group-change', { group: id, change: 'created', members: this.info(id).members });
    return this.info(id);
  }

  async add(id: string, contact: Contact): Promise<GroupInfo> {
    const { before, control, welcome } = await this.#change(id, { operation: 'add', target: contact.identityKey }, (r, epoch) => [...r, entryOf(contact, epoch)]);
    const { record } = this.#get(id);
    await Promise.all([
      ...before.map((p) => this.#sendControl(p, control)),
      this.#sendControl(contact, encodeGroupControl({ type: 'welcome', welcome: welcome as Bytes, name: record.name, roster: record.roster, rotation: record.rotation })),
    ]);
    this.#ctx.events.emit('group-change', { group: id, change: 'added', members: this.info(id).members });
    return this.info(id);
  }

  async remove(id: string, contact: Contact): Promise<GroupInfo> {
    const g = this.#get(id);
    const target = this.#reach(g, contact.identityKey) ?? contact;
    const { before, control } = await this.#change(id, { operation: 'remove', target: contact.identityKey }, (r) => r.filter((e) => !equalBytes(e.identityKey, contact.identityKey)));
    await Promise.all([...before, target].map((p) => this.#sendControl(p, control)));
    this.#ctx.events.emit('group-change', { group: id, change: 'removed', members: this.info(id).members });
    await this.#rotate(id);
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
        const epoch = session.group.epoch;
        const roster = c.roster.map((e) => (equalBytes(e.identityKey, ctx.identity.publicKey) ? this.#selfEntry(token, epoch) : e));
        const g: Group = { session, record: { session: encodeGroupSession(session), name: c.name, roster, token, owed: [], rotation: c.rotation } };
        this.#stage(id, g, fx);
        fx.events.push(['group-change', { group: id, change: 'joined', by: contact, members: session.group.members.map((m) => toHex(m.identityKey)) }]);
        fx.followUps.push(async () => {
          await ctx.relay.registerToken(token);
          await this.#sendControl(contact, encodeGroupControl({ type: 'member-token', groupId: session.group.groupId, mailbox: ctx.mailbox as Bytes, token, epoch }));
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
          fx.followUps.push(() => ctx.relay.revokeToken(g.record.token));
          return;
        }
        const roster = mergeRoster(c.roster, g.record.roster, session, ctx.identity.publicKey);
        // Someone left or was removed: every remaining member replaces its token.
        const rotation = change.role === null ? session.group.epoch : g.record.rotation;
        this.#stage(id, { session, record: { ...g.record, roster, rotation } }, fx);
        if (rotation !== g.record.rotation) fx.followUps.push(() => this.#rotate(id));
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
        const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, sender) && (e.token === undefined || c.epoch >= e.epoch)
          ? { ...e, mailbox: c.mailbox, token: c.token, epoch: c.epoch } : e));
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
    let gid: string | undefined;
    try {
      gid = toHex(decodeGroupMessage(data).groupId);
      const g = this.#groups.get(gid);
      if (g === undefined) return;
      const { session, sender, plaintext } = groupDecrypt(g.session, data);
      this.#stage(gid, { ...g, session }, fx);
      const from = this.#ctx.contacts.byIdentityKey(sender) ?? this.#peer(g, sender) ?? peerOf({ identityKey: sender, mailbox: new Uint8Array(1) });
      await deliverContent(this.#ctx, from, decodeContent(plaintext), plaintext, gid, fx);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      if (e.code === 'DUPLICATE_MESSAGE') return;
      if (gid !== undefined && GROUP_RULE_REFUSALS.has(e.code)) {
        fx.events.push(['group-message-refused', { group: gid, envelope: digest, reason: e.code }]);
        return;
      }
      fx.events.push(['tampered', { envelope: digest, reason: e.code }]);
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────

  #get(id: string): Group {
    const g = this.#groups.get(id);
    if (g === undefined) throw new ClientError('UNKNOWN_GROUP', 'no such group', { group: id });
    return g;
  }

  #selfEntry(token: Bytes, epoch: number): RosterEntry {
    const ctx = this.#ctx;
    return { identityKey: ctx.identity.publicKey, mailbox: ctx.mailbox as Bytes, token, epoch, ...(ctx.displayName !== undefined && { name: ctx.displayName }) };
  }

  /** How to reach a member through the group: its current group token from the roster. */
  #peer(g: Group, identityKey: Bytes): Contact | undefined {
    const e = g.record.roster.find((r) => equalBytes(r.identityKey, identityKey));
    const token = currentToken(e, g.record.rotation);
    if (e === undefined || token === undefined) return undefined;
    const contact = this.#ctx.contacts.byIdentityKey(identityKey);
    return { ...(contact ?? peerOf(e)), mailbox: e.mailbox, token };
  }

  /** For control messages: the current group token, else the contact's own token, else the last group token we knew. */
  #reach(g: Group, identityKey: Bytes): Contact | undefined {
    const contact = this.#ctx.contacts.byIdentityKey(identityKey);
    const e = g.record.roster.find((r) => equalBytes(r.identityKey, identityKey));
    const stale = e?.token !== undefined ? { ...(contact ?? peerOf(e)), mailbox: e.mailbox, token: e.token } : undefined;
    return this.#peer(g, identityKey) ?? (contact?.token !== undefined && !contact.blocked ? contact : stale);
  }

  /**
   * Replaces our group token at the relay (one token_add with `replaces`) if it
   * predates the group's rotation epoch, then tells the admins (who pass it on in
   * the roster); an admin schedules a roster broadcast instead.
   */
  async #rotate(id: string): Promise<void> {
    const ctx = this.#ctx;
    const self = ctx.identity.publicKey;
    const rotated = await ctx.lane.run(async () => {
      const g = this.#groups.get(id);
      if (g === undefined || ctx.closed) return undefined;
      const mine = g.record.roster.find((e) => equalBytes(e.identityKey, self));
      if (mine !== undefined && mine.epoch >= g.record.rotation && mine.token !== undefined && equalBytes(mine.token, g.record.token)) return undefined;
      const token = ctx.random(TOKEN_LENGTH);
      const epoch = g.session.group.epoch;
      await ctx.relay.registerToken(token, g.record.token);
      const roster = g.record.roster.map((e) => (equalBytes(e.identityKey, self) ? this.#selfEntry(token, epoch) : e));
      await this.#commit(id, { ...g, record: { ...g.record, token, roster } }, []);
      return { g: this.#get(id), token, epoch };
    });
    if (rotated === undefined) return;
    const { g, token, epoch } = rotated;
    if (roleOf(g.session.group, self) === 'admin') return this.#scheduleRoster(id);
    const control = encodeGroupControl({ type: 'member-token', groupId: g.session.group.groupId, mailbox: ctx.mailbox as Bytes, token, epoch });
    const admins = g.session.group.members.filter((m) => m.role === 'admin' && !equalBytes(m.identityKey, self));
    await Promise.all(admins.map((m) => this.#reach(g, m.identityKey)).filter((p): p is Contact => p !== undefined).map((p) => this.#sendControl(p, control)));
  }

  /** After a (re)connection: finishes any token rotation that a crash or a lost connection interrupted. */
  async resume(): Promise<void> {
    for (const id of [...this.#groups.keys()]) await this.#rotate(id);
  }

  async #sendControl(peer: Contact, control: Bytes): Promise<void> {
    await this.#sendPayload(peer, encodePayload({ type: 'group', group: control }));
  }

  /** Makes a membership change as ourselves; commits it; returns who must hear of it. */
  async #change(id: string, request: { operation: 'add' | 'remove' | 'leave'; target: Bytes }, roster: (r: readonly RosterEntry[], epoch: number) => RosterEntry[]): Promise<{ before: Contact[]; control: Bytes; welcome: Bytes | null }> {
    const ctx = this.#ctx;
    return ctx.lane.run(async () => {
      const g = this.#get(id);
      const before = g.session.group.members
        .filter((m) => !equalBytes(m.identityKey, ctx.identity.publicKey) && !equalBytes(m.identityKey, request.target))
        .map((m) => this.#reach(g, m.identityKey))
        .filter((p): p is Contact => p !== undefined && p.token !== undefined);
      const result = proposeChange(g.session, ctx.identity, { operation: request.operation, target: request.target });
      const epoch = result.session.group.epoch;
      const record = { ...g.record, roster: roster(g.record.roster, epoch), rotation: request.operation === 'add' ? g.record.rotation : epoch };
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
    // A token from an epoch we have not reached: the change is on its way, and its rotation broadcasts again.
    if (g.record.roster.some((e) => e.epoch > g.session.group.epoch)) return;
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

function byOf(contact: Contact | undefined): { by?: Contact } {
  return contact === undefined ? {} : { by: contact };
}
