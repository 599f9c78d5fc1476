/**
 * The SQLite RelayStore off the event loop (spec/relay.md §8.2), with
 * `--sqlite-thread on` (sqliteThread): RelaySqliteStore runs in a storage thread
 * (relay/store/sqlite-worker.ts) and this class is its proxy on the relay's
 * event loop, which never waits for a disk. Same contract: a write's promise
 * resolves once the thread's transaction holding it has committed (fsynced
 * with synchronous=FULL), never before.
 *
 * Calls of one event-loop turn go to the thread in one message. Token checks
 * that hit the cache of held tokens are answered here without a round trip;
 * a revoke or a replacement drops its pair here when it is issued, and a check
 * that was in flight across one never fills the cache.
 *
 * Should the thread fail (an uncaught error, an exit the relay did not ask
 * for), every call in flight and every later call is rejected with
 * UNAVAILABLE: nothing is acknowledged that the thread did not report stored.
 */
import { Worker } from 'node:worker_threads';
import type { Bytes } from '../../src/crypto/index.js';
import { RelayError } from '../errors.js';
import {
  decodeFailure, detach, type ThreadCall, type ThreadMethod, type ThreadOptions, type ThreadReady, type ThreadReply,
} from './sqlite-thread-protocol.js';
import { TokenCache } from './token-cache.js';
import { workerEntry } from '../worker-entry.js';
import type {
  EnqueueResult, LinkCaps, LinkMessage, LinkQuota, LinkSide, PendingEnvelope, PreKeyCaps, PreKeyCounts, PreKeyPublish, Quota, Recipient,
  RelayStore, StagedEnqueue, StoreStats, StoredDeviceList, StoredLink, TakenBundle,
} from './types.js';

interface InFlight {
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: unknown) => void;
  /** An enqueue's StagedEnqueue: called when the thread reports its results before the commit. */
  readonly staged?: StagedEnqueue | undefined;
}


