/**
 * Budgets shared by several relay nodes, in Redis (spec/relay.md §8.4). Each
 * bucket is a hash `{ t: tokens, l: last refill ms }` updated by one Lua
 * script, so a check-and-take over several buckets is atomic across nodes.
 * A bucket expires once it would have refilled completely — a forgotten
 * bucket is a full one — so Redis holds nothing that cannot be rebuilt: after
 * a Redis restart every budget starts full.
 *
 * While Redis cannot be reached, the node falls back to its own in-memory
 * budgets (per node, as with one node) and says so in its log; nothing waits
 * on Redis, and nothing acknowledged depends on it.
 */
import { createClient } from '@redis/client';
import type { Logger } from 'pino';
import { LocalLimiter, type BudgetRef, type BudgetShapes, type Limiter } from './limiter.js';

/**
 * KEYS: the buckets. ARGV: now (ms), cost, mode ('all' or 'each'), then rate and burst per key.
 * 'all' returns { the ms until every bucket could pay, 0 if all were charged }; 'each' returns one wait per key.
 */
const SCRIPT = `
local now, cost, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local function refilled(i)
  local rate, burst = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local h = redis.call('HMGET', KEYS[i], 't', 'l')
  local t, l = tonumber(h[1]) or burst, tonumber(h[2]) or now
  if now > l then t = math.min(burst, t + (now - l) / 1000 * rate); l = now end
  local wait = 0
  if t < cost then wait = math.max(1, math.ceil((cost - t) / rate * 1000)) end
  return t, l, wait, rate, burst
end
local function store(i, t, l, rate, burst)
  redis.call('HSET', KEYS[i], 't', tostring(t), 'l', tostring(l))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - t) / rate * 1000) + 1000)
end
if mode == 'each' then
  local waits = {}
  for i = 1, #KEYS do
    local t, l, wait, rate, burst = refilled(i)
    if wait == 0 then t = t - cost end
    store(i, t, l, rate, burst)
    waits[i] = wait
  end
  return waits
end
local worst = 0
for i = 1, #KEYS do
  local _, _, wait = refilled(i)
  if wait > worst then worst = wait end
end
if worst == 0 then
  for i = 1, #KEYS do
    local t, l, _, rate, burst = refilled(i)
    store(i, t - cost, l, rate, burst)
  end
end
return { worst }
`;

/** How long a command may take before the node treats Redis as unavailable for it. */
const COMMAND_TIMEOUT_MS = 1000;

function redisClient(url: string) {
  return createClient({
    url, disableOfflineQueue: true,
    socket: { connectTimeout: COMMAND_TIMEOUT_MS, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) },
  });
}

type Client = ReturnType<typeof redisClient>;

export class RedisLimiter implements Limiter {
  private reachable = true;

  private constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly shapes: BudgetShapes,
    private readonly fallback: LocalLimiter,
    private readonly log: Logger,
  ) {}

  /** Connects (failing start if Redis cannot be reached then) and returns the limiter. */
  static async open(url: string, prefix: string, shapes: BudgetShapes, maxKeys: number, log: Logger): Promise<RedisLimiter> {
    const client = redisClient(url);
    client.on('error', () => { /* reported per command through the fallback */ });
    await client.connect();
    return new RedisLimiter(client, prefix, shapes, new LocalLimiter(shapes, maxKeys), log);
  }

  private async run(refs: readonly BudgetRef[], cost: number, mode: 'all' | 'each', now: number): Promise<number[]> {
    const keys = refs.map((r) => `${this.prefix}:${r.table}:${r.key}`);
    const args = [String(now), String(cost), mode, ...refs.flatMap((r) => [String(this.shapes[r.table].rate), String(this.shapes[r.table].burst)])];
    const reply = await Promise.race([
      this.client.eval(SCRIPT, { keys, arguments: args }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis command timeout')), COMMAND_TIMEOUT_MS).unref()),
    ]);
    this.markReachable(true);
    return (reply as unknown[]).map(Number);
  }

  private markReachable(up: boolean): void {
    if (up === this.reachable) return;
    this.reachable = up;
    if (up) this.log.warn('redis reachable again: budgets are shared across nodes');
    else this.log.warn('redis unreachable: budgets are per node until it is back');
  }

  async takeAll(refs: readonly BudgetRef[], cost: number, now: number): Promise<number> {
    try {
      return (await this.run(refs, cost, 'all', now))[0] ?? 0;
    } catch {
      this.markReachable(false);
      return this.fallback.takeAll(refs, cost, now);
    }
  }

  async takeEach(refs: readonly BudgetRef[], now: number): Promise<number[]> {
    if (refs.length === 0) return [];
    try {
      return await this.run(refs, 1, 'each', now);
    } catch {
      this.markReachable(false);
      return this.fallback.takeEach(refs, now);
    }
  }

  prune(now: number): void {
    this.fallback.prune(now);
  }

  sizes(): Readonly<Record<string, number>> {
    return this.fallback.sizes();
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
