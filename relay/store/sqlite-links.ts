/**
 * The linking mailboxes in the SQLite store (spec/relay.md §14): one row per
 * open link in `links` (its owner's mailbox id, expiry, and what it holds per
 * side), and its messages in `link_messages`, numbered per side. Writes go
 * through the store's group commit, each in its own savepoint: a refusal is
 * decided before anything changes, but runs isolated all the same so it never
 * aborts the writes it shares a transaction with.
 */
import type Database from 'better-sqlite3';
import { equalBytes, type Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import { LINK_SIDE_CODE } from './sqlite-schema.js';
import type { LinkCaps, LinkMessage, LinkQuota, LinkSide, StoredLink } from './types.js';

/** Expired links deleted per sweep transaction (each with up to RELAY_LINK_MAX_TO_NEW + 1 messages). */
const LINK_SWEEP_BATCH = 16;

type Write = <T>(run: () => T) => Promise<T>;
interface LinkRow { owner: Buffer; expires_at: number; to_new: number; to_existing: number; bytes: number }

const view = (b: Buffer): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.length);

export class SqliteLinks {
  private readonly st;

  constructor(db: Database.Database, private readonly write: Write) {
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.st = {
      get: p('SELECT owner, expires_at, to_new, to_existing, bytes FROM links WHERE link = ?'),
      countOpen: p('SELECT COUNT(*) AS n FROM links WHERE expires_at > ?'),
      countOwned: p('SELECT COUNT(*) AS n FROM links WHERE owner = ? AND expires_at > ?'),
      insert: p('INSERT INTO links (link, owner, expires_at) VALUES (?, ?, ?)'),
      count: p('UPDATE links SET to_new = to_new + ?, to_existing = to_existing + ?, bytes = bytes + ? WHERE link = ?'),
      insertMessage: p('INSERT INTO link_messages (link, side, seq, data) VALUES (?, ?, ?, ?)'),
      messages: p(`SELECT m.seq AS seq, m.data AS data FROM link_messages m JOIN links l ON l.link = m.link
        WHERE m.link = ? AND m.side = ? AND m.seq > ? AND l.expires_at > ? ORDER BY m.seq LIMIT ?`),
      deleteMessages: p('DELETE FROM link_messages WHERE link = ?'),
      delete: p('DELETE FROM links WHERE link = ?'),
      expired: p(`SELECT link FROM links WHERE expires_at <= ? LIMIT ${LINK_SWEEP_BATCH}`),
    };
  }

  private row(link: Bytes): LinkRow | undefined {
    return this.st.get.get(link) as LinkRow | undefined;
  }

  open(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void> {
    return this.write(() => {
      if (this.row(link) !== undefined) throw new RelayError('LINK_EXISTS', 'link id in use');
      if ((this.st.countOpen.get(now) as { n: number }).n >= caps.maxOpen) throw new RelayError('STORAGE_FULL', 'too many open links');
      if ((this.st.countOwned.get(owner, now) as { n: number }).n >= caps.maxPerOwner) throw new RelayError('QUOTA_EXCEEDED', 'too many open links');
      this.st.insert.run(link, owner, expiresAt);
    });
  }

  async info(link: Bytes, now: number): Promise<StoredLink | undefined> {
    const r = this.row(link);
    return r === undefined || r.expires_at <= now ? undefined : { owner: view(r.owner), expiresAt: r.expires_at };
  }

  append(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number> {
    return this.write(() => {
      const r = this.row(link);
      if (r === undefined || r.expires_at <= now || (side === 'e' && !equalBytes(view(r.owner), sender))) {
        throw new RelayError('NO_LINK', 'no such link');
      }
      const held = side === 'n' ? r.to_new : r.to_existing;
      if (held >= (side === 'n' ? quota.maxToNew : quota.maxToExisting) || r.bytes + data.length > quota.maxBytes) {
        throw new RelayError('LINK_FULL', 'link full');
      }
      this.st.count.run(side === 'n' ? 1 : 0, side === 'e' ? 1 : 0, data.length, link);
      this.st.insertMessage.run(link, LINK_SIDE_CODE[side], held + 1, data);
      return held + 1;
    });
  }

  async messages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]> {
    const rows = this.st.messages.all(link, LINK_SIDE_CODE[side], afterSeq, now, limit) as Array<{ seq: number; data: Buffer }>;
    return rows.map((r) => ({ seq: r.seq, data: view(r.data) }));
  }

  close(link: Bytes, owner: Bytes): Promise<boolean> {
    return this.write(() => {
      const r = this.row(link);
      if (r === undefined || !equalBytes(view(r.owner), owner)) return false;
      this.remove(link);
      return true;
    });
  }

  private remove(link: Bytes | Buffer): void {
    this.st.deleteMessages.run(link);
    this.st.delete.run(link);
  }

  async sweep(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.write(() => {
        const rows = this.st.expired.all(now) as Array<{ link: Buffer }>;
        for (const r of rows) this.remove(r.link);
        return rows.length;
      });
      total += removed;
      if (removed < LINK_SWEEP_BATCH) return total;
    }
  }
}
