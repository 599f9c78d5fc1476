/**
 * PostgreSQL for the relay tests: DATABASE_URL (default the `test` database on
 * 127.0.0.1:5432), a throwaway schema per store, dropped after the test.
 * Never skipped: CI runs PostgreSQL, and a missing server fails the test.
 */
import pg from 'pg';
import { systemRandom, toHex } from '../../src/crypto/index.js';
import { RelayPostgresStore } from '../../relay/store/postgres.js';
import { onCleanup } from './harness.js';

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name of its own for one test (lower-case, as PostgreSQL folds unquoted names). */
export function testSchema(): string {
  return `parley_test_${toHex(systemRandom(6))}`;
}

/** Drops `schema` with everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A PostgreSQL relay store in a fresh schema, closed and dropped after the test. */
export async function postgresStore(schema = testSchema()): Promise<RelayPostgresStore> {
  const store = await RelayPostgresStore.open({ url: DATABASE_URL, schema });
  onCleanup(async () => {
    await store.close();
    await dropSchema(schema);
  });
  return store;
}
