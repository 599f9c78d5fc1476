/**
 * The PostgreSQL database the tests and the cluster bench use (DATABASE_URL,
 * default the `test` database on 127.0.0.1:5432) and their throwaway schemas.
 * No test-runner import, so bench/ can use it too.
 */
import pg from 'pg';
import { systemRandom, toHex } from '../../src/crypto/index.js';

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
