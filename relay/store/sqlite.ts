/**
 * SQLite RelayStore (better-sqlite3), the default (spec/relay.md §8). It runs
 * on its caller's thread, and better-sqlite3 is synchronous: each commit's
 * fsync holds the relay's event loop. With `--sqlite-thread on` the relay runs
 * it in its storage thread instead (sqlite-worker.ts, behind sqlite-thread.ts).
 *
 * journal_mode=WAL, synchronous=FULL by default: a resolved write has been
 * fsynced to the WAL, so an envelope acknowledged to its sender survives a
 * process kill and a power loss. (`normal` survives a process kill only: WAL
 * commits reach the OS but are fsynced at checkpoints.)
 *
 * Group commit (sqlite-batch.ts): writes issued in the same event-loop turn
 * run in one transaction (one fsync); a write's promise resolves only after
 * that transaction has committed. An enqueue shows its eids before the commit
 * (`staged`, spec/relay.md §2.3); the eids of a batch that rolls back are
 * never assigned again while the store is open (a floor per mailbox, kept in
 * memory until a commit has moved the mailbox's `next_eid` past it).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { toHex, type Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import { KIND_CLASSIC, KIND_KEM, migrate } from './sqlite-schema.js';
import type {
  EnqueueResult, LinkCaps, LinkMessage, LinkQuota, LinkSide, PendingEnvelope, PreKeyCaps, PreKeyCounts, PreKeyPublish, Quota, Recipient,
  RelayStore, StagedEnqueue, StoreStats, StoredDeviceList, StoredLink, TakenBundle,
} from './types.js';
import { SqliteLinks } from './sqlite-links.js';
import { SWEEP_BATCH } from './types.js';
import { SqliteBatcher } from './sqlite-batch.js';
import { TokenCache } from './token-cache.js';

type Db = Database.Database;

const bytes = (b: Buffer | Uint8Array): Bytes => new Uint8Array(b);
/** A plain Uint8Array view of a Buffer better-sqlite3 returned (no copy: the Buffer is not reused). */
const view = (b: Buffer): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.length);

interface DeviceListRow { version: number; hash: Buffer; list: Buffer }
const deviceListOf = (r: DeviceListRow): StoredDeviceList => ({ version: r.version, hash: view(r.hash), list: view(r.list) });

export class RelaySqliteStore implements RelayStore {
  private readonly db: Db;
  private readonly batcher: SqliteBatcher;
  private closed = false;
  private readonly st;
  /**
   * Deliveries held and their bytes over all mailboxes (the global quota), kept in memory so an
   * enqueue checks it without a query. Adjusted inside each write; reloaded from `usage` whenever a
   * write or batch rolls back, so it never drifts from what is committed.
   */
  private totals = { deliveries: 0, bytes: 0 };
  /** Token pairs known to be held: this process is the only writer of the tokens table. */
  private readonly tokens = new TokenCache();
  /** The eids claimed by the batch being written, by mailbox: burned should it roll back. */
  private claims: Array<{ readonly mailbox: Bytes; readonly eid: number }> = [];
  /**
   * Hex mailbox → the lowest eid it may be given next, above every eid of a batch that rolled back
   * (its enqueues' eids may have been pushed ahead of the commit, §2.3, and acked: never reused).
   * Dropped once a commit has claimed an eid of that mailbox, which moved `next_eid` past it.
   */
  private readonly eidFloors = new Map<string, number>();
  /** The linking mailboxes (spec/relay.md §14), through this store's group commit. */
  private readonly links: SqliteLinks;

