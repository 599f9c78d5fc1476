/**
 * PostgreSQL RelayStore (spec/relay.md §8.3): the store several relay nodes
 * share. Same contract as the SQLite store — every mutating method atomic,
 * durable when its promise resolves (PostgreSQL's commit is fsynced with its
 * default synchronous_commit = on), group-committed under load — but written
 * for concurrent writers: rows a write depends on are locked (`FOR UPDATE`,
 * `SKIP LOCKED` for one-time prekeys), multi-row work goes in one statement
 * over arrays (`unnest`) so a 1,000-recipient fanout is a handful of round
 * trips, and batches that lose a deadlock to another node are retried.
 *
 * The relay-wide totals (the STORAGE_FULL quota) are one row: read without a
 * lock and adjusted with a relative UPDATE, so concurrent nodes never wait on
 * each other for it; the quota may be overshot by the writes in flight at that
 * moment, which is what a disk-protecting quota needs.
 */
import pg from 'pg';
import type { Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import { PostgresBatcher, storeFailure, type Sql } from './postgres-batch.js';
import { checkSchemaName, migratePostgres } from './postgres-schema.js';
import { PostgresLinks } from './postgres-links.js';
import { notifyStored, watchStored } from './postgres-watch.js';
import { KIND_CLASSIC, KIND_KEM } from './sqlite-schema.js';
import {
  SWEEP_BATCH, type EnqueueResult, type LinkCaps, type LinkMessage, type LinkQuota, type LinkSide, type PendingEnvelope, type PreKeyCaps,
  type PreKeyCounts, type PreKeyPublish, type Quota, type Recipient, type RelayStore, type StagedEnqueue, type StoredDeviceList, type StoredLink, type StoreStats,
  type TakenBundle,
} from './types.js';

export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** The schema holding the relay's tables (default `parley_relay`). */
  readonly schema?: string;
  /** Connections in the pool (default 8). */
  readonly poolSize?: number;
}

const bytes = (b: Buffer): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.length);
const DEFAULT_SCHEMA = 'parley_relay';

interface UsageRow { mailbox: Buffer; count: string; bytes: string; next_eid: string }
interface DeviceListRow { version: string; hash: Buffer; list: Buffer }
const deviceListOf = (r: DeviceListRow): StoredDeviceList => ({ version: Number(r.version), hash: bytes(r.hash), list: bytes(r.list) });

export class RelayPostgresStore implements RelayStore {
  private readonly batch: PostgresBatcher;
  private closed = false;
  /** The linking mailboxes (spec/relay.md §14). */
  private readonly links: PostgresLinks;

  private constructor(private readonly pool: pg.Pool, private readonly url: string, private readonly schema: string) {
    this.batch = new PostgresBatcher(pool);
    this.links = new PostgresLinks((run) => this.write(run), (text, values) => this.read(text, values), schema);
  }

