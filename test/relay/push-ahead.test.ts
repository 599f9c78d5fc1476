/**
 * Pushing ahead of the commit (relay.md §2.3): a caught-up recipient gets an
 * envelope while its commit runs, the sender's `ok` waits for the commit, an
 * ack that arrives first is applied after it, and a commit that fails after
 * the push loses nothing acknowledged and resurrects nothing: the sender gets
 * an error, the recipient's connection closes with 1011, its ack is dropped,
 * and the eid never names another envelope. The last case is a relay process
 * on PostgreSQL whose COMMIT really fails (a deferred trigger), where the
 * failed eid is given to the next envelope.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Bytes } from '../../src/crypto/index.js';
import { CLOSE_NOT_STORED } from '../../relay/close-codes.js';
import { RelayMemoryStore } from '../../relay/store/memory.js';
import { RelaySqliteStore } from '../../relay/store/sqlite.js';
import type { EnqueueResult, Quota, Recipient, RelayStore, StagedEnqueue } from '../../relay/store/types.js';
import { RelayRefusal, type TestClient } from './client.js';
import { bytesOf, connect, login, onCleanup, relay, tempDir, textOf, until } from './harness.js';
import { DATABASE_URL, dropSchema, testSchema } from './postgres.js';
import { spawnRelay, UNTHROTTLED as PROCESS_UNTHROTTLED } from './process.js';

/** A memory store whose commits the test holds, then lets through or fails (rolling the enqueue back). */
class HeldCommits {
  readonly inner = new RelayMemoryStore();
  hold = false;
  readonly held: Array<(outcome: 'commit' | 'fail') => void> = [];
  readonly store: RelayStore;

