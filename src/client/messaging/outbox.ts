/**
 * The outbox (spec/client.md §5.1): every envelope is committed here together
 * with the session or group state that produced it, before it leaves the
 * device, and deleted once the relay holds it durably. The pump sends what is
 * there whenever the relay is connected; a sender waits for its entry.
 */
import { toHex } from '../../crypto/index.js';
import { del, put, type StoreWrite } from '../../store/index.js';
import { decodeOutboxRecord, encodeOutboxRecord, type OutboxRecord } from '../../wire/client/records.js';
import type { ClientContext } from '../context.js';
import { ClientError, isClientError } from '../errors.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #inFlight = new Set<string>();
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

  /** Sends every entry not already in flight (in key order, pipelined). */
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
      if (this.#inFlight.has(key)) continue;
      this.#inFlight.add(key);
      void this.#transmit(key, decodeOutboxRecord(value)).finally(() => this.#inFlight.delete(key));
    }
  }

  async #transmit(key: string, record: OutboxRecord): Promise<void> {
    const relay = this.#ctx.relay;
    try {
      if (record.fanout) await relay.fanout(record.recipients, record.envelope);
      else await relay.send(record.recipients[0] as OutboxRecord['recipients'][number], record.envelope);
    } catch (e) {
      // Network trouble: the entry stays and goes out on the next connection.
      if (isClientError(e, 'NOT_CONNECTED') || isClientError(e, 'TIMEOUT') || isClientError(e, 'CLOSED')) return;
      // A refusal (revoked token, full mailbox): retrying will not help.
      await this.#finish(key, record, e);
      return;
    }
    await this.#finish(key, record, undefined);
  }

  async #finish(key: string, record: OutboxRecord, error: unknown): Promise<void> {
    try {
      await this.#ctx.store.write([del('outbox', key)]);
    } catch (e) {
      if (!this.#ctx.closed) this.#ctx.events.emit('error', { error: e });
      return;
    }
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    if (error === undefined) {
      this.#ctx.events.emit('sent', { id: record.id, to: record.to });
      waiter?.resolve();
    } else {
      const e = isClientError(error) ? error : new ClientError('RELAY_ERROR', 'the relay refused the envelope', { to: record.to, id: toHex(record.id) });
      waiter?.reject(e);
      if (waiter === undefined) this.#ctx.events.emit('error', { error: e });
    }
  }
}
