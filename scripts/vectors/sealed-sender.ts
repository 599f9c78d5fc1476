/**
 * spec/vectors/sealed-sender.json: sealed-sender envelopes (spec/protocol.md
 * §7.3) with every intermediate, recomputed here step by step from the
 * primitives; the test checks the public API (seal/unseal) against it.
 * Format: spec/test-vectors.md §Sealed sender.
 */
import { PROTOCOL_VERSION, SEALED_EPHEMERAL_INFO, SEALED_PADDING_MIN_LENGTH, SEALED_STATIC_INFO } from '../../src/constants.js';
import { aeadSeal, concatBytes, ed25519PublicKey, ed25519PublicToX25519, ed25519SeedToX25519, hkdf, split, toHex, utf8, x25519, x25519PublicKey, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeSealedEnvelope, encodeSessionMessage, pad, paddedLength } from '../../src/wire/index.js';

const VERSION = Uint8Array.of(PROTOCOL_VERSION);

export const SEED = new Uint8Array(32).fill(0x5e);

function envelope(senderSeed: Bytes, recipientIdentityKey: Bytes, content: Bytes, randomSeed: Bytes) {
  const random = seededRandom(randomSeed);
  const senderIdentityKey = ed25519PublicKey(senderSeed);
  const recipientX = ed25519PublicToX25519(recipientIdentityKey);
  const ephemeralPrivateKey = random(32);
  const ephemeralKey = x25519PublicKey(ephemeralPrivateKey);
  const dhEphemeral = x25519(ephemeralPrivateKey, recipientX);
  const [chainKey, key1, nonce1] = split(
    hkdf(dhEphemeral, concatBytes(ephemeralKey, recipientIdentityKey), utf8(SEALED_EPHEMERAL_INFO), 76), 32, 32, 12,
  ) as [Bytes, Bytes, Bytes];
  const sealedSender = aeadSeal(key1, nonce1, senderIdentityKey, concatBytes(VERSION, ephemeralKey, recipientIdentityKey));
  const dhStatic = x25519(ed25519SeedToX25519(senderSeed), recipientX);
  const [key2, nonce2] = split(hkdf(dhStatic, concatBytes(chainKey, sealedSender), utf8(SEALED_STATIC_INFO), 44), 32, 12) as [Bytes, Bytes];
  const paddedContent = pad(content, paddedLength(content.length, SEALED_PADDING_MIN_LENGTH)); // §7.3 step 5: the sealed floor
  const ciphertext = aeadSeal(key2, nonce2, paddedContent, concatBytes(VERSION, ephemeralKey, recipientIdentityKey, sealedSender));
  return {
    randomSeed: toHex(randomSeed), content: toHex(content), paddedContent: toHex(paddedContent),
    ephemeralPrivateKey: toHex(ephemeralPrivateKey), ephemeralKey: toHex(ephemeralKey),
    dhEphemeral: toHex(dhEphemeral), chainKey: toHex(chainKey), key1: toHex(key1), nonce1: toHex(nonce1),
    sealedSender: toHex(sealedSender), dhStatic: toHex(dhStatic), key2: toHex(key2), nonce2: toHex(nonce2),
    ciphertext: toHex(ciphertext),
    envelope: toHex(encodeSealedEnvelope({ ephemeralKey, sealedSender, ciphertext })),
  };
}

export default function sealedSenderVectors(): unknown {
  // From the source seeded with SEED: the sender's Ed25519 seed (32), the recipient's (32), then two 32-byte random seeds.
  const random = seededRandom(SEED);
  const senderSeed = random(32);
  const recipientSeed = random(32);
  const recipientIdentityKey = ed25519PublicKey(recipientSeed);
  const ratchetKind = encodeSessionMessage({ kind: 'ratchet', body: utf8('an opaque ratchet message') });
  const initialKind = encodeSessionMessage({ kind: 'initial', body: utf8('an opaque initial message') });
  return {
    parameters: {
      seed: toHex(SEED), version: PROTOCOL_VERSION, ephemeralInfo: SEALED_EPHEMERAL_INFO, staticInfo: SEALED_STATIC_INFO,
      senderSeed: toHex(senderSeed), senderIdentityKey: toHex(ed25519PublicKey(senderSeed)),
      senderX25519PrivateKey: toHex(ed25519SeedToX25519(senderSeed)),
      recipientSeed: toHex(recipientSeed), recipientIdentityKey: toHex(recipientIdentityKey),
      recipientX25519PublicKey: toHex(ed25519PublicToX25519(recipientIdentityKey)),
    },
    envelopes: [
      envelope(senderSeed, recipientIdentityKey, ratchetKind, random(32)),
      envelope(senderSeed, recipientIdentityKey, initialKind, random(32)),
    ],
  };
}
