/**
 * The random-operations property across three relay nodes (spec/relay.md
 * §8.3–§8.4): one PostgreSQL schema, one Redis prefix, a round-robin TCP
 * balancer in front — every connect, reconnect and restart of a client may
 * land on another node. Every message still reaches exactly its intended
 * recipients, once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DATABASE_URL, dropSchema, testSchema } from '../relay/postgres.js';
import { deleteKeys, REDIS_URL } from '../relay/redis.js';
import { startBalancer, type Balancer } from './balancer.js';
import { startRelayProcess, tempDir, type RelayProcess } from './helpers.js';
import { randomOpsProperty } from './random-ops-property.js';

const tmp = tempDir('parley-cluster-');
const schema = testSchema();
const prefix = `parley_test_cluster_${schema.slice(-12)}`;
let nodes: RelayProcess[] = [];
let balancer: Balancer;

beforeAll(async () => {
  const flags = ['--store', DATABASE_URL, '--postgres-schema', schema, '--redis', REDIS_URL, '--redis-prefix', prefix];
  // Started one after another: the first applies the schema's migrations, the others find them done.
  for (let i = 0; i < 3; i++) nodes.push(await startRelayProcess(join(tmp.dir, `node${i}`), undefined, flags));
  balancer = await startBalancer(nodes.map((n) => n.port));
}, 60_000);

afterAll(async () => {
  await balancer?.close();
  for (const n of nodes) await n.stop();
  nodes = [];
  await dropSchema(schema);
  await deleteKeys(REDIS_URL, prefix);
  tmp.remove();
});

describe('random operations across three relay nodes (property)', () => {
  it('every message reaches every intended recipient exactly once and nobody else, whichever node each client lands on', async () => {
    await randomOpsProperty(() => balancer.url, tmp.dir);
  }, 120_000);
});
