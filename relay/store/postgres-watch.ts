/**
 * Cross-node wake-ups through PostgreSQL LISTEN/NOTIFY (spec/relay.md §8.3).
 *
 * A node that stores envelopes notifies, inside the same transaction, the
 * channel named after the schema with the recipients' mailbox ids; PostgreSQL
 * delivers the notification to every listening node only when that
 * transaction commits, so a woken node always finds the envelopes. Chosen over
 * Redis pub/sub for this reason (no window between commit and publish, and no
 * further service to run); its cost is a brief global lock per committing
 * transaction that notifies, which matters only far beyond one database's
 * write rate anyway.
 *
 * If the listening connection drops, notifications sent meanwhile are lost:
 * on reconnecting the watcher reports 'all', and every connected mailbox
 * re-reads its pending envelopes.
 */
import pg from 'pg';
import type { Bytes } from '../../src/crypto/index.js';
import type { Sql } from './postgres-batch.js';

/** NOTIFY payloads stay below PostgreSQL's 8,000-byte limit: 32 hex characters and a comma per mailbox. */
const MAILBOXES_PER_NOTIFY = 200;
const RECONNECT_MS = 500;

/** Queues a wake-up for `mailboxes` on `channel`, delivered when the current transaction commits. */
export async function notifyStored(sql: Sql, channel: string, mailboxes: readonly Bytes[]): Promise<void> {
  const hex = [...new Set(mailboxes.map((m) => Buffer.from(m).toString('hex')))];
  for (let i = 0; i < hex.length; i += MAILBOXES_PER_NOTIFY) {
    await sql('SELECT pg_notify($1, $2)', [channel, hex.slice(i, i + MAILBOXES_PER_NOTIFY).join(',')]);
  }
}

/** Listens on `channel` with a connection of its own, reconnecting (and reporting 'all') when it drops. */
export async function watchStored(url: string, channel: string, onStored: (mailboxes: readonly Bytes[] | 'all') => void): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) onStored(n.payload.split(',').map((h) => new Uint8Array(Buffer.from(h, 'hex'))));
    });
    c.on('error', () => undefined);
    c.on('end', () => {
      if (stopped) return;
      retry = setTimeout(() => void reconnect(), RECONNECT_MS);
    });
    await c.connect();
    await c.query(`LISTEN "${channel}"`);
    client = c;
  };
  const reconnect = async (): Promise<void> => {
    try {
      await connect();
      onStored('all');
    } catch {
      if (!stopped) retry = setTimeout(() => void reconnect(), RECONNECT_MS);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