  constructor() {
    const enqueue = this.enqueue.bind(this);
    this.store = new Proxy(this.inner, {
      get: (target, key) => {
        if (key === 'enqueue') return enqueue;
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private async enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]> {
    const results = await this.inner.enqueue(data, expiresAt, recipients, quota, staged);
    if (!this.hold) return results;
    const outcome = await new Promise<'commit' | 'fail'>((resolve) => this.held.push(resolve));
    if (outcome === 'commit') return results;
    // The commit failed: nothing of it is stored (the memory store's eids never go back, as SQLite's).
    await Promise.all(results.map((r, i) => (r.ok ? this.inner.ack((recipients[i] as Recipient).mailbox, [r.eid]) : 0)));
    throw new Error('injected commit failure');
  }

  /** Settles the oldest held commit. */
  settle(outcome: 'commit' | 'fail'): void {
    this.held.shift()?.(outcome);
  }
}

/** Budgets out of the way: these tests send hundreds of envelopes at once. */
const UNTHROTTLED = { connectionRate: 1e6, connectionBurst: 1e6, addressRate: 1e6, addressBurst: 1e6, mailboxRate: 1e6, mailboxBurst: 1e6 };

async function pair(store: RelayStore): Promise<{ url: string; bob: TestClient; alice: TestClient; ref: { mailbox: Bytes; token: Bytes } }> {
  const r = await relay({ store, limits: UNTHROTTLED });
  const bob = await login(r.url);
  const ref = await bob.invite();
  return { url: r.url, bob, alice: await connect(r.url), ref };
}

const refusalOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e instanceof RelayRefusal ? e.code : String(e)));

describe('relay: pushing ahead of the commit', () => {
  it('a caught-up recipient gets the envelope while the commit is held; the sender\'s ok and an early ack wait for the commit', async () => {
    const h = new HeldCommits();
    const { url, bob, alice, ref } = await pair(h.store);
    h.hold = true;
    let answered = false;
    const sent = alice.request({ type: 'send', ...ref, data: bytesOf('x') }).then(() => { answered = true; });
    const [x] = await bob.waitFor('deliver');
    expect(textOf(x!.data)).toBe('x');
    await until(() => h.held.length === 1);
    expect(answered).toBe(false);
    let acked = false;
    const ack = bob.request({ type: 'ack', ids: [x!.eid] }).then(() => { acked = true; });
    // The ack reached the relay (its next request is answered) but the delete waits for the insert.
    await bob.request({ type: 'counts' });
    expect(acked).toBe(false);
    await expect(h.inner.stats()).resolves.toMatchObject({ deliveries: 1 });
    h.settle('commit');
    await sent;
    await ack;
    await expect(h.inner.stats()).resolves.toMatchObject({ deliveries: 0 });
    // Not resurrected: a new connection gets only what is sent next.
    bob.close();
    h.hold = false;
    const bob2 = await login(url, bob.identity);
    await alice.request({ type: 'send', ...ref, data: bytesOf('after') });
    const [next] = await bob2.waitFor('deliver');
    expect(textOf(next!.data)).toBe('after');
    expect(next!.eid).toBeGreaterThan(x!.eid);
  });

  it('a commit that fails after the push: the sender gets an error, the recipient is closed with 1011 and its ack is dropped, nothing acknowledged is lost', async () => {
    const h = new HeldCommits();
    const { url, bob, alice, ref } = await pair(h.store);
    await alice.request({ type: 'send', ...ref, data: bytesOf('kept') });
    await bob.waitFor('deliver');
    h.hold = true;
    const failed = refusalOf(alice.request({ type: 'send', ...ref, data: bytesOf('lost') }));
    const [, x] = await bob.waitFor('deliver', 2);
    expect(textOf(x!.data)).toBe('lost');
    const ack = refusalOf(bob.request({ type: 'ack', ids: [x!.eid] }));
    await until(() => h.held.length === 1);
    h.settle('fail');
    await expect(failed).resolves.toBe('INTERNAL');
    await expect(bob.closed).resolves.toMatchObject({ code: CLOSE_NOT_STORED });
    expect(['ok', 'CLOSED']).toContain(await ack);
    h.hold = false;
    await alice.request({ type: 'send', ...ref, data: bytesOf('next') });
    const bob2 = await login(url, bob.identity);
    const got = await bob2.waitFor('deliver', 2);
    expect(got.map((d) => textOf(d.data))).toEqual(['kept', 'next']);
    expect(got[1]!.eid).toBeGreaterThan(x!.eid);
    await expect(h.inner.stats()).resolves.toMatchObject({ deliveries: 2 });
  });

  it('a fan-out whose commit fails closes every recipient it was pushed to, and the request is refused', async () => {
    const h = new HeldCommits();
    const r = await relay({ store: h.store });
    const bob = await login(r.url);
    const carol = await login(r.url);
    const to = [await bob.invite(), await carol.invite()];
    const alice = await connect(r.url);
    h.hold = true;
    const failed = refusalOf(alice.request({ type: 'fanout', to, data: bytesOf('both') }));
    await bob.waitFor('deliver');
    await carol.waitFor('deliver');
    await until(() => h.held.length === 1);
    h.settle('fail');
    await expect(failed).resolves.toBe('INTERNAL');
    await expect(bob.closed).resolves.toMatchObject({ code: CLOSE_NOT_STORED });
    await expect(carol.closed).resolves.toMatchObject({ code: CLOSE_NOT_STORED });
    await expect(h.inner.stats()).resolves.toMatchObject({ deliveries: 0, envelopes: 0 });
  });

  it('SQLite: the eid of a failed commit is never given to the next envelope, so a stale ack of it deletes nothing', async () => {
    const store = new RelaySqliteStore(tempDir());
    // Fail the next COMMIT, as a full or failing disk would (the batch is rolled back by SQLite's ROLLBACK).
    const st = (store as unknown as { batcher: { st: { commit: { run(): unknown } } } }).batcher.st;
    const commit = st.commit;
    let failNext = false;
    st.commit = { run: () => {
      if (!failNext) return commit.run();
      failNext = false;
      throw new Error('injected commit failure');
    } };
    const { url, bob, alice, ref } = await pair(store);
    await alice.request({ type: 'send', ...ref, data: bytesOf('kept') });
    await bob.waitFor('deliver');
    // A connection still reading its mailbox (the pump after 'kept', slow under load) is not pushed ahead,
    // and the failed eid leaves its cursor behind the next one until it reads again: deliver one more
    // envelope and fail another commit, until one failed envelope was pushed ahead.
    const kept = ['kept'];
    let x: { eid: number; data: Bytes } | undefined;
    for (let attempt = 1; x === undefined; attempt++) {
      expect(attempt).toBeLessThanOrEqual(3);
      if (attempt > 1) {
        kept.push(`kept ${attempt}`);
        await alice.request({ type: 'send', ...ref, data: bytesOf(kept.at(-1)!) });
        await bob.waitFor('deliver', kept.length);
      }
      failNext = true;
      await expect(refusalOf(alice.request({ type: 'send', ...ref, data: bytesOf(`lost ${attempt}`) }))).resolves.toBe('INTERNAL');
      await refusalOf(bob.request({ type: 'counts' })); // answered, or closed by the failure, after any push written before it
      x = bob.deliveries().find((d) => textOf(d.data) === `lost ${attempt}`);
    }
    await expect(bob.closed).resolves.toMatchObject({ code: CLOSE_NOT_STORED });
    await alice.request({ type: 'send', ...ref, data: bytesOf('next') });
    const bob2 = await login(url, bob.identity);
    const got = await bob2.waitFor('deliver', kept.length + 1);
    expect(got.map((d) => textOf(d.data))).toEqual([...kept, 'next']);
    expect(got.at(-1)!.eid).toBeGreaterThan(x.eid);
    // An ack of the failed eid on a later connection (a client retrying it there) deletes nothing.
    await bob2.request({ type: 'ack', ids: [x.eid] });
    await expect(store.stats()).resolves.toMatchObject({ deliveries: kept.length + 1 });
  });

  it('a recipient that is still reading its backlog is not pushed ahead: it gets every envelope once, in eid order', async () => {
    const h = new HeldCommits();
    const { url, bob, alice, ref } = await pair(h.store);
    bob.close();
    for (let i = 0; i < 300; i++) await alice.request({ type: 'send', ...ref, data: bytesOf(`b${i}`) });
    const bob2 = await login(url, bob.identity);
    const sends = Array.from({ length: 50 }, (_, i) => alice.request({ type: 'send', ...ref, data: bytesOf(`n${i}`) }));
    await Promise.all(sends);
    const got = await bob2.waitFor('deliver', 350);
    const eids = got.map((d) => d.eid);
    expect([...eids].sort((a, b) => a - b)).toEqual(eids);
    expect(new Set(eids).size).toBe(350);
    expect(got.map((d) => textOf(d.data))).toEqual([...Array.from({ length: 300 }, (_, i) => `b${i}`), ...Array.from({ length: 50 }, (_, i) => `n${i}`)]);
  });
});

/** Envelopes starting with these bytes wait at COMMIT for the test's advisory lock, then fail it (a deferred constraint trigger). */
const FAIL_MARK = 'FAIL';

/** Installs the trigger in the relay's schema: a real commit failure, after the relay has pushed the envelope ahead. */
async function failingCommits(admin: pg.Client, schema: string, lock: number): Promise<void> {
  await admin.query(`CREATE FUNCTION ${schema}.held_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(${lock});
      RAISE EXCEPTION 'injected commit failure';
    END $$`);
  await admin.query(`CREATE CONSTRAINT TRIGGER held_commit AFTER INSERT ON ${schema}.envelopes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (substring(NEW.data from 1 for 4) = '\\x${Buffer.from(FAIL_MARK).toString('hex')}'::bytea)
    EXECUTE FUNCTION ${schema}.held_commit()`);
}

async function framesIn(metricsUrl: string, type: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`parley_relay_frames_in_total{type="${type}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Whether the relay's COMMIT waits for the test's advisory lock: its staged pushes were written before it. */
async function commitWaits(admin: pg.Client, lock: number): Promise<boolean> {
  const { rows } = await admin.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1", [lock]);
  return Number(rows[0]?.n) > 0;
}

/**
 * Sends a FAIL envelope whose COMMIT waits for `lock`, until one was pushed ahead to `bob`; returns with
 * the lock held. A connection still reading its mailbox (the pump after 'kept', slow under load) is not
 * pushed ahead: that try's commit is let fail, and the next try finds the connection caught up.
 */
async function failPushedAhead(admin: pg.Client, lock: number, alice: TestClient, bob: TestClient, ref: { mailbox: Bytes; token: Bytes }):
  Promise<{ failed: Promise<string>; x: { eid: number; data: Bytes } }> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await admin.query('SELECT pg_advisory_lock($1)', [lock]);
    const failed = refusalOf(alice.request({ type: 'send', ...ref, data: bytesOf(`${FAIL_MARK} lost ${attempt}`) }));
    await until(() => commitWaits(admin, lock));
    await bob.request({ type: 'counts' }); // answered on bob's socket after any push written before the COMMIT
    const x = bob.deliveries().find((d) => textOf(d.data) === `${FAIL_MARK} lost ${attempt}`);
    if (x !== undefined) return { failed, x };
    await admin.query('SELECT pg_advisory_unlock($1)', [lock]);
    await expect(failed).resolves.toBe('INTERNAL');
  }
  throw new Error('no FAIL envelope was pushed ahead in 3 tries');
}

describe('relay process on PostgreSQL: a commit that fails after the push', () => {
  it('the sender gets an error, the recipient is closed with 1011, and its early ack never deletes the envelope that reuses the eid', async () => {
    const schema = testSchema();
    onCleanup(() => dropSchema(schema));
    const proc = await spawnRelay(tempDir(), [...PROCESS_UNTHROTTLED, '--store', DATABASE_URL, '--postgres-schema', schema]);
    onCleanup(async () => { proc.child.kill('SIGKILL'); await proc.exited; });
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    onCleanup(() => admin.end());
    const lock = Math.floor(Math.random() * 1e9);
    await failingCommits(admin, schema, lock);
    const bob = await login(proc.url);
    const ref = await bob.invite();
    const alice = await connect(proc.url);
    await alice.request({ type: 'send', ...ref, data: bytesOf('kept') });
    await bob.waitFor('deliver');

    const { failed, x } = await failPushedAhead(admin, lock, alice, bob, ref);
    // The next envelope queues behind the held batch; PostgreSQL will give it the failed one's eid.
    const next = alice.request({ type: 'send', ...ref, data: bytesOf('next') });
    await alice.request({ type: 'ephemeral', ...ref, data: bytesOf('-') }); // 'next' has passed its token check meanwhile
    const ack = refusalOf(bob.request({ type: 'ack', ids: [x.eid] }));
    await until(async () => (await framesIn(proc.metricsUrl, 'ack')) >= 1);
    await admin.query('SELECT pg_advisory_unlock($1)', [lock]);

    await expect(failed).resolves.toBe('INTERNAL');
    await expect(bob.closed).resolves.toMatchObject({ code: CLOSE_NOT_STORED });
    expect(['ok', 'CLOSED']).toContain(await ack);
    await next;
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.deliveries`);
    expect(Number(rows[0]?.n)).toBe(2); // 'kept' and 'next': the early ack of the failed eid deleted nothing
    const bob2 = await login(proc.url, bob.identity);
    const got = await bob2.waitFor('deliver', 2);
    expect(got.map((d) => textOf(d.data))).toEqual(['kept', 'next']);
  });
});
