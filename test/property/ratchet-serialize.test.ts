/**
 * Property 5 (issue 2): serializing and restoring the state at any point
 * leaves behaviour unchanged. Two worlds run the same schedule with the same
 * random sources; in one, both parties' states go through
 * encodeRatchetState/decodeRatchetState after every step. Every output
 * (message bytes, plaintexts, error codes) and the final states are equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { decodeRatchetState, encodeRatchetState } from '../../src/ratchet/index.js';
import { canSend, deliver, makePair, opArb, send, type Op, type Pair, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

function run(seed: number, ops: readonly Op[], restoreEvery: boolean): { outputs: string[]; finals: string[] } {
  const pair: Pair = makePair(seed);
  const outputs: string[] = [];
  const sent: Sent[] = [];
  const pending: Sent[] = [];
  let nextId = 0;
  const restore = (): void => {
    for (const p of ['alice', 'bob'] as const) {
      const bytes = encodeRatchetState(pair.states[p]);
      const restored = decodeRatchetState(bytes);
      expect(toHex(encodeRatchetState(restored))).toBe(toHex(bytes));
      pair.states[p] = restored;
    }
  };
  for (const op of ops) {
    if (restoreEvery) restore();
    if (op.kind === 'send' && canSend(pair.states[op.from])) {
      const m = send(pair, op.from, nextId++);
      sent.push(m);
      pending.push(m);
      outputs.push(toHex(m.message));
    } else if (op.kind === 'deliver' && pending.length > 0) {
      const [m] = pending.splice(op.pick % pending.length, 1) as [Sent];
      const out = deliver(pair, m);
      outputs.push(out instanceof Uint8Array ? toHex(out) : out);
    } else if (op.kind === 'drop' && pending.length > 0) {
      pending.splice(op.pick % pending.length, 1);
    } else if (op.kind === 'duplicate' && sent.length > 0) {
      const out = deliver(pair, sent[op.pick % sent.length] as Sent);
      outputs.push(out instanceof Uint8Array ? toHex(out) : out);
    }
  }
  return { outputs, finals: [toHex(encodeRatchetState(pair.states.alice)), toHex(encodeRatchetState(pair.states.bob))] };
}

describe('ratchet property 5: serialize/restore', () => {
  it('a restored state behaves exactly as the live one', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(opArb, { minLength: 1, maxLength: 40 }), (seed, ops) => {
        const live = run(seed, ops, false);
        const restored = run(seed, ops, true);
        expect(restored.outputs).toEqual(live.outputs);
        expect(restored.finals).toEqual(live.finals);
      }),
      fcParams(100),
    );
  });
});
