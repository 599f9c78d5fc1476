/**
 * The CT side's encapsulation randomness `m` (spec/protocol.md §6.9.5 step 2)
 * is the preimage of the ML-KEM shared secret (FIPS 203: K = G(m ‖ H(ek))), so
 * it is as secret as `ss`, which is wiped once the step's PQ secret is derived:
 * the 32 bytes drawn for it are wiped too, and nothing else the encrypt draws is.
 */
import { describe, expect, it } from 'vitest';
import type { Bytes, RandomSource } from '../../../src/crypto/index.js';
import { ratchetEncrypt } from '../../../src/ratchet/index.js';
import { deliver, makePair, send } from '../../property/ratchet-harness.js';

/** Hands out the source's bytes and keeps a reference to each buffer it handed out. */
function keeping(random: RandomSource): { random: RandomSource; handedOut: Bytes[] } {
  const handedOut: Bytes[] = [];
  return { handedOut, random: (n) => { const bytes = random(n); handedOut.push(bytes); return bytes; } };
}

describe('PQ ratchet: encapsulation randomness', () => {
  it('the 32-byte m of an encapsulation is zero once ratchetEncrypt returns; the header nonce is not', () => {
    const pair = makePair(41, 3);
    let id = 0;
    // Alice's key reaches Bob in 10 chunks, one per message; Bob's next encrypt encapsulates.
    while (pair.states.bob.pq?.phase.kind !== 'ct-encaps') {
      expect(deliver(pair, send(pair, 'alice', id++))).toBeInstanceOf(Uint8Array);
    }
    const source = keeping(pair.randoms.bob);
    const { state } = ratchetEncrypt(pair.states.bob, new Uint8Array(5), source.random);
    expect(state.pq?.phase.kind).toBe('ct-send');
    expect(source.handedOut.map((b) => b.length)).toEqual([32, 24]);
    const [m, nonce] = source.handedOut as [Bytes, Bytes];
    expect(m.every((b) => b === 0)).toBe(true);
    expect(nonce.some((b) => b !== 0)).toBe(true);
  });
});
