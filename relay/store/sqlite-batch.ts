/**
 * Group commit on SQLite (spec/relay.md §8.2), for RelaySqliteStore: writes
 * issued in the same event-loop turn run in one transaction (one fsync). A
 * write that may refuse after it has changed something (a cap exceeded) runs
 * in its own savepoint, so it rolls back alone; a write that checks before it
 * changes anything (enqueue, ack) runs bare, and should SQLite itself fail
 * inside it the whole batch rolls back and every write in it is rejected. A
 * write's promise resolves only after the enclosing transaction has committed.
 *
 * A write may be shown its value before the commit (`staged`: an enqueue's
 * eids, so the relay pushes the envelope to a caught-up recipient while the
 * commit runs, §2.3). The commit of a batch with a staged write runs in a
 * process.nextTick queued after the staged callbacks, so whatever they queued
 * for this tick — a socket's uncork, the storage thread's message to the
 * relay's event loop — goes out before the fsync holds this thread. Between
 * the two nothing else runs on this connection: ticks queued earlier only,
 * no I/O callback, no promise reaction, so no read sees the open transaction.
 */
import type Database from 'better-sqlite3';

interface QueuedWrite {
  readonly run: () => unknown;
  /** Runs in its own savepoint (it may throw after changing rows). */
  readonly isolated: boolean;
  /** Shown the write's value once its statements ran, before the commit. */
  readonly staged: ((value: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Outcome {
  readonly ok: boolean;
  readonly value: unknown;
}

/** What the store hears of each batch's end, to keep its in-memory state (totals, eid floors) equal to what is committed. */
export interface BatchEvents {
  /** The batch committed; `failedWrites`: an isolated write in it rolled back with an error that is not a refusal. */
  committed(failedWrites: boolean): void;
  /** The whole batch rolled back: no write in it took effect. */
  rolledBack(): void;
}

/** Thrown out of a bare write to abort the whole batch. */
class BatchAbort {
  constructor(readonly cause: unknown) {}
}

export class SqliteBatcher {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  private readonly st;

  constructor(private readonly db: Database.Database, private readonly events: BatchEvents, private readonly isRefusal: (e: unknown) => boolean) {
    this.st = { begin: db.prepare('BEGIN'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
  }

  /** Queues `run` for the next group commit. */
  write<T>(run: () => T, isolated: boolean, staged?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, isolated, staged: staged as ((value: unknown) => void) | undefined, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.db.inTransaction) return this.schedule(); // a batch's commit is still due (not expected: its tick runs first)
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      this.st.begin.run();
      outcomes = this.runAll(batch);
    } catch (e) {
      this.rollBack();
      return this.fail(batch, e instanceof BatchAbort ? e.cause : e);
    }
    if (!this.stage(batch, outcomes)) return this.commit(batch, outcomes);
    process.nextTick(() => this.commit(batch, outcomes));
  }

  private runAll(batch: readonly QueuedWrite[]): Outcome[] {
    const outcomes: Outcome[] = [];
    for (const w of batch) {
      if (!w.isolated) {
        try {
          outcomes.push({ ok: true, value: w.run() });
        } catch (e) {
          throw new BatchAbort(e);
        }
        continue;
      }
      try {
        outcomes.push({ ok: true, value: this.db.transaction(w.run)() }); // a savepoint inside the batch
      } catch (e) {
        outcomes.push({ ok: false, value: e });
      }
    }
    return outcomes;
  }

  /** Shows the staged writes their values; true when there was one. */
  private stage(batch: readonly QueuedWrite[], outcomes: readonly Outcome[]): boolean {
    let any = false;
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (w.staged === undefined || o?.ok !== true) return;
      any = true;
      try {
        w.staged(o.value);
      } catch {
        // A push ahead of the commit is the caller's best effort; the commit alone decides what is stored.
      }
    });
    return any;
  }

  private commit(batch: readonly QueuedWrite[], outcomes: readonly Outcome[]): void {
    try {
      this.st.commit.run();
    } catch (e) {
      this.rollBack();
      return this.fail(batch, e);
    }
    this.events.committed(outcomes.some((o) => !o.ok && !this.isRefusal(o.value)));
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.ok === true) w.resolve(o.value);
      else w.reject(o?.value);
    });
  }

  private rollBack(): void {
    try {
      if (this.db.inTransaction) this.st.rollback.run();
    } catch {
      // SQLite rolled back itself (a failed COMMIT may end the transaction); nothing of the batch is kept either way.
    }
  }

  private fail(batch: readonly QueuedWrite[], cause: unknown): void {
    this.events.rolledBack();
    for (const w of batch) w.reject(cause);
  }
}