  constructor(dir: string, sync: 'full' | 'normal' = 'full') {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'relay.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = OFF');
    migrate(this.db);
    const p = (sql: string): Database.Statement => this.db.prepare(sql);
    this.st = {
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      putMeta: p('INSERT INTO meta (key, value) VALUES (?, ?)'),
      getDirectory: p('SELECT identity_key, signed_prekey, kem_prekey FROM directory WHERE mailbox = ?'),
      upsertDirectory: p(`INSERT INTO directory (mailbox, identity_key, signed_prekey, kem_prekey) VALUES (?, ?, ?, ?)
        ON CONFLICT (mailbox) DO UPDATE SET identity_key = excluded.identity_key,
          signed_prekey = COALESCE(excluded.signed_prekey, signed_prekey), kem_prekey = COALESCE(excluded.kem_prekey, kem_prekey)`),
      upsertOneTime: p(`INSERT INTO one_time_prekeys (mailbox, kind, key_id, prekey) VALUES (?, ?, ?, ?)
        ON CONFLICT (mailbox, kind, key_id) DO UPDATE SET prekey = excluded.prekey`),
      countOneTime: p('SELECT COUNT(*) AS n FROM one_time_prekeys WHERE mailbox = ? AND kind = ?'),
      firstOneTime: p('SELECT seq, prekey FROM one_time_prekeys WHERE mailbox = ? AND kind = ? ORDER BY seq LIMIT 1'),
      deleteOneTime: p('DELETE FROM one_time_prekeys WHERE seq = ?'),
      hasToken: p('SELECT 1 FROM tokens WHERE mailbox = ? AND token_hash = ?'),
      addToken: p('INSERT OR IGNORE INTO tokens (mailbox, token_hash) VALUES (?, ?)'),
      deleteToken: p('DELETE FROM tokens WHERE mailbox = ? AND token_hash = ?'),
      countTokens: p('SELECT COUNT(*) AS n FROM tokens WHERE mailbox = ?'),
      insertEnvelope: p('INSERT INTO envelopes (data, refs) VALUES (?, ?)'),
      admission: p(`SELECT EXISTS (SELECT 1 FROM tokens WHERE mailbox = @mailbox AND token_hash = @tokenHash) AS token,
        COALESCE(u.count, 0) AS count, COALESCE(u.bytes, 0) AS bytes FROM (SELECT 1) LEFT JOIN usage u ON u.mailbox = @mailbox`),
      addRefs: p('UPDATE envelopes SET refs = refs + ? WHERE id = ?'),
      deleteLastRef: p('DELETE FROM envelopes WHERE id = ? AND refs <= 1'),
      takeDelivery: p('DELETE FROM deliveries WHERE mailbox = ? AND eid = ? RETURNING envelope_id, size'),
      addUsage: p('UPDATE usage SET count = count + ?, bytes = bytes + ? WHERE mailbox = ?'),
      // Counts the delivery and hands out the mailbox's next eid, at least the floor (the 3rd value), in one statement.
      claimEid: p(`INSERT INTO usage (mailbox, count, bytes, next_eid) VALUES (?, 1, ?, ? + 1)
        ON CONFLICT (mailbox) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes,
          next_eid = MAX(next_eid, excluded.next_eid - 1) + 1
        RETURNING next_eid - 1 AS eid`),
      insertDelivery: p('INSERT INTO deliveries (mailbox, eid, envelope_id, size, expires_at) VALUES (?, ?, ?, ?, ?)'),
      pending: p(`SELECT d.eid AS eid, e.data AS data FROM deliveries d JOIN envelopes e ON e.id = d.envelope_id
        WHERE d.mailbox = ? AND d.eid > ? AND d.expires_at > ? ORDER BY d.eid LIMIT ?`),
      expired: p(`SELECT mailbox, eid FROM deliveries WHERE expires_at <= ? ORDER BY expires_at LIMIT ${SWEEP_BATCH}`),
      stats: p('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS b FROM envelopes'),
      totals: p('SELECT COALESCE(SUM(count), 0) AS n, COALESCE(SUM(bytes), 0) AS b FROM usage'),
      deviceListsSince: p(`SELECT version, hash, list FROM device_lists WHERE account = ? AND version > ?
        ORDER BY version LIMIT ?`),
      latestDeviceList: p('SELECT version, hash, list FROM device_lists WHERE account = ? ORDER BY version DESC LIMIT 1'),
      // Refuses a version already stored or overtaken: of two racing publishes, one wins.
      appendDeviceList: p(`INSERT INTO device_lists (account, version, hash, list) SELECT @account, @version, @hash, @list
        WHERE NOT EXISTS (SELECT 1 FROM device_lists WHERE account = @account AND version >= @version)`),
      trimDeviceLists: p('DELETE FROM device_lists WHERE account = ? AND version <= ?'),
    };
    this.loadTotals();
    this.batcher = new SqliteBatcher(this.db, { committed: (f) => this.committed(f), rolledBack: () => this.rolledBack() }, (e) => e instanceof RelayError);
    this.links = new SqliteLinks(this.db, (run) => this.write(run));
  }

  private loadTotals(): void {
    const row = this.st.totals.get() as { n: number; b: number };
    this.totals = { deliveries: row.n, bytes: row.b };
  }

  /** Queues `run` for the next group commit. */
  private write<T>(run: () => T, isolated = true, staged?: (value: T) => void): Promise<T> {
    if (this.closed) return Promise.reject(new RelayError('SHUTTING_DOWN', 'store closed'));
    return this.batcher.write(run, isolated, staged);
  }

  /** A batch committed: the floors of the mailboxes it gave eids to are behind their `next_eid` now. */
  private committed(failedWrites: boolean): void {
    if (this.eidFloors.size > 0) for (const c of this.claims) this.eidFloors.delete(toHex(c.mailbox));
    this.claims = [];
    if (failedWrites) this.loadTotals();
  }

  /** A batch rolled back: its eids are burned (never assigned again while the store is open) and the totals reloaded. */
  private rolledBack(): void {
    for (const c of this.claims) {
      const key = toHex(c.mailbox);
      this.eidFloors.set(key, Math.max(this.eidFloors.get(key) ?? 1, c.eid + 1));
    }
    this.claims = [];
    this.loadTotals();
  }

  private claimEid(mailbox: Bytes, size: number): number {
    const floor = this.eidFloors.size === 0 ? 1 : this.eidFloors.get(toHex(mailbox)) ?? 1;
    const { eid } = this.st.claimEid.get(mailbox, size, floor) as { eid: number };
    this.claims.push({ mailbox, eid });
    return eid;
  }

  async secret(create: () => Bytes): Promise<Bytes> {
    return this.write(() => {
      const row = this.st.getMeta.get('secret') as { value: Buffer } | undefined;
      if (row !== undefined) return bytes(row.value);
      const s = create();
      this.st.putMeta.run('secret', s);
      return s;
    });
  }

  async publishPreKeys(mailbox: Bytes, p: PreKeyPublish, caps: PreKeyCaps): Promise<PreKeyCounts> {
    return this.write(() => {
      this.st.upsertDirectory.run(mailbox, p.identityKey, p.signedPreKey ?? null, p.kemPreKey ?? null);
      for (const k of p.oneTime) this.st.upsertOneTime.run(mailbox, KIND_CLASSIC, k.id, k.encoded);
      for (const k of p.kemOneTime) this.st.upsertOneTime.run(mailbox, KIND_KEM, k.id, k.encoded);
      const counts = this.counts(mailbox);
      if (counts.oneTime > caps.maxOneTime || counts.kem > caps.maxKem) throw new RelayError('TOO_MANY_PREKEYS', 'one-time prekey cap exceeded');
      return counts;
    });
  }

  private counts(mailbox: Bytes): PreKeyCounts {
    const n = (kind: number): number => (this.st.countOneTime.get(mailbox, kind) as { n: number }).n;
    return { oneTime: n(KIND_CLASSIC), kem: n(KIND_KEM) };
  }

  async preKeyCounts(mailbox: Bytes): Promise<PreKeyCounts> {
    return this.counts(mailbox);
  }

  async takeBundle(mailbox: Bytes, tokenHash: Bytes, consumeOneTime: boolean): Promise<TakenBundle> {
    return this.write(() => {
      if (this.st.hasToken.get(mailbox, tokenHash) === undefined) throw new RelayError('TOKEN_REFUSED', 'no such token');
      const d = this.st.getDirectory.get(mailbox) as { identity_key: Buffer; signed_prekey: Buffer | null; kem_prekey: Buffer | null } | undefined;
      if (d === undefined || d.signed_prekey === null || d.kem_prekey === null) throw new RelayError('NO_PREKEYS', 'no bundle published');
      const take = (kind: number): Bytes | undefined => {
        if (!consumeOneTime) return undefined;
        const row = this.st.firstOneTime.get(mailbox, kind) as { seq: number; prekey: Buffer } | undefined;
        if (row === undefined) return undefined;
        this.st.deleteOneTime.run(row.seq);
        return bytes(row.prekey);
      };
      const oneTime = take(KIND_CLASSIC);
      const kem = take(KIND_KEM);
      return {
        identityKey: bytes(d.identity_key), signedPreKey: bytes(d.signed_prekey), kemPreKey: kem ?? bytes(d.kem_prekey),
        ...(oneTime !== undefined ? { oneTimePreKey: oneTime } : {}), counts: this.counts(mailbox),
      };
    });
  }

  async addToken(mailbox: Bytes, tokenHash: Bytes, replaces: Bytes | undefined, max: number): Promise<void> {
    return this.write(() => {
      if (replaces !== undefined) {
        this.tokens.delete(mailbox, replaces);
        this.st.deleteToken.run(mailbox, replaces);
      }
      this.st.addToken.run(mailbox, tokenHash);
      if ((this.st.countTokens.get(mailbox) as { n: number }).n > max) throw new RelayError('TOO_MANY_TOKENS', 'token cap exceeded');
    });
  }

  async revokeToken(mailbox: Bytes, tokenHash: Bytes): Promise<void> {
    return this.write(() => {
      this.tokens.delete(mailbox, tokenHash);
      this.st.deleteToken.run(mailbox, tokenHash);
    });
  }

  private tokenHeld(mailbox: Bytes, tokenHash: Bytes): boolean {
    if (this.tokens.has(mailbox, tokenHash)) return true;
    const held = this.st.hasToken.get(mailbox, tokenHash) !== undefined;
    if (held) this.tokens.add(mailbox, tokenHash);
    return held;
  }

  async hasToken(mailbox: Bytes, tokenHash: Bytes): Promise<boolean> {
    return this.tokenHeld(mailbox, tokenHash);
  }

  async hasTokens(refs: readonly Recipient[]): Promise<boolean[]> {
    return refs.map((r) => this.tokenHeld(r.mailbox, r.tokenHash));
  }

  async enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]> {
    // Checks first, then changes: nothing here refuses after a row has changed, so no savepoint is needed.
    return this.write(() => {
      const added = recipients.length > 1 ? new Map<string, number>() : undefined; // a mailbox listed twice counts twice
      const admitted: number[] = [];
      const results = recipients.map((r, i): EnqueueResult => {
        const a = this.st.admission.get({ mailbox: r.mailbox, tokenHash: r.tokenHash }) as { token: number; count: number; bytes: number };
        if (a.token === 0) return { ok: false, code: 'TOKEN_REFUSED' };
        const key = added !== undefined ? toHex(r.mailbox) : '';
        const already = added?.get(key) ?? 0;
        if (a.count + already + 1 > quota.maxEnvelopes || a.bytes + (already + 1) * data.length > quota.maxBytes) {
          return { ok: false, code: 'MAILBOX_FULL' };
        }
        const total = admitted.length + 1;
        if (this.totals.deliveries + total > quota.maxTotalDeliveries || this.totals.bytes + total * data.length > quota.maxTotalBytes) {
          return { ok: false, code: 'STORAGE_FULL' };
        }
        added?.set(key, already + 1);
        admitted.push(i);
        return { ok: true, eid: 0 };
      });
      if (admitted.length === 0) return results;
      const envelopeId = Number(this.st.insertEnvelope.run(data, admitted.length).lastInsertRowid);
      for (const i of admitted) {
        const r = recipients[i] as Recipient;
        const eid = this.claimEid(r.mailbox, data.length);
        this.st.insertDelivery.run(r.mailbox, eid, envelopeId, data.length, expiresAt);
        results[i] = { ok: true, eid };
      }
      this.totals.deliveries += admitted.length;
      this.totals.bytes += admitted.length * data.length;
      return results;
    }, false, staged);
  }

  async pending(mailbox: Bytes, afterEid: number, limit: number, now: number): Promise<PendingEnvelope[]> {
    const rows = this.st.pending.all(mailbox, afterEid, now, limit) as Array<{ eid: number; data: Buffer }>;
    return rows.map((r) => ({ eid: r.eid, data: view(r.data) }));
  }

  /** Deletes one delivery of `mailbox`; returns its size, or undefined if there was none. */
  private removeDelivery(mailbox: Bytes, eid: number): number | undefined {
    const d = this.st.takeDelivery.get(mailbox, eid) as { envelope_id: number; size: number } | undefined;
    if (d === undefined) return undefined;
    this.unref(d.envelope_id);
    this.totals.deliveries -= 1;
    this.totals.bytes -= d.size;
    return d.size;
  }

  /** Drops one reference to an envelope, deleting it with the last. */
  private unref(envelopeId: number): void {
    if (this.st.deleteLastRef.run(envelopeId).changes === 0) this.st.addRefs.run(-1, envelopeId);
  }

  async ack(mailbox: Bytes, eids: readonly number[]): Promise<number> {
    // Nothing here refuses: no savepoint. Usage is adjusted once per batch.
    return this.write(() => {
      let count = 0;
      let size = 0;
      for (const eid of eids) {
        const removed = this.removeDelivery(mailbox, eid);
        if (removed === undefined) continue;
        count++;
        size += removed;
      }
      if (count > 0) this.st.addUsage.run(-count, -size, mailbox);
      return count;
    }, false);
  }

  async sweep(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      // One small transaction per batch; other writes and reads run between batches (write() yields a tick).
      const removed = await this.write(() => {
        const rows = this.st.expired.all(now) as Array<{ mailbox: Buffer; eid: number }>;
        for (const r of rows) {
          const size = this.removeDelivery(r.mailbox, r.eid);
          if (size !== undefined) this.st.addUsage.run(-1, -size, r.mailbox);
        }
        return rows.length;
      });
      total += removed;
      if (removed < SWEEP_BATCH) return total;
    }
  }

  async latestDeviceList(account: Bytes): Promise<StoredDeviceList | undefined> {
    const row = this.st.latestDeviceList.get(account) as DeviceListRow | undefined;
    return row === undefined ? undefined : deviceListOf(row);
  }

  async deviceListsSince(account: Bytes, after: number, limit: number): Promise<StoredDeviceList[]> {
    return (this.st.deviceListsSince.all(account, after, limit) as DeviceListRow[]).map(deviceListOf);
  }

  async appendDeviceList(account: Bytes, list: StoredDeviceList, keep: number): Promise<boolean> {
    return this.write(() => {
      if (this.st.appendDeviceList.run({ account, version: list.version, hash: list.hash, list: list.list }).changes === 0) return false;
      this.st.trimDeviceLists.run(account, list.version - keep);
      return true;
    });
  }

  openLink(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void> {
    return this.links.open(link, owner, expiresAt, caps, now);
  }

  linkInfo(link: Bytes, now: number): Promise<StoredLink | undefined> {
    return this.links.info(link, now);
  }

  appendLinkMessage(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number> {
    return this.links.append(link, side, data, sender, quota, now);
  }

  linkMessages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]> {
    return this.links.messages(link, side, afterSeq, limit, now);
  }

  closeLink(link: Bytes, owner: Bytes): Promise<boolean> {
    return this.links.close(link, owner);
  }

  sweepLinks(now: number): Promise<number> {
    return this.links.sweep(now);
  }

  async stats(): Promise<StoreStats> {
    const row = this.st.stats.get() as { n: number; b: number };
    return { envelopes: row.n, bytes: row.b, deliveries: this.totals.deliveries, deliveryBytes: this.totals.bytes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes commit first.
    await this.write(() => undefined);
    this.closed = true;
    this.db.close();
  }
}
