/**
 * PostgreSQL for the relay tests: DATABASE_URL (default the `test` database on
 * 127.0.0.1:5432), a throwaway schema per store, dropped after the test.
 * Never skipped: CI runs PostgreSQL, and a missing server fails the test.
 */
import { RelayPostgresStore } from '../../relay/store/postgres.js';
import { onCleanup } from './harness.js';
import { dropSchema, DATABASE_URL, testSchema } from './postgres-schema.js';

export { DATABASE_URL, dropSchema, testSchema } from './postgres-schema.js';

/** A PostgreSQL relay store in a fresh schema, closed and dropped after the test. */
export async function postgresStore(schema = testSchema()): Promise<RelayPostgresStore> {
  const store = await RelayPostgresStore.open({ url: DATABASE_URL, schema });
  onCleanup(async () => {
    await store.close();
    await dropSchema(schema);
  });
  return store;
}
