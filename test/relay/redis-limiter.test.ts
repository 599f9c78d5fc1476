/** Budgets shared through Redis (relay.md §8.4): one budget across nodes, independent buckets, Redis outages fall back per node. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { budgetShapes } from '../../relay/limiter.js';
import { RedisLimiter } from '../../relay/redis-limiter.js';
import { DEFAULT_LIMITS } from '../../relay/config.js';
import { onCleanup } from './harness.js';
import { privateRedis, REDIS_URL, testPrefix } from './redis.js';

const quiet = pino({ level: 'silent' });
const shapes = budgetShapes({ ...DEFAULT_LIMITS, addressRate: 0.001, addressBurst: 10, mailboxRate: 0.001, mailboxBurst: 2 });

async function limiter(url: string, prefix: string): Promise<RedisLimiter> {
  const l = await RedisLimiter.open(url, prefix, shapes, 1000, quiet);
  onCleanup(() => l.close());
  return l;
}

describe('redis limiter', () => {
  it('two nodes share one budget: 30 requests alternating between them get 10 units in all', async () => {
    const prefix = testPrefix();
    const [a, b] = [await limiter(REDIS_URL, prefix), await limiter(REDIS_URL, prefix)];
    const now = Date.now();
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) waits.push(await (i % 2 === 0 ? a : b).takeAll([{ table: 'address', key: '198.51.100.1' }], 1, now));
    expect(waits.filter((w) => w === 0)).toHaveLength(10);
    expect(waits.filter((w) => w > 0).every((w) => w >= 1)).toBe(true);
  });

  it('takes all or nothing over several buckets, and each bucket on its own with takeEach', async () => {
    const l = await limiter(REDIS_URL, testPrefix());
    const now = Date.now();
    const both = [{ table: 'mailbox', key: 'm1' }, { table: 'address', key: 'x' }] as const;
    expect(await l.takeAll(both, 2, now)).toBe(0); // mailbox 2 → 0, address 10 → 8
    expect(await l.takeAll(both, 1, now)).toBeGreaterThan(0); // mailbox empty: nothing taken from address either
    expect(await l.takeAll([{ table: 'address', key: 'x' }], 8, now)).toBe(0);
    const each = await l.takeEach([{ table: 'mailbox', key: 'm2' }, { table: 'mailbox', key: 'm2' }, { table: 'mailbox', key: 'm2' }, { table: 'mailbox', key: 'm3' }], now);
    expect(each.map((w) => w === 0)).toEqual([true, true, false, true]);
  });

  it('falls back to per-node budgets while Redis is down, and shares again once it is back', async () => {
    const redis = await privateRedis();
    const l = await limiter(redis.url, testPrefix(redis.url));
    const now = Date.now();
    expect(await l.takeAll([{ table: 'address', key: 'y' }], 10, now)).toBe(0);
    expect(await l.takeAll([{ table: 'address', key: 'y' }], 1, now)).toBeGreaterThan(0);
    await redis.kill();
    expect(await l.takeAll([{ table: 'address', key: 'y' }], 1, now)).toBe(0); // the fallback's own full bucket: answered, never hung
    await redis.start();
    let shared = -1;
    for (let i = 0; i < 100 && shared !== 0; i++) { // reconnecting; a fresh Redis holds a full bucket again
      await new Promise((resolve) => setTimeout(resolve, 50));
      shared = await l.takeAll([{ table: 'address', key: 'z' }], 10, now);
    }
    expect(shared).toBe(0);
    expect(await l.takeAll([{ table: 'address', key: 'z' }], 1, now)).toBeGreaterThan(0); // …and it is Redis's bucket, not the fallback's
  });
});
