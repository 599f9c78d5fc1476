/**
 * In-memory RelayStore (tests, benchmarks, `--memory`). Same semantics as the
 * SQLite store: every method runs to completion before the next, so each is
 * atomic; nothing survives the process.
 */
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import type {
  EnqueueResult, LinkCaps, LinkMessage, LinkQuota, LinkSide, PendingEnvelope, PreKeyCaps, PreKeyCounts, PreKeyPublish, Quota, Recipient,
  RelayStore, StagedEnqueue, StoredDeviceList, StoredLink, StoredPreKey, StoreStats, TakenBundle,
} from './types.js';
import { SWEEP_BATCH } from './types.js';

interface Directory {
  identityKey: Bytes;
  signedPreKey?: Bytes;
  kemPreKey?: Bytes;
  /** Insertion-ordered by id key; oldest consumed first. */
  oneTime: Map<number, Bytes>;
  kemOneTime: Map<number, Bytes>;
}

interface Blob {
  readonly data: Bytes;
  refs: number;
}

interface Entry {
  readonly eid: number;
  readonly blob: Blob;
  readonly expiresAt: number;
}

interface Mailbox {
  /** eid → entry, in insertion (= eid) order. */
  readonly entries: Map<number, Entry>;
  bytes: number;
  /** Next eid of this mailbox (eids are per mailbox, never relay-wide). */
  nextEid: number;
}

interface Link extends StoredLink {
  readonly toNew: Bytes[];
  readonly toExisting: Bytes[];
  bytes: number;
}

function upsert(target: Map<number, Bytes>, keys: readonly StoredPreKey[]): void {
  for (const k of keys) target.set(k.id, k.encoded);
}

function firstOf(m: Map<number, Bytes>): [number, Bytes] | undefined {
  for (const e of m) return e;
  return undefined;
}

export class RelayMemoryStore implements RelayStore {
  private relaySecret: Bytes | undefined;
  private readonly directory = new Map<string, Directory>();
  private readonly tokens = new Map<string, Set<string>>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private blobCount = 0;
  private blobBytes = 0;
  private deliveries = 0;
  private deliveryBytes = 0;
  /** Per hex account key: its kept device lists, oldest first. */
  private readonly deviceLists = new Map<string, StoredDeviceList[]>();
  /** Open links (spec/relay.md §14) by hex link id. */
  private readonly links = new Map<string, Link>();

  async secret(create: () => Bytes): Promise<Bytes> {
    this.relaySecret ??= create();
    return this.relaySecret;
  }

  async publishPreKeys(mailbox: Bytes, p: PreKeyPublish, caps: PreKeyCaps): Promise<PreKeyCounts> {
    const key = toHex(mailbox);
    const old = this.directory.get(key);
    const next: Directory = {
      identityKey: p.identityKey,
      ...(old?.signedPreKey !== undefined ? { signedPreKey: old.signedPreKey } : {}),
      ...(old?.kemPreKey !== undefined ? { kemPreKey: old.kemPreKey } : {}),
      oneTime: new Map(old?.oneTime), kemOneTime: new Map(old?.kemOneTime),
    };
    if (p.signedPreKey !== undefined) next.signedPreKey = p.signedPreKey;
    if (p.kemPreKey !== undefined) next.kemPreKey = p.kemPreKey;
    upsert(next.oneTime, p.oneTime);
    upsert(next.kemOneTime, p.kemOneTime);
    if (next.oneTime.size > caps.maxOneTime || next.kemOneTime.size > caps.maxKem) {
      throw new RelayError('TOO_MANY_PREKEYS', 'one-time prekey cap exceeded');
    }
    this.directory.set(key, next);
    return { oneTime: next.oneTime.size, kem: next.kemOneTime.size };
  }

  async preKeyCounts(mailbox: Bytes): Promise<PreKeyCounts> {
    const d = this.directory.get(toHex(mailbox));
    return { oneTime: d?.oneTime.size ?? 0, kem: d?.kemOneTime.size ?? 0 };
  }

