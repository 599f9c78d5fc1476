/**
 * The outbox (spec/client.md §5.1, §5.4, §5.5): every envelope is committed
 * here together with the session or group state that produced it, before it
 * leaves the device, and deleted once the relay holds it durably or refused
 * it for good. The pump sends what is there whenever the relay is connected
 * (at most OUTBOX_WINDOW envelopes in flight per mailbox); a transient
 * refusal keeps the entry and sends it again after a backoff; a sender waits
 * for its entry.
 *
 * The entries are mirrored in memory (read from the store once, at open), so
 * a pump lists nothing and decodes nothing. Deletions of finished entries
 * ride in the next send's batch (takeDeletions), or go alone after
 * OUTBOX_DELETE_DELAY_MS: on a durable store that is one commit (an fsync)
 * per message instead of two. A crash before they are written only resends
 * envelopes the recipient drops as replays (§5.1, §7.1).
 */
import { OUTBOX_FULL_ATTEMPTS, OUTBOX_IN_FLIGHT_MAX, OUTBOX_RETRY_BASE_MS, OUTBOX_RETRY_MAX_MS, OUTBOX_WINDOW, RELAY_MAX_FANOUT } from '../../constants.js';
import { toHex } from '../../crypto/index.js';
import { del, put, type StoreWrite } from '../../store/index.js';
import { decodeOutboxRecord, encodeOutboxRecord, type OutboxRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';
import type { FanoutResult } from '../transport/relay-api.js';
import { Admission, type AdmissionCounts, type Slot } from './admission.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

type Recipient = OutboxRecord['recipients'][number];

/** One committed entry: its record, its mailbox (hex, pairwise only), its admission slot (sends of this run). */
interface Entry {
  record: OutboxRecord;
  readonly mailbox: string | undefined;
  slot: Slot | undefined;
  /** 'queued': waits for the pump; 'sending': a request is out; 'waiting': backing off. */
  state: 'queued' | 'sending' | 'waiting';
  attempts: number;
  fanout: FanoutProgress | undefined;
}

/** Relay codes that say "not now": the entry is sent again after a backoff (client.md §5.4). */
export const TRANSIENT: ReadonlySet<string> = new Set(['RATE_LIMITED', 'SHUTTING_DOWN', 'UNAVAILABLE', 'INTERNAL']);
/** Relay codes retried OUTBOX_FULL_ATTEMPTS times (the recipient may drain its mailbox), then final. */
const FULL: ReadonlySet<string> = new Set(['MAILBOX_FULL', 'STORAGE_FULL']);
/** Entries staged by entry() whose batch never committed (a failed write) are forgotten beyond this many. */
const STAGED_MAX = 64;
/** How long deletions of finished entries wait for a send's batch to ride in before they are written alone. */
const OUTBOX_DELETE_DELAY_MS = 500;

/** What to do after a failed attempt: wait for the next connection, try again after `delayMs`, or give up with `code`. */
type Verdict = { readonly kind: 'offline' } | { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'final'; readonly code: string };

/** A fan-out's outcome so far, across attempts. */
interface FanoutProgress {
  delivered: number;
  readonly refused: { readonly code: string; readonly recipient: string }[];
}

/** What the outbox holds and sends now, and its peaks (inspection: tests, a "sending…" indicator). */
export interface OutboxCounts extends AdmissionCounts {
  readonly entries: number;
  readonly inFlight: number;
  readonly peakInFlight: number;
  readonly peakInFlightMailbox: number;
}

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #admission = new Admission();
  /** Committed entries by key, in commit order. */
  readonly #entries = new Map<string, Entry>();
  /** Records of entries being committed (entry() → waitFor()). */
  readonly #staged = new Map<string, OutboxRecord>();
  /** Entries in flight per mailbox (hex). */
  readonly #perMailbox = new Map<string, number>();
  #inFlight = 0;
  #peakInFlight = 0;
  #peakInFlightMailbox = 0;
  /** Mailboxes (hex) the relay asked us to leave alone for a while (RATE_LIMITED with retryAfter). */
  readonly #paused = new Set<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #waiters = new Map<string, Waiter>();
  /** Keys of finished entries whose deletion is not yet written. */
  #deletions: string[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #loaded: Promise<void> | undefined;
  #seq = 0;
  #pumpQueued = false;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** Reads the entries a previous run left (once, before the first pump sends anything). */
  load(): Promise<void> {
    this.#loaded ??= this.#ctx.store.list('outbox').then((entries) => {
      for (const { key, value } of entries) if (!this.#entries.has(key)) this.#add(key, decodeOutboxRecord(value), undefined);
    });
    return this.#loaded;
  }

  /** A slot for one more send to `mailbox` (hex): at once or once the outbox has room (backpressure, §5.5). */
  admit(mailbox: string): Slot | Promise<Slot> {
    return this.#admission.acquire(mailbox);
  }

  counts(): OutboxCounts {
    return {
      ...this.#admission.counts(), entries: this.#entries.size,
      inFlight: this.#inFlight, peakInFlight: this.#peakInFlight, peakInFlightMailbox: this.#peakInFlightMailbox,
    };
  }

  /** A new outbox key: ordered by time of commit, then by a counter. */
  nextKey(): string {
    this.#seq = (this.#seq + 1) % 1_000_000;
    return `${String(this.#ctx.now()).padStart(15, '0')}-${String(this.#seq).padStart(6, '0')}`;
  }

  /** The write that commits an entry; the entry is sent once waitFor(key) says the batch committed. */
  entry(key: string, record: OutboxRecord): StoreWrite {
    this.#staged.set(key, record);
    if (this.#staged.size > STAGED_MAX) this.#staged.delete(this.#staged.keys().next().value as string);
    return put('outbox', key, encodeOutboxRecord(record));
  }

  /** Forgets a staged entry whose batch failed. */
  unstage(key: string): void {
    this.#staged.delete(key);
  }

  /**
   * Call once the batch holding entry(key) committed: the entry joins the outbox, and the promise resolves
   * when it is durable at the relay. `slot`: the admission slot it was committed under, freed when it leaves.
   */
  waitFor(key: string, slot?: Slot): Promise<void> {
    const record = this.#staged.get(key);
    this.#staged.delete(key);
    const known = this.#entries.get(key);
    if (known !== undefined) known.slot ??= slot; // load() read it first
    else if (record !== undefined) this.#add(key, record, slot);
    return new Promise((resolve, reject) => this.#waiters.set(key, { resolve, reject }));
  }

  /** Sends every entry not already in flight, backing off or over its mailbox's window (in commit order, pipelined). */
  pump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    // Pumps asked for in one turn (a burst of sends, a run of answers) drain once.
    queueMicrotask(() => {
      this.#pumpQueued = false;
      if (this.#loaded === undefined) void this.load().then(() => this.pump(), (error: unknown) => this.#report(error));
      else void this.#loaded.then(() => this.#drain(), () => undefined);
    });
  }

  rejectAll(error: unknown): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const w of this.#waiters.values()) w.reject(error);
    this.#waiters.clear();
    this.#admission.rejectWaiting(error);
  }

  #add(key: string, record: OutboxRecord, slot: Slot | undefined): void {
    const mailbox = record.fanout ? undefined : toHex((record.recipients[0] as Recipient).mailbox);
    this.#entries.set(key, { record, mailbox, slot, state: 'queued', attempts: 0, fanout: undefined });
  }

  #drain(): void {
    if (this.#ctx.closed || this.#ctx.relay.state !== 'connected') return;
    for (const [key, entry] of this.#entries) {
      // Beyond the relay's requests-in-flight limit it would stop reading the socket, stalling everything behind.
      if (this.#inFlight >= OUTBOX_IN_FLIGHT_MAX) return;
      if (entry.state !== 'queued') continue;
      const mailbox = entry.mailbox;
      if (mailbox !== undefined) {
        const n = this.#perMailbox.get(mailbox) ?? 0;
        if (this.#paused.has(mailbox) || n >= OUTBOX_WINDOW) continue;
        this.#perMailbox.set(mailbox, n + 1);
        this.#peakInFlightMailbox = Math.max(this.#peakInFlightMailbox, n + 1);
      }
      entry.state = 'sending';
      this.#peakInFlight = Math.max(this.#peakInFlight, ++this.#inFlight);
      void this.#transmit(key, entry).finally(() => {
        this.#inFlight--;
        if (mailbox !== undefined) this.#perMailbox.set(mailbox, (this.#perMailbox.get(mailbox) ?? 1) - 1);
        if (entry.state === 'sending') entry.state = 'queued';
        this.pump();
      });
    }
  }

  async #transmit(key: string, entry: Entry): Promise<void> {
    const { relay } = this.#ctx;
    const record = entry.record;
    let results: readonly FanoutResult[] | undefined;
    try {
      if (record.fanout) results = await this.#fanout(record);
      // A late `ok` to a request that timed out still ends the entry (§5.4).
      else await relay.send(record.recipients[0] as Recipient, record.envelope, (late) => { if (late === 'ok') this.#end(key, [], 1); });
    } catch (e) {
      this.#onError(key, entry, e);
      return;
    }
    if (results === undefined) this.#end(key, [], 1);
    else await this.#onFanout(key, entry, results);
  }

  /**
   * One fan-out in requests of at most RELAY_MAX_FANOUT recipients, one after the other (a channel has more
   * readers than one request may name). A failed request after the first ends the attempt: its recipients and
   * the later ones get its relay code (or UNAVAILABLE when no answer came), so each is judged like a
   * per-recipient refusal and only they are tried again. A failure of the first request is the entry's error.
   */
  async #fanout(record: OutboxRecord): Promise<readonly FanoutResult[]> {
    const all = record.recipients;
    const results: FanoutResult[] = [];
    for (let at = 0; at < all.length; at += RELAY_MAX_FANOUT) {
      try {
        results.push(...(await this.#ctx.relay.fanout(all.slice(at, at + RELAY_MAX_FANOUT), record.envelope)));
      } catch (e) {
        if (at === 0) throw e;
        const code = isClientError(e, 'RELAY_ERROR') ? String(e.details['relayCode']) : 'UNAVAILABLE';
        while (results.length < all.length) results.push({ ok: false, code });
        break;
      }
    }
    return results;
  }

  #onError(key: string, entry: Entry, e: unknown): void {
    const verdict = this.#judge(entry, e);
    if (verdict.kind === 'offline') return; // sent again on the next connection
    if (verdict.kind === 'retry') {
      if (entry.mailbox !== undefined && isClientError(e) && e.details['relayCode'] === 'RATE_LIMITED') this.#pause(entry.mailbox, verdict.delayMs);
      this.#later(entry, verdict.delayMs);
      return;
    }
    this.#end(key, entry.record.recipients.map((r) => ({ code: verdict.code, recipient: toHex(r.mailbox) })), 0);
  }

  /** Per-recipient results: the delivered and the finally refused leave the entry; the rest are tried again. */
  async #onFanout(key: string, entry: Entry, results: readonly FanoutResult[]): Promise<void> {
    const record = entry.record;
    const progress = (entry.fanout ??= { delivered: 0, refused: [] });
    const again: Recipient[] = [];
    let delayMs = 0;
    const attempt = ++entry.attempts;
    record.recipients.forEach((r, i) => {
      const result = results[i] ?? { ok: false, code: 'INTERNAL' };
      if (result.ok) {
        progress.delivered++;
        return;
      }
      const verdict = judgeRelayCode(result.code, attempt, undefined);
      if (verdict.kind === 'final') {
        progress.refused.push({ code: verdict.code, recipient: toHex(r.mailbox) });
        this.#ctx.events.emit('send-failed', { id: record.id, to: record.to, code: verdict.code, recipient: toHex(r.mailbox) });
        return;
      }
      again.push(r);
      if (verdict.kind === 'retry') delayMs = Math.max(delayMs, verdict.delayMs);
    });
    if (again.length === 0) {
      this.#end(key, progress.refused, progress.delivered, true);
      return;
    }
    const next = { ...record, recipients: again };
    try {
      await this.#ctx.store.write([put('outbox', key, encodeOutboxRecord(next))]);
    } catch (e) {
      this.#report(e);
      return;
    }
    entry.record = next;
    this.#later(entry, delayMs);
  }

  #judge(entry: Entry, e: unknown): Verdict {
    if (isClientError(e, 'NOT_CONNECTED') || isClientError(e, 'CLOSED')) return { kind: 'offline' };
    const attempt = ++entry.attempts;
    if (isClientError(e, 'TIMEOUT')) return { kind: 'retry', delayMs: backoff(attempt) };
    if (isClientError(e, 'RELAY_ERROR')) {
      const retryAfter = e.details['retryAfter'];
      return judgeRelayCode(String(e.details['relayCode']), attempt, typeof retryAfter === 'number' ? retryAfter : undefined);
    }
    return { kind: 'final', code: isClientError(e) ? e.code : 'INTERNAL' };
  }

  #later(entry: Entry, delayMs: number): void {
    entry.state = 'waiting';
    this.#timer(delayMs, () => { if (entry.state === 'waiting') entry.state = 'queued'; });
  }

  #pause(mailbox: string, delayMs: number): void {
    this.#paused.add(mailbox);
    this.#timer(delayMs, () => this.#paused.delete(mailbox));
  }

  #timer(delayMs: number, then: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      then();
      this.pump();
    }, delayMs);
    this.#timers.add(t);
  }

  /**
   * The entry leaves the outbox (once, whichever answer comes first): `sent` if any recipient holds it, else the
   * send rejects with the first final code. `announced`: the send-failed events were already emitted (fan-out).
   */
  #end(key: string, refused: readonly { code: string; recipient: string }[], delivered: number, announced = false): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    entry.slot?.release();
    this.#delete(key);
    const { record } = entry;
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    if (!announced) for (const r of refused) this.#ctx.events.emit('send-failed', { id: record.id, to: record.to, ...r });
    const first = refused[0];
    if (delivered > 0 || first === undefined) {
      if (record.quiet !== true) this.#ctx.events.emit('sent', { id: record.id, to: record.to });
      waiter?.resolve();
      return;
    }
    const e = new ClientError('RELAY_ERROR', `the relay refused the envelope: ${first.code}`, { relayCode: first.code, to: record.to, id: toHex(record.id) });
    waiter?.reject(e);
    if (waiter === undefined) this.#ctx.events.emit('error', { error: e });
  }

  /** The pending deletions, for a batch about to be written; give them back with returnDeletions if it fails. */
  takeDeletions(): StoreWrite[] {
    const keys = this.#deletions;
    this.#deletions = [];
    return keys.map((k) => del('outbox', k));
  }

  returnDeletions(writes: readonly StoreWrite[]): void {
    for (const w of writes) this.#delete(w.key);
  }

  /** Writes the pending deletions now (before the store closes). */
  async flush(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const writes = this.takeDeletions();
    if (writes.length === 0) return;
    try {
      await this.#ctx.store.write(writes);
    } catch (e) {
      this.#report(e); // kept in the store: sent again after a restart, dropped by the recipient as a replay
    }
  }

  #delete(key: string): void {
    this.#deletions.push(key);
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      if (!this.#ctx.closed) void this.flush();
    }, OUTBOX_DELETE_DELAY_MS);
  }

  #report(error: unknown): void {
    if (!this.#ctx.closed) this.#ctx.events.emit('error', { error });
  }
}

/** Backoff before attempt `attempt + 1`: OUTBOX_RETRY_BASE_MS doubling, capped, with jitter in [½, 1]. */
function backoff(attempt: number): number {
  const ceiling = Math.min(OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function judgeRelayCode(code: string, attempt: number, retryAfter: number | undefined): Verdict {
  // The relay's retryAfter says when the budget is back; a little jitter spreads the retries.
  if (TRANSIENT.has(code)) return { kind: 'retry', delayMs: retryAfter === undefined ? backoff(attempt) : Math.min(OUTBOX_RETRY_MAX_MS, retryAfter + backoff(1)) };
  if (FULL.has(code) && attempt < OUTBOX_FULL_ATTEMPTS) return { kind: 'retry', delayMs: backoff(attempt) };
  return { kind: 'final', code };
}
