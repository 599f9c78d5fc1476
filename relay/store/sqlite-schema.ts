/**
 * The relay's SQLite schema (spec/relay.md §8.2). Everything the relay keeps
 * on disk is in these tables: mailbox ids, token hashes, public prekeys, and
 * opaque envelopes with their expiry. No sender, no IP, no timestamp of
 * arrival beyond the expiry.
 */
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
  eid INTEGER PRIMARY KEY AUTOINCREMENT, mailbox BLOB NOT NULL, envelope_id INTEGER NOT NULL, size INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_mailbox ON deliveries (mailbox, eid);
CREATE INDEX IF NOT EXISTS deliveries_by_expiry ON deliveries (expires_at);
CREATE TABLE IF NOT EXISTS usage (mailbox BLOB PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;
`;

/** one_time_prekeys.kind */
export const KIND_CLASSIC = 0;
export const KIND_KEM = 1;
