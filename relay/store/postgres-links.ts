/**
 * The linking mailboxes in the PostgreSQL store (spec/relay.md §14), shared
 * by every node: N and E may be connected to different nodes. A message is
 * stored under its link's row lock (`FOR UPDATE`), so two nodes appending to
 * one side number their messages without a gap or a repeat; its transaction
 * notifies the link id on the schema's channel (postgres-watch.ts), so the
 * node holding the listener pushes it once it is committed.
 *
 * The relay-wide and per-owner caps count without a lock, as the totals of
 * §8.3 do: nodes opening links at the same moment may overshoot them by the
 * opens in flight.
 */
import { equalBytes, type Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import type { Sql } from './postgres-batch.js';
import { notifyStored } from './postgres-watch.js';
import { LINK_SIDE_CODE } from './sqlite-schema.js';
import type { LinkCaps, LinkMessage, LinkQuota, LinkSide, StoredLink } from './types.js';

/** Expired links deleted per sweep transaction. */
const LINK_SWEEP_BATCH = 16;

type Write = <T>(run: (sql: Sql) => Promise<T>) => Promise<T>;
type Read = <R>(text: string, values: readonly unknown[]) => Promise<R[]>;
interface LinkRow { owner: Buffer; expires_at: string; to_new: number; to_existing: number; bytes: string }

const view = (b: Buffer): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.length);

export class PostgresLinks {
  constructor(private readonly write: Write, private readonly read: Read, private readonly channel: string) {}

  open(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void> {
    return this.write(async (sql) => {
      const [counts] = await sql<{ open: string; owned: string }>(`SELECT count(*) AS open, count(*) FILTER (WHERE owner = $1) AS owned
        FROM links WHERE expires_at > $2`, [owner, now]);
      if (Number(counts?.open) >= caps.maxOpen) throw new RelayError('STORAGE_FULL', 'too many open links');
      if (Number(counts?.owned) >= caps.maxPerOwner) throw new RelayError('QUOTA_EXCEEDED', 'too many open links');
      const made = await sql('INSERT INTO links (link, owner, expires_at) VALUES ($1, $2, $3) ON CONFLICT (link) DO NOTHING RETURNING link',
        [link, owner, expiresAt]);
      if (made.length === 0) throw new RelayError('LINK_EXISTS', 'link id in use');
    });
  }

  async info(link: Bytes, now: number): Promise<StoredLink | undefined> {
    const [r] = await this.read<LinkRow>('SELECT owner, expires_at FROM links WHERE link = $1 AND expires_at > $2', [link, now]);
    return r === undefined ? undefined : { owner: view(r.owner), expiresAt: Number(r.expires_at) };
  }

  append(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number> {
    return this.write(async (sql) => {
      const [r] = await sql<LinkRow>('SELECT owner, expires_at, to_new, to_existing, bytes FROM links WHERE link = $1 FOR UPDATE', [link]);
      if (r === undefined || Number(r.expires_at) <= now || (side === 'e' && !equalBytes(view(r.owner), sender))) {
        throw new RelayError('NO_LINK', 'no such link');
      }
      const held = side === 'n' ? r.to_new : r.to_existing;
      if (held >= (side === 'n' ? quota.maxToNew : quota.maxToExisting) || Number(r.bytes) + data.length > quota.maxBytes) {
        throw new RelayError('LINK_FULL', 'link full');
      }
      await sql('UPDATE links SET to_new = to_new + $2, to_existing = to_existing + $3, bytes = bytes + $4 WHERE link = $1',
        [link, side === 'n' ? 1 : 0, side === 'e' ? 1 : 0, data.length]);
      await sql('INSERT INTO link_messages (link, side, seq, data) VALUES ($1, $2, $3, $4)', [link, LINK_SIDE_CODE[side], held + 1, Buffer.from(data)]);
      await notifyStored(sql, this.channel, [link]);
      return held + 1;
    });
  }

  async messages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]> {
    const rows = await this.read<{ seq: number; data: Buffer }>(`SELECT m.seq, m.data FROM link_messages m JOIN links l ON l.link = m.link
      WHERE m.link = $1 AND m.side = $2 AND m.seq > $3 AND l.expires_at > $4 ORDER BY m.seq LIMIT $5`, [link, LINK_SIDE_CODE[side], afterSeq, now, limit]);
    return rows.map((r) => ({ seq: r.seq, data: view(r.data) }));
  }

  close(link: Bytes, owner: Bytes): Promise<boolean> {
    return this.write(async (sql) => {
      const gone = await sql('DELETE FROM links WHERE link = $1 AND owner = $2 RETURNING link', [link, owner]);
      if (gone.length === 0) return false;
      await sql('DELETE FROM link_messages WHERE link = $1', [link]);
      return true;
    });
  }

  async sweep(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.write(async (sql) => {
        const gone = await sql<{ link: Buffer }>(`DELETE FROM links WHERE link IN (
          SELECT link FROM links WHERE expires_at <= $1 LIMIT ${LINK_SWEEP_BATCH} FOR UPDATE SKIP LOCKED) RETURNING link`, [now]);
        if (gone.length > 0) await sql('DELETE FROM link_messages WHERE link = ANY($1::bytea[])', [gone.map((g) => g.link)]);
        return gone.length;
      });
      total += removed;
      if (removed < LINK_SWEEP_BATCH) return total;
    }
  }
}
