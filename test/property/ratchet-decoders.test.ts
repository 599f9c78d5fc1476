/**
 * Property 6 (issue 2), ratchet part: the ratchet message decoder, the state
 * decoder and ratchetDecrypt, fed arbitrary bytes or mutated valid
 * encodings, throw nothing but ProtocolError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bytes } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { decodeRatchetState, encodeRatchetState, ratchetDecrypt, type RatchetState } from '../../src/ratchet/index.js';
import { decodeRatchetMessage } from '../../src/wire/index.js';
import { opArb, runSchedule, type Sent } from './ratchet-harness.js';
import { fcParams } from './fc.js';

function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(isProtocolError(e), String(e)).toBe(true);
  }
}

type Mutation = { kind: 'set'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'append'; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(bytes: Bytes, mutations: readonly Mutation[]): Bytes {
  let out = bytes.slice();
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'set') out[m.at % out.length] = m.value;
    else if (m.kind === 'truncate') out = out.slice(0, m.at % out.length);
    else out = Uint8Array.from([...out, ...m.bytes]);
  }
  return out;
}

// One conversation gives valid messages and states to mutate.
const net = runSchedule(7, [
  { kind: 'send', from: 'alice' }, { kind: 'send', from: 'alice' }, { kind: 'deliver', pick: 1 },
  { kind: 'send', from: 'bob' }, { kind: 'deliver', pick: 1 }, { kind: 'send', from: 'alice' }, { kind: 'send', from: 'bob' },
  { kind: 'send', from: 'alice' },
]);
const messages = net.pending.map((m: Sent) => m.message);
const states: RatchetState[] = [net.pair.states.alice, net.pair.states.bob];

describe('ratchet property 6: decoders', () => {
  it('arbitrary bytes: only ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyProtocolErrors(() => decodeRatchetMessage(bytes));
        onlyProtocolErrors(() => decodeRatchetState(bytes));
        onlyProtocolErrors(() => ratchetDecrypt(net.pair.states.bob, bytes, () => new Uint8Array(32).fill(1)));
      }),
      fcParams(500),
    );
  });

  it('mutated valid messages and states: only ProtocolError', () => {
    expect(messages.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.nat(), fc.nat(1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (pick, side, mutations) => {
        const message = mutate(messages[pick % messages.length] as Bytes, mutations);
        onlyProtocolErrors(() => decodeRatchetMessage(message));
        onlyProtocolErrors(() => ratchetDecrypt(net.pair.states.alice, message, () => new Uint8Array(32).fill(1)));
        onlyProtocolErrors(() => ratchetDecrypt(net.pair.states.bob, message, () => new Uint8Array(32).fill(1)));
        onlyProtocolErrors(() => decodeRatchetState(mutate(encodeRatchetState(states[side] as RatchetState), mutations)));
      }),
      fcParams(500),
    );
  });
});