  async takeBundle(mailbox: Bytes, tokenHash: Bytes, consumeOneTime: boolean): Promise<TakenBundle> {
    const key = toHex(mailbox);
    if (this.tokens.get(key)?.has(toHex(tokenHash)) !== true) throw new RelayError('TOKEN_REFUSED', 'no such token');
    const d = this.directory.get(key);
    if (d?.signedPreKey === undefined || d.kemPreKey === undefined) throw new RelayError('NO_PREKEYS', 'no bundle published');
    const oneTime = consumeOneTime ? firstOf(d.oneTime) : undefined;
    const kem = consumeOneTime ? firstOf(d.kemOneTime) : undefined;
    if (oneTime !== undefined) d.oneTime.delete(oneTime[0]);
    if (kem !== undefined) d.kemOneTime.delete(kem[0]);
    return {
      identityKey: d.identityKey, signedPreKey: d.signedPreKey, kemPreKey: kem?.[1] ?? d.kemPreKey,
      ...(oneTime !== undefined ? { oneTimePreKey: oneTime[1] } : {}),
      counts: { oneTime: d.oneTime.size, kem: d.kemOneTime.size },
    };
  }

  async addToken(mailbox: Bytes, tokenHash: Bytes, replaces: Bytes | undefined, max: number): Promise<void> {
    const key = toHex(mailbox);
    const set = new Set(this.tokens.get(key));
    if (replaces !== undefined) set.delete(toHex(replaces));
    set.add(toHex(tokenHash));
    if (set.size > max) throw new RelayError('TOO_MANY_TOKENS', 'token cap exceeded');
    this.tokens.set(key, set);
  }

  async revokeToken(mailbox: Bytes, tokenHash: Bytes): Promise<void> {
    this.tokens.get(toHex(mailbox))?.delete(toHex(tokenHash));
  }

  async hasToken(mailbox: Bytes, tokenHash: Bytes): Promise<boolean> {
    return this.tokens.get(toHex(mailbox))?.has(toHex(tokenHash)) === true;
  }

  async hasTokens(refs: readonly Recipient[]): Promise<boolean[]> {
    return refs.map((r) => this.tokens.get(toHex(r.mailbox))?.has(toHex(r.tokenHash)) === true);
  }

