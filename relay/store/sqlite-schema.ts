/**
 * The relay's SQLite schema (spec/relay.md §8.2). Everything the relay keeps
 * on disk is in these tables: mailbox ids, token hashes, public prekeys, and
 * opaque envelopes with their expiry. No sender, no IP, no timestamp of
 * arrival beyond the expiry.
 *
 * Version 2 (PRAGMA user_version = 2) numbers deliveries per mailbox
 * (`usage.next_eid`): a relay-wide counter would tell every recipient how
 * much the whole relay carries. migrateV1 upgrades a version-1 file in place.
 * Version 3 adds `device_lists` (spec/relay.md §13), which SCHEMA creates in
 * a version-2 file as in a new one. Version 4 adds `links` and `link_messages`
 * (the linking mailboxes, spec/relay.md §14), created the same way.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 4;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS directory (
  mailbox BLOB PRIMARY KEY, identity_key BLOB NOT NULL, signed_prekey BLOB, kem_prekey BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS one_time_prekeys (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, mailbox BLOB NOT NULL, kind INTEGER NOT NULL, key_id INTEGER NOT NULL,
  prekey BLOB NOT NULL, UNIQUE (mailbox, kind, key_id)
);
CREATE TABLE IF NOT EXISTS tokens (mailbox BLOB NOT NULL, token_hash BLOB NOT NULL, PRIMARY KEY (mailbox, token_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS envelopes (id INTEGER PRIMARY KEY, data BLOB NOT NULL, refs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  mailbox BLOB NOT NULL, eid INTEGER NOT NULL, envelope_id INTEGER NOT NULL, size INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (mailbox, eid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries (expires_at);
CREATE TABLE IF NOT EXISTS usage (
  mailbox BLOB PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL, next_eid INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS device_lists (
  account BLOB NOT NULL, version INTEGER NOT NULL, hash BLOB NOT NULL, list BLOB NOT NULL, PRIMARY KEY (account, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
  link BLOB PRIMARY KEY, owner BLOB NOT NULL, expires_at INTEGER NOT NULL, to_new INTEGER NOT NULL DEFAULT 0,
  to_existing INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_by_expiry ON links (expires_at);
CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner, expires_at);
CREATE TABLE IF NOT EXISTS link_messages (
  link BLOB NOT NULL, side INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (link, side, seq)
);
`;

/**
 * Version 1 → 2: deliveries keyed by (mailbox, eid) instead of a relay-wide
 * AUTOINCREMENT. Stored eids are kept (they were increasing per mailbox too),
 * and every mailbox continues above the old relay-wide maximum so that no eid
 * a client has seen is ever reused.
 */
const MIGRATE_V1 = `
ALTER TABLE usage ADD COLUMN next_eid INTEGER NOT NULL DEFAULT 1;
UPDATE usage SET next_eid = (SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = 'deliveries');
DROP INDEX IF EXISTS deliveries_by_mailbox;
DROP INDEX IF EXISTS deliveries_by_expiry;
ALTER TABLE deliveries RENAME TO deliveries_v1;
CREATE TABLE deliveries (
  mailbox BLOB NOT NULL, eid INTEGER NOT NULL, envelope_id INTEGER NOT NULL, size INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (mailbox, eid)
) WITHOUT ROWID;
INSERT INTO deliveries (mailbox, eid, envelope_id, size, expires_at)
  SELECT mailbox, eid, envelope_id, size, expires_at FROM deliveries_v1;
DROP TABLE deliveries_v1;
`;

/** Brings a database of any known version to SCHEMA_VERSION; refuses a newer one. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`relay database has schema version ${version}; this relay knows ${SCHEMA_VERSION}`);
  db.transaction(() => {
    const hasV1 = version === 0 && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").get() !== undefined;
    if (hasV1) db.exec(MIGRATE_V1);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** one_time_prekeys.kind */
export const KIND_CLASSIC = 0;
export const KIND_KEM = 1;

/** link_messages.side: 0 towards the new device ('n'), 1 towards the existing one ('e'). */
export const LINK_SIDE_CODE = { n: 0, e: 1 } as const;
