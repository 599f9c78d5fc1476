/**
 * Backpressure on sending (spec/client.md §5.5): a send takes a slot of its
 * recipient's mailbox before it is encrypted and committed to the outbox,
 * and gives it back when the relay holds the envelope (or refused it for
 * good). At most OUTBOX_QUEUE_PER_MAILBOX slots per mailbox and
 * OUTBOX_QUEUE_TOTAL in all are held, so the outbox never holds more than
 * that; a send that finds no free slot waits, in call order per mailbox, and
 * mailboxes waiting for the total take turns. Offered load above what the
 * relay accepts thus slows the sender (its `send` promises settle at the
 * relay's pace) instead of growing the outbox.
 */
import { OUTBOX_QUEUE_PER_MAILBOX, OUTBOX_QUEUE_TOTAL } from '../../constants.js';

/** A held slot; release() is idempotent. */
export interface Slot {
  readonly mailbox: string;
  release(): void;
}

/** Counters for inspection (tests, apps showing a "sending…" state). */
export interface AdmissionCounts {
  /** Slots held now, in all and for the busiest mailbox. */
  readonly held: number;
  readonly heldMaxMailbox: number;
  /** Sends waiting for a slot now. */
  readonly waiting: number;
  /** The most slots ever held at once, in all and for one mailbox. */
  readonly peakHeld: number;
  readonly peakHeldMailbox: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly reject: (e: unknown) => void;
}

export interface AdmissionLimits {
  readonly perMailbox: number;
  readonly total: number;
}

export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #held = new Map<string, number>();
  #total = 0;
  /** Waiting sends per mailbox, FIFO; a Map's order makes mailboxes take turns. */
  readonly #waiting = new Map<string, Waiter[]>();
  #waitingCount = 0;
  #peak = 0;
  #peakMailbox = 0;

  constructor(limits: AdmissionLimits = { perMailbox: OUTBOX_QUEUE_PER_MAILBOX, total: OUTBOX_QUEUE_TOTAL }) {
    this.#limits = limits;
  }

  /** A slot of `mailbox` (hex): at once when one is free and nobody waits for it, else once one is. */
  acquire(mailbox: string): Slot | Promise<Slot> {
    if (!this.#waiting.has(mailbox) && this.#free(mailbox)) return this.#take(mailbox);
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(mailbox) ?? [];
      if (queue.length === 0) this.#waiting.set(mailbox, queue);
      queue.push({ grant: () => resolve(this.#take(mailbox)), reject });
      this.#waitingCount++;
    });
  }

  /** Every waiting send rejects with `error` (the client is closing). */
  rejectWaiting(error: unknown): void {
    const queues = [...this.#waiting.values()];
    this.#waiting.clear();
    this.#waitingCount = 0;
    for (const queue of queues) for (const w of queue) w.reject(error);
  }

  counts(): AdmissionCounts {
    return {
      held: this.#total, heldMaxMailbox: Math.max(0, ...this.#held.values()), waiting: this.#waitingCount,
      peakHeld: this.#peak, peakHeldMailbox: this.#peakMailbox,
    };
  }

  #free(mailbox: string): boolean {
    return this.#total < this.#limits.total && (this.#held.get(mailbox) ?? 0) < this.#limits.perMailbox;
  }

  #take(mailbox: string): Slot {
    const n = (this.#held.get(mailbox) ?? 0) + 1;
    this.#held.set(mailbox, n);
    this.#total++;
    this.#peak = Math.max(this.#peak, this.#total);
    this.#peakMailbox = Math.max(this.#peakMailbox, n);
    let released = false;
    return {
      mailbox,
      release: () => {
        if (released) return;
        released = true;
        this.#give(mailbox);
      },
    };
  }

  #give(mailbox: string): void {
    const n = (this.#held.get(mailbox) ?? 1) - 1;
    if (n === 0) this.#held.delete(mailbox);
    else this.#held.set(mailbox, n);
    this.#total--;
    this.#wake();
  }

  /** Hands free slots to waiting sends: each mailbox's first in line, mailboxes in turn. */
  #wake(): void {
    for (const [mailbox, queue] of this.#waiting) {
      if (this.#total >= this.#limits.total) return;
      if (!this.#free(mailbox)) continue;
      const next = queue.shift() as Waiter;
      this.#waitingCount--;
      // Back of the turn order: the next free slot of the total goes to another mailbox first.
      this.#waiting.delete(mailbox);
      if (queue.length > 0) this.#waiting.set(mailbox, queue);
      next.grant();
    }
  }
}
