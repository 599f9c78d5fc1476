/**
 * Two edges of the PQ ratchet's state rules (protocol.md §6.9.5 step 4, §7.1):
 * a party at the last epoch starts no further step (it sends empty blocks
 * and draws nothing for the KEM), and a session record whose PQ role
 * contradicts its PQXDH role is refused rather than left to stall.
 */
import { describe, expect, it } from 'vitest';
import { PQ_MAX_EPOCH } from '../../../src/constants.js';
import { utf8, type Bytes } from '../../../src/crypto/index.js';
import { decodeRatchetState, encodeRatchetState, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../../src/ratchet/index.js';
import { decodeSessionRecord, EMPTY_RECORD, encodeSessionRecord, startSession } from '../../../src/session/index.js';
import { generateIdentityKeyPair, createPreKeyState, buildPreKeyBundle } from '../../../src/identity/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { errorCodeOf, makePair } from '../../property/ratchet-harness.js';

/** `random` wrapped to count the bytes of each draw. */
function counting(random: (n: number) => Bytes): { random: (n: number) => Bytes; draws: number[] } {
  const draws: number[] = [];
  return { draws, random: (n) => (draws.push(n), random(n)) };
}

describe('PQ ratchet limits', () => {
  it('at the last epoch a party sends empty blocks and draws only the header nonce; its peer still decrypts', () => {
    const pair = makePair(41, 3);
    const alice: RatchetState = { ...pair.states.alice, pq: { ...pair.states.alice.pq!, epoch: PQ_MAX_EPOCH } };
    const bob: RatchetState = { ...pair.states.bob, pq: { ...pair.states.bob.pq!, epoch: PQ_MAX_EPOCH } };
    const { random, draws } = counting(pair.randoms.alice);
    const sent = ratchetEncrypt(alice, utf8('last'), random);
    expect(draws).toEqual([24]);
    expect(sent.state.pq?.phase.kind).toBe('ek-keygen');
    const got = ratchetDecrypt(bob, sent.message, pair.randoms.bob);
    expect(new TextDecoder().decode(got.plaintext)).toBe('last');
    expect(got.state.pq?.epoch).toBe(PQ_MAX_EPOCH);
    expect(decodeRatchetState(encodeRatchetState(got.state)).pq?.epoch).toBe(PQ_MAX_EPOCH);
    // Without the limit the same state draws a 64-byte KEM seed first.
    const normal = counting(pair.randoms.alice);
    ratchetEncrypt(pair.states.alice, utf8('first'), normal.random);
    expect(normal.draws).toEqual([64, 24]);
  });

  it('a session record whose PQ ratchet role differs from its PQXDH role is INVALID_STATE', () => {
    const random = seededRandom(new Uint8Array(32).fill(0x42));
    const alice = generateIdentityKeyPair(random);
    const bob = generateIdentityKeyPair(random);
    const preKeys = createPreKeyState({ identity: bob, random, now: 1, oneTimePreKeys: 1, kemPreKeys: 1 });
    const record = startSession({ record: EMPTY_RECORD, identity: alice, bundle: buildPreKeyBundle(preKeys, bob.publicKey), random });
    expect(decodeSessionRecord(encodeSessionRecord(record)).current?.ratchet.version).toBe(3);
    const current = record.current!;
    const flipped = { ...record, current: { ...current, ratchet: { ...current.ratchet, pq: { ...current.ratchet.pq!, initiator: false, phase: { kind: 'ct-collect' as const, received: [] } } } } };
    expect(errorCodeOf(() => decodeSessionRecord(encodeSessionRecord(flipped)))).toBe('INVALID_STATE');
  });
});
