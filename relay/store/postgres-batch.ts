/**
 * Group commit on PostgreSQL (spec/relay.md §8.3): writes issued in the same
 * event-loop turn run in one transaction, one commit. As in the SQLite store,
 * a write that may refuse after changing rows runs in its own savepoint and
 * rolls back alone; a write that checks before it changes anything runs
 * bare, and if the database fails inside it the whole batch rolls back and
 * every write in it is rejected — nothing is acknowledged that was not
 * committed.
 *
 * Several nodes write the same rows, so a batch can lose a deadlock or a
 * serialization race to another node's; PostgreSQL then aborts it whole, and
 * the batch is run again from the start (every write is a function of the
 * database state, so re-running it is safe).
 */
import type { Pool, PoolClient } from 'pg';
import { RelayError } from '../errors.js';

/** What a write runs its statements through: one transaction's connection. */
export type Sql = <R = Record<string, unknown>>(text: string, values?: readonly unknown[]) => Promise<R[]>;

interface QueuedWrite {
  readonly run: (sql: Sql) => Promise<unknown>;
  readonly isolated: boolean;
  /** Shown the write's value before the first attempt's COMMIT (an enqueue's eids, spec/relay.md §2.3). */
  readonly staged: ((value: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/** PostgreSQL errors after which the same batch may succeed: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/** Thrown out of a bare write to abort the whole batch. */
class BatchAbort {
  constructor(readonly cause: unknown) {}
}

const isRetryable = (e: unknown): boolean => RETRYABLE.has((e as { code?: string } | undefined)?.code ?? '');

/** A database that cannot be reached is UNAVAILABLE on the wire; nothing was stored (relay.md §6). */
export function storeFailure(e: unknown): unknown {
  if (e instanceof RelayError) return e;
  const code = (e as { code?: string } | undefined)?.code ?? '';
  const unreachable = code.startsWith('08') || code === '57P01' || code === '57P03'
    || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)
    || /Connection terminated|connection timeout|Client has encountered a connection error/i.test(String((e as Error)?.message));
  return unreachable ? new RelayError('UNAVAILABLE', 'relay store unavailable') : e;
}

/** Shows the staged writes their values before the COMMIT; a callback's failure never fails the batch. */
function stage(batch: readonly QueuedWrite[], outcomes: ReadonlyArray<{ ok: boolean; value: unknown }>): void {
  batch.forEach((w, i) => {
    const o = outcomes[i];
    if (w.staged === undefined || o?.ok !== true) return;
    try {
      w.staged(o.value);
    } catch {
      // A push ahead of the commit is the caller's best effort; the commit alone decides what is stored.
    }
  });
}

export class PostgresBatcher {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  /**
   * One batch at a time per node: writes queue up while a batch commits and go together in the next
   * (group commit under load). Two batches of one node in flight at once would lock the same rows in
   * different orders (an enqueue's usage rows, another batch's acks) and deadlock each other, each
   * deadlock costing PostgreSQL's deadlock_timeout (1 s) before the retry.
   */
  private committing = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly pool: Pool) {}

  write<T>(run: (sql: Sql) => Promise<T>, isolated: boolean, staged?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, isolated, staged: staged as ((value: unknown) => void) | undefined, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.committing || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves when every write queued so far has settled. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.queue.length > 0 && !this.scheduled) this.flush();
      await Promise.allSettled([...this.inFlight]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.committing) return; // the running batch schedules the next when it ends
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.committing = true;
    const done = this.commit(batch).finally(() => {
      this.inFlight.delete(done);
      this.committing = false;
      this.schedule();
    });
    this.inFlight.add(done);
  }

  private async commit(batch: QueuedWrite[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      for (const w of batch) w.reject(storeFailure(e));
      return;
    }
    let broken = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const outcomes = await this.attempt(client, batch, attempt === 1);
          batch.forEach((w, i) => (outcomes[i]?.ok === true ? w.resolve(outcomes[i]?.value) : w.reject(outcomes[i]?.value)));
          return;
        } catch (e) {
          const cause = e instanceof BatchAbort ? e.cause : e;
          if (attempt < MAX_ATTEMPTS && isRetryable(cause)) continue;
          broken = storeFailure(cause) !== cause;
          for (const w of batch) w.reject(storeFailure(cause));
          return;
        }
      }
    } finally {
      client.release(broken);
    }
  }

  /**
   * One try at the batch; throws (after ROLLBACK) when the whole batch must fail or be retried. Only the
   * first try shows staged values: a retry may assign other eids (another node took the first ones), which
   * the relay sees as a push ahead that did not commit as pushed.
   */
  private async attempt(client: PoolClient, batch: readonly QueuedWrite[], first: boolean): Promise<Array<{ ok: boolean; value: unknown }>> {
    const sql: Sql = async (text, values) => (await client.query(text, values as unknown[])).rows;
    await client.query('BEGIN');
    try {
      const outcomes: Array<{ ok: boolean; value: unknown }> = [];
      for (const w of batch) outcomes.push(await this.runOne(client, sql, w));
      if (first) stage(batch, outcomes);
      await client.query('COMMIT');
      return outcomes;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private async runOne(client: PoolClient, sql: Sql, w: QueuedWrite): Promise<{ ok: boolean; value: unknown }> {
    if (!w.isolated) {
      try {
        return { ok: true, value: await w.run(sql) };
      } catch (e) {
        throw new BatchAbort(e);
      }
    }
    await client.query('SAVEPOINT w');
    try {
      const value = await w.run(sql);
      await client.query('RELEASE SAVEPOINT w');
      return { ok: true, value };
    } catch (e) {
      if (isRetryable(e)) throw new BatchAbort(e);
      await client.query('ROLLBACK TO SAVEPOINT w');
      return { ok: false, value: e };
    }
  }
}