  /** Connects, migrates the schema, and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<RelayPostgresStore> {
    const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 8, options: `-c search_path=${schema}` });
    pool.on('error', () => { /* an idle client lost its connection; the next query reconnects or fails with UNAVAILABLE */ });
    const client = await pool.connect();
    try {
      await migratePostgres(client, schema);
    } finally {
      client.release();
    }
    return new RelayPostgresStore(pool, options.url, schema);
  }

  private write<T>(run: (sql: Sql) => Promise<T>, isolated = true, staged?: (value: T) => void): Promise<T> {
    if (this.closed) return Promise.reject(new RelayError('SHUTTING_DOWN', 'store closed'));
    return this.batch.write(run, isolated, staged);
  }

  /** A read outside any batch. */
  private async read<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query(text, values as unknown[])).rows as R[];
    } catch (e) {
      throw storeFailure(e);
    }
  }

  async secret(create: () => Bytes): Promise<Bytes> {
    return this.write(async (sql) => {
      await sql("INSERT INTO meta (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING", [create()]);
      const [row] = await sql<{ value: Buffer }>("SELECT value FROM meta WHERE key = 'secret'");
      return bytes((row as { value: Buffer }).value);
    });
  }

  async publishPreKeys(mailbox: Bytes, p: PreKeyPublish, caps: PreKeyCaps): Promise<PreKeyCounts> {
    return this.write(async (sql) => {
      await sql(`INSERT INTO directory (mailbox, identity_key, signed_prekey, kem_prekey) VALUES ($1, $2, $3, $4)
        ON CONFLICT (mailbox) DO UPDATE SET identity_key = excluded.identity_key,
          signed_prekey = COALESCE(excluded.signed_prekey, directory.signed_prekey), kem_prekey = COALESCE(excluded.kem_prekey, directory.kem_prekey)`,
      [mailbox, p.identityKey, p.signedPreKey ?? null, p.kemPreKey ?? null]);
      const keys = [...p.oneTime.map((k) => [KIND_CLASSIC, k] as const), ...p.kemOneTime.map((k) => [KIND_KEM, k] as const)];
      if (keys.length > 0) {
        await sql(`INSERT INTO one_time_prekeys (mailbox, kind, key_id, prekey)
          SELECT $1, k.kind, k.key_id, k.prekey FROM unnest($2::smallint[], $3::bigint[], $4::bytea[]) AS k(kind, key_id, prekey)
          ON CONFLICT (mailbox, kind, key_id) DO UPDATE SET prekey = excluded.prekey`,
        [mailbox, keys.map(([kind]) => kind), keys.map(([, k]) => k.id), keys.map(([, k]) => Buffer.from(k.encoded))]);
      }
      const counts = await countsOf(sql, mailbox);
      if (counts.oneTime > caps.maxOneTime || counts.kem > caps.maxKem) throw new RelayError('TOO_MANY_PREKEYS', 'one-time prekey cap exceeded');
      return counts;
    });
  }

  async preKeyCounts(mailbox: Bytes): Promise<PreKeyCounts> {
    return countsOf((text, values) => this.read(text, values ?? []), mailbox);
  }

  async takeBundle(mailbox: Bytes, tokenHash: Bytes, consumeOneTime: boolean): Promise<TakenBundle> {
    return this.write(async (sql) => {
      if ((await sql('SELECT 1 FROM tokens WHERE mailbox = $1 AND token_hash = $2', [mailbox, tokenHash])).length === 0) {
        throw new RelayError('TOKEN_REFUSED', 'no such token');
      }
      const [d] = await sql<{ identity_key: Buffer; signed_prekey: Buffer | null; kem_prekey: Buffer | null }>(
        'SELECT identity_key, signed_prekey, kem_prekey FROM directory WHERE mailbox = $1', [mailbox]);
      if (d === undefined || d.signed_prekey === null || d.kem_prekey === null) throw new RelayError('NO_PREKEYS', 'no bundle published');
      const oneTime = consumeOneTime ? await takeOldest(sql, mailbox, KIND_CLASSIC) : undefined;
      const kem = consumeOneTime ? await takeOldest(sql, mailbox, KIND_KEM) : undefined;
      return {
        identityKey: bytes(d.identity_key), signedPreKey: bytes(d.signed_prekey), kemPreKey: kem ?? bytes(d.kem_prekey),
        ...(oneTime !== undefined ? { oneTimePreKey: oneTime } : {}), counts: await countsOf(sql, mailbox),
      };
    });
  }

  async addToken(mailbox: Bytes, tokenHash: Bytes, replaces: Bytes | undefined, max: number): Promise<void> {
    return this.write(async (sql) => {
      if (replaces !== undefined) await sql('DELETE FROM tokens WHERE mailbox = $1 AND token_hash = $2', [mailbox, replaces]);
      await sql('INSERT INTO tokens (mailbox, token_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [mailbox, tokenHash]);
      const [row] = await sql<{ n: string }>('SELECT count(*) AS n FROM tokens WHERE mailbox = $1', [mailbox]);
      if (Number(row?.n) > max) throw new RelayError('TOO_MANY_TOKENS', 'token cap exceeded');
    });
  }

  async revokeToken(mailbox: Bytes, tokenHash: Bytes): Promise<void> {
    return this.write(async (sql) => {
      await sql('DELETE FROM tokens WHERE mailbox = $1 AND token_hash = $2', [mailbox, tokenHash]);
    });
  }

  async hasToken(mailbox: Bytes, tokenHash: Bytes): Promise<boolean> {
    return (await this.read('SELECT 1 FROM tokens WHERE mailbox = $1 AND token_hash = $2', [mailbox, tokenHash])).length > 0;
  }

  async hasTokens(refs: readonly Recipient[]): Promise<boolean[]> {
    if (refs.length === 0) return [];
    const rows = await this.read<{ i: string }>(`SELECT r.i FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS r(m, t, i)
      WHERE EXISTS (SELECT 1 FROM tokens WHERE mailbox = r.m AND token_hash = r.t)`,
    [refs.map((r) => Buffer.from(r.mailbox)), refs.map((r) => Buffer.from(r.tokenHash))]);
    const held = new Set(rows.map((r) => Number(r.i) - 1));
    return refs.map((_, i) => held.has(i));
  }

  /**
   * `staged` hears the results before the first attempt's COMMIT. Unlike SQLite, the eids of a batch that
   * rolls back may be assigned again (by another node, or by this batch's retry): the relay therefore
   * applies an ack of an eid pushed ahead only once its commit is known (spec/relay.md §2.3).
   */
  async enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]> {
    // Checks first, then changes: nothing refuses after a row has changed, so no savepoint is needed.
    return this.write(async (sql) => {
      const results = await enqueueIn(sql, data, expiresAt, recipients, quota);
      await notifyStored(sql, this.schema, recipients.filter((_, i) => results[i]?.ok === true).map((r) => r.mailbox));
      return results;
    }, false, staged);
  }

  /** Wake-ups from every node sharing this schema (postgres-watch.ts). */
  watch(onStored: (mailboxes: readonly Bytes[] | 'all') => void): Promise<() => Promise<void>> {
    return watchStored(this.url, this.schema, onStored);
  }

  async pending(mailbox: Bytes, afterEid: number, limit: number, now: number): Promise<PendingEnvelope[]> {
    const rows = await this.read<{ eid: string; data: Buffer }>(`SELECT d.eid, e.data FROM deliveries d JOIN envelopes e ON e.id = d.envelope_id
      WHERE d.mailbox = $1 AND d.eid > $2 AND d.expires_at > $3 ORDER BY d.eid LIMIT $4`, [mailbox, afterEid, now, limit]);
    return rows.map((r) => ({ eid: Number(r.eid), data: bytes(r.data) }));
  }

  async ack(mailbox: Bytes, eids: readonly number[]): Promise<number> {
    if (eids.length === 0) return 0;
    return this.write((sql) => removeDeliveries(sql, eids.map(() => mailbox), eids), false);
  }

  async sweep(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.write(async (sql) => {
        const rows = await sql<{ mailbox: Buffer; eid: string }>(
          `SELECT mailbox, eid FROM deliveries WHERE expires_at <= $1 ORDER BY expires_at LIMIT ${SWEEP_BATCH}`, [now]);
        await removeDeliveries(sql, rows.map((r) => bytes(r.mailbox)), rows.map((r) => Number(r.eid)));
        return rows.length;
      });
      total += removed;
      if (removed < SWEEP_BATCH) return total;
    }
  }

  async latestDeviceList(account: Bytes): Promise<StoredDeviceList | undefined> {
    const [row] = await this.read<DeviceListRow>('SELECT version, hash, list FROM device_lists WHERE account = $1 ORDER BY version DESC LIMIT 1', [account]);
    return row === undefined ? undefined : deviceListOf(row);
  }

  async deviceListsSince(account: Bytes, after: number, limit: number): Promise<StoredDeviceList[]> {
    const rows = await this.read<DeviceListRow>(`SELECT version, hash, list FROM device_lists WHERE account = $1 AND version > $2
      ORDER BY version LIMIT $3`, [account, after, limit]);
    return rows.map(deviceListOf);
  }

  /** Of two nodes storing one version at once, the second waits on the key and inserts nothing. */
  async appendDeviceList(account: Bytes, list: StoredDeviceList, keep: number): Promise<boolean> {
    return this.write(async (sql) => {
      const stored = await sql(`INSERT INTO device_lists (account, version, hash, list) SELECT $1::bytea, $2::bigint, $3::bytea, $4::bytea
        WHERE NOT EXISTS (SELECT 1 FROM device_lists WHERE account = $1 AND version >= $2)
        ON CONFLICT (account, version) DO NOTHING RETURNING version`, [account, list.version, list.hash, list.list]);
      if (stored.length === 0) return false;
      await sql('DELETE FROM device_lists WHERE account = $1 AND version <= $2', [account, list.version - keep]);
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
    const [e] = await this.read<{ n: string; b: string }>('SELECT count(*) AS n, COALESCE(sum(length(data)), 0) AS b FROM envelopes', []);
    const [t] = await this.read<{ deliveries: string; bytes: string }>('SELECT deliveries, bytes FROM totals WHERE id = 1', []);
    return { envelopes: Number(e?.n), bytes: Number(e?.b), deliveries: Number(t?.deliveries), deliveryBytes: Number(t?.bytes) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batch.drain();
    await this.pool.end();
  }
}

async function countsOf(sql: Sql, mailbox: Bytes): Promise<PreKeyCounts> {
  const rows = await sql<{ kind: number; n: string }>('SELECT kind, count(*) AS n FROM one_time_prekeys WHERE mailbox = $1 GROUP BY kind', [mailbox]);
  const n = (kind: number): number => Number(rows.find((r) => r.kind === kind)?.n ?? 0);
  return { oneTime: n(KIND_CLASSIC), kem: n(KIND_KEM) };
}

/** Removes the oldest one-time prekey of a kind; concurrent fetches on other nodes skip the row this one holds. */
async function takeOldest(sql: Sql, mailbox: Bytes, kind: number): Promise<Bytes | undefined> {
  const [row] = await sql<{ prekey: Buffer }>(`DELETE FROM one_time_prekeys WHERE seq = (
      SELECT seq FROM one_time_prekeys WHERE mailbox = $1 AND kind = $2 ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING prekey`, [mailbox, kind]);
  return row === undefined ? undefined : bytes(row.prekey);
}

/** Locks the usage rows of these mailboxes (in one order, so two nodes never deadlock on them) and returns them by hex id. */
async function lockUsage(sql: Sql, mailboxes: readonly Buffer[]): Promise<Map<string, UsageRow>> {
  await sql('INSERT INTO usage (mailbox) SELECT unnest($1::bytea[]) ON CONFLICT DO NOTHING', [mailboxes]);
  const rows = await sql<UsageRow>('SELECT mailbox, count, bytes, next_eid FROM usage WHERE mailbox = ANY($1) ORDER BY mailbox FOR UPDATE', [mailboxes]);
  return new Map(rows.map((r) => [r.mailbox.toString('hex'), r]));
}

async function enqueueIn(sql: Sql, data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota): Promise<EnqueueResult[]> {
  const mailboxes = recipients.map((r) => Buffer.from(r.mailbox));
  const tokens = await sql<{ i: number }>(`SELECT r.i FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS r(m, t, i)
    WHERE EXISTS (SELECT 1 FROM tokens WHERE mailbox = r.m AND token_hash = r.t)`, [mailboxes, recipients.map((r) => Buffer.from(r.tokenHash))]);
  const withToken = new Set(tokens.map((t) => Number(t.i) - 1));
  const usage = await lockUsage(sql, [...new Map(mailboxes.map((m) => [m.toString('hex'), m])).values()]);
  const [totals] = await sql<{ deliveries: string; bytes: string }>('SELECT deliveries, bytes FROM totals WHERE id = 1');
  const added = new Map<string, number>();
  let admitted = 0;
  const results = recipients.map((_, i): EnqueueResult => {
    if (!withToken.has(i)) return { ok: false, code: 'TOKEN_REFUSED' };
    const key = (mailboxes[i] as Buffer).toString('hex');
    const u = usage.get(key) as UsageRow;
    const already = added.get(key) ?? 0;
    if (Number(u.count) + already + 1 > quota.maxEnvelopes || Number(u.bytes) + (already + 1) * data.length > quota.maxBytes) {
      return { ok: false, code: 'MAILBOX_FULL' };
    }
    if (Number(totals?.deliveries) + admitted + 1 > quota.maxTotalDeliveries || Number(totals?.bytes) + (admitted + 1) * data.length > quota.maxTotalBytes) {
      return { ok: false, code: 'STORAGE_FULL' };
    }
    added.set(key, already + 1);
    admitted++;
    return { ok: true, eid: Number(u.next_eid) + already };
  });
  if (admitted > 0) await store(sql, data, expiresAt, mailboxes, results, added, usage);
  return results;
}

/** Writes one envelope, its admitted deliveries (eids assigned above), the mailboxes' usage and the totals. */
async function store(sql: Sql, data: Bytes, expiresAt: number, mailboxes: readonly Buffer[], results: readonly EnqueueResult[],
  added: ReadonlyMap<string, number>, usage: ReadonlyMap<string, UsageRow>): Promise<void> {
  const admitted = results.flatMap((r, i) => (r.ok ? [i] : []));
  const [envelope] = await sql<{ id: string }>('INSERT INTO envelopes (data, refs) VALUES ($1, $2) RETURNING id', [Buffer.from(data), admitted.length]);
  await sql(`INSERT INTO deliveries (mailbox, eid, envelope_id, size, expires_at)
    SELECT d.m, d.e, $3, $4, $5 FROM unnest($1::bytea[], $2::bigint[]) AS d(m, e)`,
  [admitted.map((i) => mailboxes[i]), admitted.map((i) => (results[i] as { eid: number }).eid), envelope?.id, data.length, expiresAt]);
  const keys = [...added.keys()];
  await sql(`UPDATE usage u SET count = u.count + v.c, bytes = u.bytes + v.c * $3, next_eid = u.next_eid + v.c
    FROM unnest($1::bytea[], $2::bigint[]) AS v(m, c) WHERE u.mailbox = v.m`,
  [keys.map((k) => usage.get(k)?.mailbox), keys.map((k) => added.get(k)), data.length]);
  await sql('UPDATE totals SET deliveries = deliveries + $1, bytes = bytes + $2 WHERE id = 1', [admitted.length, admitted.length * data.length]);
}

/** Deletes deliveries (mailbox[i], eid[i]) that exist, drops their envelope references, and adjusts usage and totals; returns how many. */
async function removeDeliveries(sql: Sql, mailboxes: readonly Bytes[], eids: readonly number[]): Promise<number> {
  if (eids.length === 0) return 0;
  const gone = await sql<{ mailbox: Buffer; envelope_id: string; size: number }>(`DELETE FROM deliveries d USING unnest($1::bytea[], $2::bigint[]) AS v(m, e)
    WHERE d.mailbox = v.m AND d.eid = v.e RETURNING d.mailbox, d.envelope_id, d.size`, [mailboxes.map((m) => Buffer.from(m)), eids]);
  if (gone.length === 0) return 0;
  const perEnvelope = tally(gone, (g) => g.envelope_id, () => 1);
  await sql(`UPDATE envelopes e SET refs = e.refs - v.c FROM unnest($1::bigint[], $2::int[]) AS v(id, c) WHERE e.id = v.id`,
    [[...perEnvelope.keys()], [...perEnvelope.values()]]);
  await sql('DELETE FROM envelopes WHERE id = ANY($1::bigint[]) AND refs <= 0', [[...perEnvelope.keys()]]);
  const count = tally(gone, (g) => g.mailbox.toString('hex'), () => 1);
  const size = tally(gone, (g) => g.mailbox.toString('hex'), (g) => g.size);
  await sql(`UPDATE usage u SET count = u.count - v.c, bytes = u.bytes - v.b FROM unnest($1::bytea[], $2::bigint[], $3::bigint[]) AS v(m, c, b)
    WHERE u.mailbox = v.m`, [[...count.keys()].map((k) => Buffer.from(k, 'hex')), [...count.values()], [...size.values()]]);
  await sql('UPDATE totals SET deliveries = deliveries - $1, bytes = bytes - $2 WHERE id = 1', [gone.length, [...size.values()].reduce((a, b) => a + b, 0)]);
  return gone.length;
}

function tally<T>(items: readonly T[], key: (t: T) => string, amount: (t: T) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + amount(t));
  return out;
}

