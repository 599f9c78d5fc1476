/**
 * Send reliability against a real relay process with a small mailbox rate
 * (spec/client.md §5.4, §5.5): accepted messages are retried until the relay
 * holds them; only a permanent refusal ends a message, as `send-failed` and a
 * rejected send. Offered load far above the mailbox rate waits for outbox
 * slots (backpressure): the outbox and the in-flight window keep their
 * bounds, checked by the counts the client keeps, never by timing.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { isClientError } from '../../src/client/errors.js';
import { OUTBOX_QUEUE_PER_MAILBOX, OUTBOX_QUEUE_TOTAL, OUTBOX_WINDOW } from '../../src/constants.js';
import { until } from '../relay/harness.js';
import { befriend, openInFile, relayPerFile, text } from '../scenario/helpers.js';

const file = relayPerFile('parley-send-', ['--mailbox-rate', '25', '--mailbox-burst', '5']);

const client = (name: string): Promise<Client> => openInFile(file, name);


describe('send reliability (real relay, mailbox rate 25/s, burst 5)', () => {
  it('200 sends in flight to one contact are all delivered exactly once, none rejected', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    const { bAtA } = await befriend(alice, bob);
    const received: string[] = [];
    const all = new Promise<void>((resolve) => bob.on('message', (m) => {
      received.push(text(m));
      if (received.length === 200) resolve();
    }));
    const failed: unknown[] = [];
    alice.on('send-failed', (e) => failed.push(e));
    let waitingSeen = 0;
    alice.on('sent', () => { waitingSeen = Math.max(waitingSeen, alice.outboxCounts().waiting); });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => alice.send(bAtA, { type: 'text', text: `m${i}` })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    await all;
    expect(new Set(received).size).toBe(200);
    expect(failed).toEqual([]);
    // Sends waited for a slot instead of filling the outbox; the outbox and the window held their bounds.
    // An acknowledged entry leaves the outbox once its delete is durable, which an ordered store (the SQLite
    // worker) may finish after the message event: wait for it rather than racing it.
    await until(() => alice.outboxCounts().entries === 0);
    const counts = alice.outboxCounts();
    expect(waitingSeen).toBeGreaterThan(0);
    expect(counts.peakHeldMailbox).toBe(OUTBOX_QUEUE_PER_MAILBOX);
    expect(counts.peakHeld).toBeLessThanOrEqual(OUTBOX_QUEUE_TOTAL);
    expect(counts.peakInFlightMailbox).toBeLessThanOrEqual(OUTBOX_WINDOW);
    expect(counts).toMatchObject({ held: 0, waiting: 0, entries: 0, inFlight: 0 });
    // Nothing arrives twice: one more message is the 201st event.
    const last = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'last' });
    expect(text(await last)).toBe('last');
    expect(received.length).toBe(201);
  }, 180_000);

  it('a permanently refused send (TOKEN_REFUSED) rejects with its code and emits send-failed', async () => {
    const carol = await client('carol');
    const dave = await client('dave');
    const { bAtA: daveAtCarol, aAtB: carolAtDave } = await befriend(carol, dave);
    await carol.block(daveAtCarol);
    const failed = dave.next('send-failed');
    const error = await dave.send(carolAtDave, { type: 'text', text: 'after block' }).then(() => undefined, (e: unknown) => e);
    expect(isClientError(error, 'RELAY_ERROR')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['relayCode']).toBe('TOKEN_REFUSED');
    const event = await failed;
    expect(event.code).toBe('TOKEN_REFUSED');
    expect(event.to).toBe(carolAtDave);
  }, 60_000);
});
