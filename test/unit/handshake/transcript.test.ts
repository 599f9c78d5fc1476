/**
 * The PQXDH transcript hash (spec/protocol.md §5.3): SK depends on every
 * public value of the handshake, so two sides that derive one SK agree on the
 * identities, the prekeys used, the ephemeral key, the KEM key and ciphertext
 * and the version — whatever the KEM binds by itself.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/crypto/index.js';
import { pqxdhSharedSecret, pqxdhTranscriptHash, type PqxdhTranscript } from '../../../src/handshake/index.js';
import { seededRandom } from '../../../src/testing/index.js';

const random = seededRandom(new Uint8Array(32).fill(0x74));
const base: PqxdhTranscript = {
  version: 2, initiatorIdentityKey: random(32), responderIdentityKey: random(32), signedPreKey: random(32),
  kemPreKey: random(1568), ephemeralKey: random(32), kemCiphertext: random(1568), oneTimePreKey: random(32),
};
const kdfInput = random(192);

describe('PQXDH transcript binding', () => {
  it('changing any public value of the handshake — one bit, or dropping the one-time prekey — changes TH and SK', () => {
    const reference = toHex(pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash(base)));
    const fields = (Object.keys(base) as (keyof PqxdhTranscript)[]).filter((f) => f !== 'version');
    for (const field of fields) {
      const value = base[field] as Uint8Array;
      for (const at of [0, value.length - 1]) {
        const flipped = value.slice();
        flipped[at] = (flipped[at] as number) ^ 0x01;
        const sk = toHex(pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash({ ...base, [field]: flipped })));
        expect(sk, `${field}[${at}]`).not.toBe(reference);
      }
    }
    const withoutOneTime = { ...base, oneTimePreKey: undefined };
    expect(toHex(pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash(withoutOneTime)))).not.toBe(reference);
  });

  it('the version (2 classic, 3 with the post-quantum ratchet) is bound: a relay cannot relabel a session', () => {
    const reference = toHex(pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash(base)));
    expect(toHex(pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash({ ...base, version: 3 })))).not.toBe(reference);
  });
});
