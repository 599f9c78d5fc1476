/**
 * The relay's SQLite storage thread (spec/relay.md §8.2): a RelaySqliteStore
 * run in a worker_threads Worker, so its commits' fsyncs never hold the relay's
 * event loop. Started by relay/store/sqlite-thread.ts; a second entry of the
 * parley-relay bundle (scripts/build-packages.mjs).
 *
 * Group commit comes from this thread's own event loop: RelaySqliteStore puts
 * the writes of one turn in one transaction, and the calls that arrive while a
 * commit is in its fsync are delivered together on the next turn, so they form
 * the next transaction. A call's reply is posted only once its transaction has
 * committed; replies of one turn go back in one message. An enqueue's staged
 * results (spec/relay.md §2.3) are posted before its transaction commits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Bytes } from '../../src/crypto/index.js';
import { RelaySqliteStore } from './sqlite.js';
import { encodeFailure, type ThreadCall, type ThreadOptions, type ThreadReady, type ThreadReply } from './sqlite-thread-protocol.js';
import type { RelayStore } from './types.js';

/**
 * Runs one call on the store; `secret` receives the relay's candidate value in place of its function, and
 * an enqueue asked for its staged results gets a callback that reports them.
 */
function invoke(store: RelayStore, c: ThreadCall, staged: (r: ThreadReply) => void): Promise<unknown> {
  if (c.method === 'secret') return store.secret(() => c.args[0] as Bytes);
  if (c.method === 'enqueue' && c.staged === true) {
    const [data, expiresAt, recipients, quota] = c.args as Parameters<RelayStore['enqueue']>;
    return store.enqueue(data, expiresAt, recipients, quota, (results) => staged({ id: c.id, staged: results }));
  }
  const method = store[c.method] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(store, [...c.args]);
}

/**
 * Staged results leave in a process.nextTick: the store calls `staged` during its batch and queues its
 * commit in a tick after that (sqlite-batch.ts), so they are posted before the commit's fsync starts.
 */
function stagedSender(port: NonNullable<typeof parentPort>): (r: ThreadReply) => void {
  let staged: ThreadReply[] = [];
  const post = (): void => {
    port.postMessage(staged);
    staged = [];
  };
  return (r) => {
    if (staged.push(r) === 1) process.nextTick(post);
  };
}

function serve(port: NonNullable<typeof parentPort>, store: RelayStore): void {
  let replies: ThreadReply[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    port.postMessage(replies);
    replies = [];
  };
  const reply = (r: ThreadReply): void => {
    replies.push(r);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const staged = stagedSender(port);
  port.on('message', (calls: readonly ThreadCall[]) => {
    for (const c of calls) {
      invoke(store, c, staged).then(
        (value) => reply({ id: c.id, ok: true, value }),
        (e: unknown) => reply({ id: c.id, ok: false, error: encodeFailure(e) }),
      );
    }
  });
}

function start(): void {
  const port = parentPort;
  if (port === null) throw new Error('relay/store/sqlite-worker.ts runs as a worker thread only');
  const options = workerData as ThreadOptions;
  let store: RelaySqliteStore;
  try {
    store = new RelaySqliteStore(options.dir, options.sync);
  } catch (e) {
    // Opening failed (unreadable file, a newer schema): the message says which, with no data in it.
    port.postMessage({ ready: false, message: e instanceof Error ? e.message : String(e) } satisfies ThreadReady);
    port.close();
    return;
  }
  port.postMessage({ ready: true } satisfies ThreadReady);
  serve(port, store);
}

start();
