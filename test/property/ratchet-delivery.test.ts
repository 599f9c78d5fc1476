/**
 * Property 1 (issue 2): any schedule of sends both ways with reordering, loss
 * and duplication (within MAX_SKIP): every delivered message decrypts exactly
 * once to its plaintext; every redelivery is rejected with DUPLICATE_MESSAGE
 * and leaves the state unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { canSend, deliver, makePair, opArb, snapshot, send, peerOf, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

describe('ratchet property 1: reordering, loss, duplication', () => {
  it('every delivered message decrypts exactly once; duplicates are DUPLICATE_MESSAGE', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(opArb, { minLength: 1, maxLength: 50 }), (seed, ops) => {
        const pair = makePair(seed);
        const pending: Sent[] = [];
        const delivered: Sent[] = [];
        let nextId = 0;
        for (const op of ops) {
          if (op.kind === 'send') {
            if (canSend(pair.states[op.from])) pending.push(send(pair, op.from, nextId++));
          } else if (op.kind === 'deliver' && pending.length > 0) {
            const [m] = pending.splice(op.pick % pending.length, 1) as [Sent];
            const out = deliver(pair, m);
            expect(out instanceof Uint8Array ? toHex(out) : out).toBe(toHex(m.plaintext));
            delivered.push(m);
          } else if (op.kind === 'drop' && pending.length > 0) {
            pending.splice(op.pick % pending.length, 1);
          } else if (op.kind === 'duplicate' && delivered.length > 0) {
            const m = delivered[op.pick % delivered.length] as Sent;
            const before = snapshot(pair.states[peerOf(m.from)]);
            expect(deliver(pair, m)).toBe('DUPLICATE_MESSAGE');
            expect(pair.states[peerOf(m.from)]).toEqual(before);
          }
        }
        // Everything still in flight arrives at the end, in reverse order, and decrypts.
        for (const m of pending.reverse()) {
          const out = deliver(pair, m);
          expect(out instanceof Uint8Array ? toHex(out) : out).toBe(toHex(m.plaintext));
          delivered.push(m);
        }
        // A second delivery of anything is a duplicate.
        for (const m of delivered) expect(deliver(pair, m)).toBe('DUPLICATE_MESSAGE');
      }),
      fcParams(100),
    );
  });
});
