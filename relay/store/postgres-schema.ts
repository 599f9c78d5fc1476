/**
 * The relay's PostgreSQL schema (spec/relay.md §8.3): the same tables as the
 * SQLite store, in a schema of their own (default `parley_relay`), so that
 * several relay nodes share one database and tests use throwaway schemas.
 *
 * Migrations are numbered and run at start in one transaction under an
 * advisory lock, so nodes starting together apply each exactly once; a
 * database migrated by a newer relay is refused.
 */
import type { PoolClient } from 'pg';

/** A schema name we can splice into SQL: lower-case identifier characters only. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(name)}`);
  return name;
}

/** Migration n (1-based) brings the schema from version n-1 to n. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);
   CREATE TABLE directory (mailbox bytea PRIMARY KEY, identity_key bytea NOT NULL, signed_prekey bytea, kem_prekey bytea);
   CREATE TABLE one_time_prekeys (
     seq bigserial PRIMARY KEY, mailbox bytea NOT NULL, kind smallint NOT NULL, key_id bigint NOT NULL, prekey bytea NOT NULL,
     UNIQUE (mailbox, kind, key_id));
   CREATE INDEX one_time_prekeys_in_line ON one_time_prekeys (mailbox, kind, seq);
   CREATE TABLE tokens (mailbox bytea NOT NULL, token_hash bytea NOT NULL, PRIMARY KEY (mailbox, token_hash));
   CREATE TABLE envelopes (id bigserial PRIMARY KEY, data bytea NOT NULL, refs integer NOT NULL);
   CREATE TABLE deliveries (
     mailbox bytea NOT NULL, eid bigint NOT NULL, envelope_id bigint NOT NULL, size integer NOT NULL, expires_at bigint NOT NULL,
     PRIMARY KEY (mailbox, eid));
   CREATE INDEX deliveries_by_expiry ON deliveries (expires_at);
   CREATE TABLE usage (mailbox bytea PRIMARY KEY, count bigint NOT NULL DEFAULT 0, bytes bigint NOT NULL DEFAULT 0,
     next_eid bigint NOT NULL DEFAULT 1);
   CREATE TABLE totals (id smallint PRIMARY KEY CHECK (id = 1), deliveries bigint NOT NULL, bytes bigint NOT NULL);
   INSERT INTO totals VALUES (1, 0, 0);`,
  // 2: signed device lists per account (spec/relay.md §13), the newest RELAY_DEVICE_LIST_HISTORY kept.
  `CREATE TABLE device_lists (account bytea NOT NULL, version bigint NOT NULL, hash bytea NOT NULL, list bytea NOT NULL,
     PRIMARY KEY (account, version));`,
  // 3: the linking mailboxes (spec/relay.md §14): open links and their messages, deleted at expiry.
  `CREATE TABLE links (link bytea PRIMARY KEY, owner bytea NOT NULL, expires_at bigint NOT NULL, to_new integer NOT NULL DEFAULT 0,
     to_existing integer NOT NULL DEFAULT 0, bytes bigint NOT NULL DEFAULT 0);
   CREATE INDEX links_by_expiry ON links (expires_at);
   CREATE INDEX links_by_owner ON links (owner, expires_at);
   CREATE TABLE link_messages (link bytea NOT NULL, side smallint NOT NULL, seq integer NOT NULL, data bytea NOT NULL,
     PRIMARY KEY (link, side, seq));`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Creates the schema if needed and applies the migrations it lacks, once, whatever other nodes do meanwhile. */
export async function migratePostgres(client: PoolClient, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley_relay_migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version integer NOT NULL)`);
    const rows = (await client.query(`SELECT version FROM ${schema}.schema_version`)).rows as Array<{ version: number }>;
    const version = rows[0]?.version ?? 0;
    if (version > POSTGRES_SCHEMA_VERSION) throw new Error(`relay schema ${schema} has version ${version}; this relay knows ${POSTGRES_SCHEMA_VERSION}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (let v = version; v < POSTGRES_SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v] as string);
    if (rows.length === 0) await client.query('INSERT INTO schema_version VALUES ($1)', [POSTGRES_SCHEMA_VERSION]);
    else await client.query('UPDATE schema_version SET version = $1', [POSTGRES_SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
