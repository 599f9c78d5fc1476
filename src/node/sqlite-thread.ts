/**
 * The main thread's end of the SQLite store's worker (sqlite-worker.ts):
 * starts it, sends requests in order and settles each with the worker's
 * reply. While opening, SqliteStore.open is synchronous (its public API), so
 * `callSync` blocks on a shared counter the worker bumps with each reply.
 *
 * A worker that stops without being closed (a crash, an abort in native
 * code) rejects every pending request with StoreError CRASHED — a pending
 * batch may or may not have been applied — and every later one the same:
 * never a silent success.
 *
 * The worker file: beside this module as .js in the built package. In the
 * repository only the .ts source exists: the worker loads it through tsx's
 * CommonJS hook, which works in the thread itself (tsx's ESM hooks answer
 * from another thread and hang while open blocks this one).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { StoreError } from '../store/index.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './sqlite-messages.js';

/** How long open waits for the worker to start and open the database. */
const OPEN_TIMEOUT_MS = 10_000;

type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: StoreError) => void;
}

const require = createRequire(import.meta.url);
// Importing this module fails when better-sqlite3 is not installed, as importing the store did when it loaded the
// addon itself (the CLI names the missing peer); the addon is loaded by the worker only.
require.resolve('better-sqlite3');

function startWorker(data: WorkerData): Worker {
  const js = new URL('./sqlite-worker.js', import.meta.url);
  const transferList = [data.port];
  if (existsSync(js)) return new Worker(js, { workerData: data, transferList });
  const hook = JSON.stringify(require.resolve('tsx/cjs/api'));
  const source = JSON.stringify(fileURLToPath(new URL('./sqlite-worker.ts', import.meta.url)));
  return new Worker(`require(${hook}).register(); require(${source});`, { eval: true, workerData: data, transferList });
}

export class StoreThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #replies: Int32Array;
  readonly #pending = new Map<number, Pending>();
  /** Requests of this turn, posted together at its end (sqlite-messages.ts). */
  #outgoing: WorkerRequest[] = [];
  #nextId = 1;
  #crashed: StoreError | undefined;
  /** The first FAILED reply: the worker fails every later request with it (sqlite-worker.ts). */
  #failed: StoreError | undefined;
  #closing = false;

  constructor(path: string, checkpointEvery: number) {
    const shared = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#replies = new Int32Array(shared);
    this.#worker = startWorker({ path, checkpointEvery, replies: shared, port: port2 });
    // The worker never keeps the app alive by itself; the port does while a request is pending.
    this.#worker.unref();
    this.#port.unref();
    this.#worker.on('error', () => this.#crash());
    this.#worker.on('exit', () => this.#crash());
  }

  /** Sends `request` and blocks until its reply (open only: nothing else is pending then). */
  callSync<T>(request: Request): T {
    const id = this.#nextId++;
    const seen = Atomics.load(this.#replies, 0);
    this.#port.postMessage([{ ...request, id }]);
    for (;;) {
      const received = receiveMessageOnPort(this.#port);
      if (received !== undefined) return settled<T>(received.message as readonly WorkerReply[], id);
      if (Atomics.wait(this.#replies, 0, seen, OPEN_TIMEOUT_MS) === 'timed-out') {
        throw new StoreError('CRASHED', 'the store worker did not answer while opening');
      }
    }
  }

  /** Starts taking replies asynchronously, once open is done. */
  listen(): void {
    this.#port.on('message', (replies: readonly WorkerReply[]) => { for (const reply of replies) this.#settle(reply); });
    this.#port.unref();
  }

  call<T>(request: Request): Promise<T> {
    if (this.#crashed !== undefined) return Promise.reject(this.#crashed);
    const id = this.#nextId++;
    const result = new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    if (this.#pending.size === 1) this.#port.ref();
    this.#outgoing.push({ ...request, id } as WorkerRequest);
    // One post per turn: a burst of sends (or deliveries) is one message to clone and one wake-up of the worker.
    if (this.#outgoing.length === 1) queueMicrotask(() => this.#post());
    return result;
  }

  #post(): void {
    const requests = this.#outgoing;
    this.#outgoing = [];
    if (this.#crashed === undefined) this.#port.postMessage(requests);
  }

  /** Sends close after everything already sent; the worker exits once it has answered. After a crash there is nothing left to close. */
  async close(): Promise<void> {
    if (this.#crashed !== undefined) return;
    const closed = this.call<void>({ op: 'close' });
    this.#closing = true;
    try {
      await closed;
    } finally {
      await this.#worker.terminate();
    }
  }

  /** Stops the worker without closing the database (a failed open: the thread's exit releases the lock). */
  terminate(): Promise<number> {
    this.#closing = true;
    return this.#worker.terminate();
  }

  /** Why every later request will fail (the worker stopped, or a batch failed), as far as this thread has heard. */
  get failure(): StoreError | undefined {
    return this.#crashed ?? this.#failed;
  }

  /** For tests: the worker, to make it fail. */
  get worker(): Worker {
    return this.#worker;
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#port.unref();
    if (reply.ok) {
      pending.resolve(reply.value);
      return;
    }
    const error = new StoreError(reply.failure.code, reply.failure.message);
    if (error.code === 'FAILED') this.#failed ??= error;
    pending.reject(error);
  }

  #crash(): void {
    // Replies already queued on the port were sent before the exit: take them first.
    for (let r = receiveMessageOnPort(this.#port); r !== undefined; r = receiveMessageOnPort(this.#port)) {
      for (const reply of r.message as readonly WorkerReply[]) this.#settle(reply);
    }
    this.#crashed ??= new StoreError(this.#closing ? 'CLOSED' : 'CRASHED', this.#closing ? 'the store is closed' : 'the store worker stopped: pending writes may or may not be applied; reopen the store');
    for (const pending of this.#pending.values()) pending.reject(this.#crashed);
    this.#pending.clear();
    this.#port.unref();
  }
}

function settled<T>(replies: readonly WorkerReply[], id: number): T {
  const reply = replies[0];
  if (replies.length !== 1 || reply?.id !== id) throw new StoreError('CRASHED', 'the store worker answered out of order');
  if (!reply.ok) throw new StoreError(reply.failure.code, reply.failure.message);
  return reply.value as T;
}