export class RelaySqliteThreadStore implements RelayStore {
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private calls: ThreadCall[] = [];
  private scheduled = false;
  /** Set once the thread failed or was closed: every later call is refused with it. */
  private refusal: RelayError | undefined;
  private closing: Promise<void> | undefined;
  private readonly tokens = new TokenCache();
  /** Bumped by every revoke and replacement: a check answered across one does not fill the cache. */
  private tokenEpoch = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (replies: readonly ThreadReply[]) => this.settle(replies));
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  /** Starts the storage thread on `dir` and resolves once its database is open (rejects with why not). */
  static async open(dir: string, sync: 'full' | 'normal' = 'full'): Promise<RelaySqliteThreadStore> {
    const worker = new Worker(workerEntry('./store/sqlite-worker-dev.mjs', './sqlite-worker.js'), { workerData: { dir, sync } satisfies ThreadOptions });
    const ready = await new Promise<ThreadReady>((resolve, reject) => {
      const exited = (code: number): void => reject(new Error(`relay storage thread exited (${code}) before opening`));
      worker.once('error', reject).once('exit', exited).once('message', (m: ThreadReady) => {
        // Only these listeners: removeAllListeners would also drop the Worker's own, which keep its port open.
        worker.off('error', reject).off('exit', exited);
        resolve(m);
      });
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.message);
    }
    return new RelaySqliteThreadStore(worker);
  }

  /** The thread stopped without being asked: what is in flight was not reported stored. */
  private fail(): void {
    if (this.refusal === undefined) this.refusal = new RelayError('UNAVAILABLE', 'relay storage thread stopped');
    for (const call of this.inFlight.values()) call.reject(this.refusal);
    this.inFlight.clear();
    this.calls = [];
  }

  private settle(replies: readonly ThreadReply[]): void {
    for (const r of replies) {
      const call = this.inFlight.get(r.id);
      if (call === undefined) continue;
      if ('staged' in r) {
        call.staged?.(r.staged as EnqueueResult[]);
        continue;
      }
      this.inFlight.delete(r.id);
      if (r.ok) call.resolve(r.value);
      else call.reject(decodeFailure(r.error));
    }
  }

  /** Queues a call for this turn's message to the thread. */
  private call<T>(method: ThreadMethod, args: readonly unknown[], staged?: StagedEnqueue): Promise<T> {
    if (this.refusal !== undefined) return Promise.reject(this.refusal);
    const id = this.nextId++;
    this.calls.push({ id, method, args: detach(args) as unknown[], ...(staged !== undefined && { staged: true }) });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.post());
    }
    return new Promise<T>((resolve, reject) => {
      this.inFlight.set(id, { resolve: resolve as (v: unknown) => void, reject, staged });
    });
  }

  private post(): void {
    this.scheduled = false;
    if (this.calls.length === 0) return;
    this.worker.postMessage(this.calls);
    this.calls = [];
  }

  async secret(create: () => Bytes): Promise<Bytes> {
    return this.call('secret', [create()]); // kept only if the database holds no secret yet
  }

  async publishPreKeys(mailbox: Bytes, publish: PreKeyPublish, caps: PreKeyCaps): Promise<PreKeyCounts> {
    return this.call('publishPreKeys', [mailbox, publish, caps]);
  }

  async preKeyCounts(mailbox: Bytes): Promise<PreKeyCounts> {
    return this.call('preKeyCounts', [mailbox]);
  }

  async takeBundle(mailbox: Bytes, tokenHash: Bytes, consumeOneTime: boolean): Promise<TakenBundle> {
    return this.call('takeBundle', [mailbox, tokenHash, consumeOneTime]);
  }

  async addToken(mailbox: Bytes, tokenHash: Bytes, replaces: Bytes | undefined, max: number): Promise<void> {
    if (replaces !== undefined) this.forget(mailbox, replaces);
    return this.call('addToken', [mailbox, tokenHash, replaces, max]);
  }

  async revokeToken(mailbox: Bytes, tokenHash: Bytes): Promise<void> {
    this.forget(mailbox, tokenHash);
    return this.call('revokeToken', [mailbox, tokenHash]);
  }

  private forget(mailbox: Bytes, tokenHash: Bytes): void {
    this.tokens.delete(mailbox, tokenHash);
    this.tokenEpoch++;
  }

  async hasToken(mailbox: Bytes, tokenHash: Bytes): Promise<boolean> {
    if (this.tokens.has(mailbox, tokenHash)) return true; // a sender's every request: no array, no round trip
    const [held] = await this.hasTokens([{ mailbox, tokenHash }]);
    return held === true;
  }

  async hasTokens(refs: readonly Recipient[]): Promise<boolean[]> {
    const known = refs.map((r) => this.tokens.has(r.mailbox, r.tokenHash));
    const unknown = refs.filter((_, i) => !known[i]);
    if (unknown.length === 0) return known;
    const epoch = this.tokenEpoch;
    const answers = await this.call<boolean[]>('hasTokens', [unknown]);
    const fresh = epoch === this.tokenEpoch;
    let j = 0;
    return known.map((k, i) => {
      if (k) return true;
      const held = answers[j++] === true;
      if (held && fresh) this.tokens.add((refs[i] as Recipient).mailbox, (refs[i] as Recipient).tokenHash);
      return held;
    });
  }

  /** `staged` hears the results when the thread has written them, before its commit (a message of their own). */
  async enqueue(data: Bytes, expiresAt: number, recipients: readonly Recipient[], quota: Quota, staged?: StagedEnqueue): Promise<EnqueueResult[]> {
    return this.call('enqueue', [data, expiresAt, recipients, quota], staged);
  }

  async pending(mailbox: Bytes, afterEid: number, limit: number, now: number): Promise<PendingEnvelope[]> {
    return this.call('pending', [mailbox, afterEid, limit, now]);
  }

  async ack(mailbox: Bytes, eids: readonly number[]): Promise<number> {
    return this.call('ack', [mailbox, eids]);
  }

  async sweep(now: number): Promise<number> {
    return this.call('sweep', [now]);
  }

  async latestDeviceList(account: Bytes): Promise<StoredDeviceList | undefined> {
    return this.call('latestDeviceList', [account]);
  }

  async deviceListsSince(account: Bytes, after: number, limit: number): Promise<StoredDeviceList[]> {
    return this.call('deviceListsSince', [account, after, limit]);
  }

  async appendDeviceList(account: Bytes, list: StoredDeviceList, keep: number): Promise<boolean> {
    return this.call('appendDeviceList', [account, list, keep]);
  }

  async openLink(link: Bytes, owner: Bytes, expiresAt: number, caps: LinkCaps, now: number): Promise<void> {
    return this.call('openLink', [link, owner, expiresAt, caps, now]);
  }

  async linkInfo(link: Bytes, now: number): Promise<StoredLink | undefined> {
    return this.call('linkInfo', [link, now]);
  }

  async appendLinkMessage(link: Bytes, side: LinkSide, data: Bytes, sender: Bytes, quota: LinkQuota, now: number): Promise<number> {
    return this.call('appendLinkMessage', [link, side, data, sender, quota, now]);
  }

  async linkMessages(link: Bytes, side: LinkSide, afterSeq: number, limit: number, now: number): Promise<LinkMessage[]> {
    return this.call('linkMessages', [link, side, afterSeq, limit, now]);
  }

  async closeLink(link: Bytes, owner: Bytes): Promise<boolean> {
    return this.call('closeLink', [link, owner]);
  }

  async sweepLinks(now: number): Promise<number> {
    return this.call('sweepLinks', [now]);
  }

  async stats(): Promise<StoreStats> {
    return this.call('stats', []);
  }

  /** Lets every queued write commit, closes the database, then ends the thread. */
  async close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    // Queued behind every call issued so far; calls issued from now on are refused.
    const closed = this.refusal === undefined ? this.call('close', []) : Promise.resolve();
    this.refusal ??= new RelayError('SHUTTING_DOWN', 'store closed');
    try {
      await closed;
    } finally {
      await this.worker.terminate();
    }
  }
}
