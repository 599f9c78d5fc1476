/**
 * The outbox (spec/client.md §5.1, §5.4): every envelope is committed here
 * together with the session or group state that produced it, before it leaves
 * the device, and deleted once the relay holds it durably or refused it for
 * good. The pump sends what is there whenever the relay is connected (at most
 * OUTBOX_WINDOW envelopes in flight per mailbox); a transient refusal keeps
 * the entry and sends it again after a backoff; a sender waits for its entry.
 */
import { OUTBOX_FULL_ATTEMPTS, OUTBOX_RETRY_BASE_MS, OUTBOX_RETRY_MAX_MS, OUTBOX_WINDOW } from '../../constants.js';
import { toHex } from '../../crypto/index.js';
import { del, put, type StoreWrite } from '../../store/index.js';
import { decodeOutboxRecord, encodeOutboxRecord, type OutboxRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';
import type { FanoutResult } from '../transport/relay-api.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

type Recipient = OutboxRecord['recipients'][number];

/** Relay codes that say "not now": the entry is sent again after a backoff (client.md §5.4). */
const TRANSIENT: ReadonlySet<string> = new Set(['RATE_LIMITED', 'SHUTTING_DOWN', 'UNAVAILABLE', 'INTERNAL']);
/** Relay codes retried OUTBOX_FULL_ATTEMPTS times (the recipient may drain its mailbox), then final. */
const FULL: ReadonlySet<string> = new Set(['MAILBOX_FULL', 'STORAGE_FULL']);

/** What to do after a failed attempt: wait for the next connection, try again after `delayMs`, or give up with `code`. */
type Verdict = { readonly kind: 'offline' } | { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'final'; readonly code: string };

/** A fan-out's outcome so far, across attempts. */
interface FanoutProgress {
  delivered: number;
  readonly refused: { readonly code: string; readonly recipient: string }[];
}

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #inFlight = new Set<string>();
  /** Entries in flight per mailbox (hex). */
  readonly #perMailbox = new Map<string, number>();
  /** Entries waiting for their backoff to end. */
  readonly #backingOff = new Set<string>();
  /** Mailboxes (hex) the relay asked us to leave alone for a while (RATE_LIMITED with retryAfter). */
  readonly #paused = new Set<string>();
  readonly #attempts = new Map<string, number>();
  readonly #fanouts = new Map<string, FanoutProgress>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #waiters = new Map<string, Waiter>();
  #seq = 0;
  #pumping = false;
  #again = false;

  constructor(ctx: ClientContext) {
    this.#ctx = ctx;
  }

  /** A new outbox key: ordered by time of commit, then by a counter. */
  nextKey(): string {
    this.#seq = (this.#seq + 1) % 1_000_000;
    return `${String(this.#ctx.now()).padStart(15, '0')}-${String(this.#seq).padStart(6, '0')}`;
  }

  entry(key: string, record: OutboxRecord): StoreWrite {
    return put('outbox', key, encodeOutboxRecord(record));
  }

  /** Resolves when the entry committed under `key` is durable at the relay. Register before pumping. */
  waitFor(key: string): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.set(key, { resolve, reject }));
  }

  /** Sends every entry not already in flight, backing off or over its mailbox's window (in key order, pipelined). */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#drain().finally(() => {
      this.#pumping = false;
      if (this.#again) {
        this.#again = false;
        this.pump();
      }
    });
  }

  rejectAll(error: unknown): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const w of this.#waiters.values()) w.reject(error);
    this.#waiters.clear();
  }

  async #drain(): Promise<void> {
    if (this.#ctx.closed || this.#ctx.relay.state !== 'connected') return;
    let entries;
    try {
      entries = await this.#ctx.store.list('outbox');
    } catch (error) {
      this.#ctx.events.emit('error', { error });
      return;
    }
    for (const { key, value } of entries) {
      if (this.#inFlight.has(key) || this.#backingOff.has(key)) continue;
      const record = decodeOutboxRecord(value);
      const mailbox = record.fanout ? undefined : toHex((record.recipients[0] as Recipient).mailbox);
      if (mailbox !== undefined && (this.#paused.has(mailbox) || (this.#perMailbox.get(mailbox) ?? 0) >= OUTBOX_WINDOW)) continue;
      this.#inFlight.add(key);
      if (mailbox !== undefined) this.#perMailbox.set(mailbox, (this.#perMailbox.get(mailbox) ?? 0) + 1);
      void this.#transmit(key, record).finally(() => {
        this.#inFlight.delete(key);
        if (mailbox !== undefined) this.#perMailbox.set(mailbox, (this.#perMailbox.get(mailbox) ?? 1) - 1);
        this.pump();
      });
    }
  }

  async #transmit(key: string, record: OutboxRecord): Promise<void> {
    const relay = this.#ctx.relay;
    let results: readonly FanoutResult[] | undefined;
    try {
      if (record.fanout) results = await relay.fanout(record.recipients, record.envelope);
      else await relay.send(record.recipients[0] as Recipient, record.envelope);
    } catch (e) {
      const verdict = this.#judge(key, e);
      if (verdict.kind === 'offline') return; // sent again on the next connection
      if (verdict.kind === 'retry') {
        if (!record.fanout && isClientError(e) && e.details['relayCode'] === 'RATE_LIMITED') this.#pause(toHex((record.recipients[0] as Recipient).mailbox), verdict.delayMs);
        this.#later(key, verdict.delayMs);
        return;
      }
      await this.#end(key, record, record.recipients.map((r) => ({ code: verdict.code, recipient: toHex(r.mailbox) })), 0);
      return;
    }
    if (results === undefined) await this.#end(key, record, [], 1);
    else await this.#onFanout(key, record, results);
  }

  /** Per-recipient results: the delivered and the finally refused leave the entry; the rest are tried again. */
  async #onFanout(key: string, record: OutboxRecord, results: readonly FanoutResult[]): Promise<void> {
    const progress = this.#fanouts.get(key) ?? { delivered: 0, refused: [] };
    this.#fanouts.set(key, progress);
    const again: Recipient[] = [];
    let delayMs = 0;
    const attempt = this.#attempt(key);
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
      this.#fanouts.delete(key);
      await this.#end(key, record, progress.refused, progress.delivered, true);
      return;
    }
    try {
      await this.#ctx.store.write([this.entry(key, { ...record, recipients: again })]);
    } catch (e) {
      if (!this.#ctx.closed) this.#ctx.events.emit('error', { error: e });
      return;
    }
    this.#later(key, delayMs);
  }

  #attempt(key: string): number {
    const n = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, n);
    return n;
  }

  #judge(key: string, e: unknown): Verdict {
    if (isClientError(e, 'NOT_CONNECTED') || isClientError(e, 'CLOSED')) return { kind: 'offline' };
    const attempt = this.#attempt(key);
    if (isClientError(e, 'TIMEOUT')) return { kind: 'retry', delayMs: backoff(attempt) };
    if (isClientError(e, 'RELAY_ERROR')) {
      const retryAfter = e.details['retryAfter'];
      return judgeRelayCode(String(e.details['relayCode']), attempt, typeof retryAfter === 'number' ? retryAfter : undefined);
    }
    return { kind: 'final', code: isClientError(e) ? e.code : 'INTERNAL' };
  }

  #later(key: string, delayMs: number): void {
    this.#backingOff.add(key);
    this.#timer(delayMs, () => this.#backingOff.delete(key));
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
   * The entry leaves the outbox: `sent` if any recipient holds it, else the send rejects with the first final code.
   * `announced`: the send-failed events were already emitted (fan-out).
   */
  async #end(key: string, record: OutboxRecord, refused: readonly { code: string; recipient: string }[], delivered: number, announced = false): Promise<void> {
    try {
      await this.#ctx.store.write([del('outbox', key)]);
    } catch (e) {
      if (!this.#ctx.closed) this.#ctx.events.emit('error', { error: e });
      return;
    }
    this.#attempts.delete(key);
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    if (!announced) for (const r of refused) this.#ctx.events.emit('send-failed', { id: record.id, to: record.to, ...r });
    const first = refused[0];
    if (delivered > 0 || first === undefined) {
      this.#ctx.events.emit('sent', { id: record.id, to: record.to });
      waiter?.resolve();
      return;
    }
    const e = new ClientError('RELAY_ERROR', `the relay refused the envelope: ${first.code}`, { relayCode: first.code, to: record.to, id: toHex(record.id) });
    waiter?.reject(e);
    if (waiter === undefined) this.#ctx.events.emit('error', { error: e });
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

