/**
 * A failed ratchet operation draws no randomness (spec/protocol.md §6.5.4):
 * ratchetEncrypt refuses OVERSIZE before it draws the header nonce, and
 * ratchetDecrypt draws its new ratchet key only after the body authenticates;
 * seal (§7.3) refuses an oversized content before it draws its ephemeral key.
 * So a retry from the same state and random source is byte for byte the
 * operation that would have happened without the failure.
 */
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE } from '../../../src/constants.js';
import { utf8, type Bytes, type RandomSource } from '../../../src/crypto/index.js';
import { identityKeyPairFromSeed } from '../../../src/identity/index.js';
import { encodeRatchetState, ratchetDecrypt, ratchetEncrypt } from '../../../src/ratchet/index.js';
import { seal } from '../../../src/session/index.js';
import { MAX_SEALED_CONTENT_SIZE } from '../../../src/wire/sealed-envelope.js';
import { seededRandom } from '../../../src/testing/index.js';
import { errorCodeOf, makePair } from '../../property/ratchet-harness.js';

/** `random` that counts the bytes drawn from it. */
function counting(random: RandomSource): { random: RandomSource; drawn: () => number } {
  let drawn = 0;
  return { random: (n) => { drawn += n; return random(n); }, drawn: () => drawn };
}

describe('a failed ratchet operation draws nothing', () => {
  it('encrypt: the largest plaintext that fits is sent; one byte more is OVERSIZE and draws no byte', () => {
    const pair = makePair(31);
    const fits = (n: number): boolean => errorCodeOf(() => ratchetEncrypt(pair.states.alice, new Uint8Array(n), seededRandom(new Uint8Array(32)))) === 'ok';
    let n = MAX_MESSAGE_SIZE - 128;
    while (fits(n + 1)) n += 1;
    expect(n).toBeGreaterThan(MAX_MESSAGE_SIZE - 128);
    const { message } = ratchetEncrypt(pair.states.alice, new Uint8Array(n), seededRandom(new Uint8Array(32)));
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_SIZE);
    const source = counting(seededRandom(new Uint8Array(32)));
    expect(errorCodeOf(() => ratchetEncrypt(pair.states.alice, new Uint8Array(n + 1), source.random))).toBe('OVERSIZE');
    expect(source.drawn()).toBe(0);
  });

  it('decrypt: a tampered first message of a new chain (the DH ratchet step) fails without drawing, and the retry is identical', () => {
    const pair = makePair(32);
    const sent = ratchetEncrypt(pair.states.alice, utf8('hello'), pair.randoms.alice);
    const tampered: Bytes = sent.message.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    const seed = new Uint8Array(32).fill(7);
    const source = counting(seededRandom(seed));
    expect(errorCodeOf(() => ratchetDecrypt(pair.states.bob, tampered, source.random))).toBe('DECRYPT_FAILED');
    expect(source.drawn()).toBe(0);
    // The same source, after the failure, gives the state a fresh source of the same seed gives.
    const retried = ratchetDecrypt(pair.states.bob, sent.message, source.random);
    const fresh = ratchetDecrypt(pair.states.bob, sent.message, seededRandom(seed));
    expect(source.drawn()).toBe(32);
    expect(encodeRatchetState(retried.state)).toEqual(encodeRatchetState(fresh.state));
  });

  it('seal: a content too large for one envelope is OVERSIZE and draws no byte', () => {
    const sender = identityKeyPairFromSeed(new Uint8Array(32).fill(1));
    const recipient = identityKeyPairFromSeed(new Uint8Array(32).fill(2));
    const source = counting(seededRandom(new Uint8Array(32)));
    const attempt = () => seal({ identity: sender, recipientIdentityKey: recipient.publicKey, content: new Uint8Array(MAX_SEALED_CONTENT_SIZE), random: source.random });
    expect(errorCodeOf(attempt)).toBe('OVERSIZE');
    expect(source.drawn()).toBe(0);
  });
});