  /** Nothing to commit: `staged` sees the results just before they are returned; eids never go back (nextEid only grows). */
  async enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]> {
    const blob: Blob = { data: data.slice(), refs: 0 };
    const results = recipients.map((r): EnqueueResult => {
      const key = toHex(r.mailbox);
      if (this.tokens.get(key)?.has(toHex(r.tokenHash)) !== true) return { ok: false, code: 'TOKEN_REFUSED' };
      let box = this.mailboxes.get(key);
      if (box === undefined) {
        box = { entries: new Map(), bytes: 0, nextEid: 1 };
        this.mailboxes.set(key, box);
      }
      if (box.entries.size + 1 > quota.maxEnvelopes || box.bytes + data.length > quota.maxBytes) return { ok: false, code: 'MAILBOX_FULL' };
      if (this.deliveries + 1 > quota.maxTotalDeliveries || this.deliveryBytes + data.length > quota.maxTotalBytes) {
        return { ok: false, code: 'STORAGE_FULL' };
      }
      const eid = box.nextEid++;
      box.entries.set(eid, { eid, blob, expiresAt });
      box.bytes += data.length;
      this.deliveries++;
      this.deliveryBytes += data.length;
      blob.refs++;
      return { ok: true, eid };
    });
    if (blob.refs > 0) {
      this.blobCount++;
      this.blobBytes += data.length;
    }
    staged?.(results);
    return results;
  }

  async pending(mailbox: Bytes, afterEid: number, limit: number, now: number): Promise<PendingEnvelope[]> {
    const out: PendingEnvelope[] = [];
    const box = this.mailboxes.get(toHex(mailbox));
    if (box === undefined) return out;
    for (const e of box.entries.values()) {
      if (out.length >= limit) break;
      if (e.eid > afterEid && e.expiresAt > now) out.push({ eid: e.eid, data: e.blob.data });
    }
    return out;
  }

  private remove(box: Mailbox, e: Entry): void {
    box.entries.delete(e.eid);
    box.bytes -= e.blob.data.length;
    this.deliveries--;
    this.deliveryBytes -= e.blob.data.length;
    if (--e.blob.refs === 0) {
      this.blobCount--;
      this.blobBytes -= e.blob.data.length;
    }
  }

  async ack(mailbox: Bytes, eids: readonly number[]): Promise<number> {
    const box = this.mailboxes.get(toHex(mailbox));
    if (box === undefined) return 0;
    let removed = 0;
    for (const eid of eids) {
      const e = box.entries.get(eid);
      if (e === undefined) continue;
      this.remove(box, e);
      removed++;
    }
    return removed;
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const box of [...this.mailboxes.values()]) {
      for (const e of [...box.entries.values()]) {
        if (e.expiresAt > now || box.entries.get(e.eid) !== e) continue; // acked while the sweep yielded
        this.remove(box, e);
        // Yield between batches, as the SQLite store does, so a large sweep never stalls requests.
        if (++removed % SWEEP_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return removed;
  }

  async latestDeviceList(account: Bytes): Promise<StoredDeviceList | undefined> {
    return this.deviceLists.get(toHex(account))?.at(-1);
  }

  async deviceListsSince(account: Bytes, after: number, limit: number): Promise<StoredDeviceList[]> {
    return (this.deviceLists.get(toHex(account)) ?? []).filter((l) => l.version > after).slice(0, limit);
  }

  async appendDeviceList(account: Bytes, list: StoredDeviceList, keep: number): Promise<boolean> {
    const kept = this.deviceLists.get(toHex(account)) ?? [];
    if (kept.some((l) => l.version >= list.version)) return false;
    this.deviceLists.set(toHex(account), [...kept, { version: list.version, hash: list.hash, list: list.list }].slice(-keep));
    return true;
  }

  async openLink(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void> {
    if (this.links.has(toHex(link))) throw new RelayError('LINK_EXISTS', 'link id in use');
    const open = [...this.links.values()].filter((l) => l.expiresAt > now);
    if (open.length >= caps.maxOpen) throw new RelayError('STORAGE_FULL', 'too many open links');
    const mine = toHex(owner);
    if (open.filter((l) => toHex(l.owner) === mine).length >= caps.maxPerOwner) throw new RelayError('QUOTA_EXCEEDED', 'too many open links');
    this.links.set(toHex(link), { owner: owner.slice(), expiresAt, toNew: [], toExisting: [], bytes: 0 });
  }

  private openLinkOf(link: Bytes, now: number): Link | undefined {
    const l = this.links.get(toHex(link));
    return l !== undefined && l.expiresAt > now ? l : undefined;
  }

  async linkInfo(link: Bytes, now: number): Promise<StoredLink | undefined> {
    const l = this.openLinkOf(link, now);
    return l === undefined ? undefined : { owner: l.owner, expiresAt: l.expiresAt };
  }

  async appendLinkMessage(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number> {
    const l = this.openLinkOf(link, now);
    if (l === undefined || (side === 'e' && toHex(sender) !== toHex(l.owner))) throw new RelayError('NO_LINK', 'no such link');
    const queue = side === 'n' ? l.toNew : l.toExisting;
    if (queue.length >= (side === 'n' ? quota.maxToNew : quota.maxToExisting) || l.bytes + data.length > quota.maxBytes) {
      throw new RelayError('LINK_FULL', 'link full');
    }
    queue.push(data.slice());
    l.bytes += data.length;
    return queue.length;
  }

  async linkMessages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]> {
    const l = this.openLinkOf(link, now);
    if (l === undefined) return [];
    return (side === 'n' ? l.toNew : l.toExisting).slice(afterSeq, afterSeq + limit).map((data, i) => ({ seq: afterSeq + i + 1, data }));
  }

  async closeLink(link: Bytes, owner: Bytes): Promise<boolean> {
    const l = this.links.get(toHex(link));
    if (l === undefined || toHex(l.owner) !== toHex(owner)) return false;
    return this.links.delete(toHex(link));
  }

  async sweepLinks(now: number): Promise<number> {
    let removed = 0;
    for (const [key, l] of [...this.links]) {
      if (l.expiresAt > now) continue;
      this.links.delete(key);
      removed++;
    }
    return removed;
  }

  async stats(): Promise<StoreStats> {
    return { envelopes: this.blobCount, bytes: this.blobBytes, deliveries: this.deliveries, deliveryBytes: this.deliveryBytes };
  }

  async close(): Promise<void> {}
}
