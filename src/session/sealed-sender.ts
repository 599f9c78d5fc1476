/**
 * Sealed sender (spec/protocol.md §7.3): encrypts a session message to the
 * recipient's identity key so that the relay learns the recipient (it must
 * deliver) but not the sender.
 *
 * Two layers, as in Signal's sealed sender v1:
 *  1. ephemeral–static DH to the recipient hides the sender's identity key;
 *  2. static–static DH between the two identity keys authenticates it: only
 *     the sender or the recipient could have produced the content tag. This is
 *     deniable toward third parties (no signature), and a recipient whose
 *     identity key is stolen can be sent forgeries (inherent to static DH; the
 *     inner ratchet message is still bound to the session).
 */
import {
  aeadOpen, aeadSeal, concatBytes, ed25519PublicToX25519, ed25519SeedToX25519, generateX25519KeyPair, hkdf, split,
  utf8, x25519, type Bytes, type RandomSource,
} from '../crypto/index.js';
import { fail } from '../errors.js';
import { pad, paddedLength, unpad } from '../wire/padding.js';
import { decodeSealedEnvelope, encodeSealedEnvelope, MAX_SEALED_CONTENT_SIZE } from '../wire/sealed-envelope.js';
import { PROTOCOL_VERSION, SEALED_EPHEMERAL_INFO, SEALED_PADDING_MIN_LENGTH, SEALED_STATIC_INFO } from '../constants.js';
import type { StaticSecretCache } from './static-secrets.js';

/** An Ed25519 identity key pair (src/identity's IdentityKeyPair has this shape). */
interface IdentityKeys {
  readonly publicKey: Bytes;
  readonly privateKey: Bytes;
}

/** The version byte that starts both layers' associated data (§7.3): a relay can not re-label an envelope. */
const VERSION = Uint8Array.of(PROTOCOL_VERSION);

export interface UnsealedContent {
  readonly senderIdentityKey: Bytes;
  readonly content: Bytes;
}

/** The two layers' HKDF info labels, encoded once. */
const EPHEMERAL_INFO = utf8(SEALED_EPHEMERAL_INFO);
const STATIC_INFO = utf8(SEALED_STATIC_INFO);

function ephemeralKeys(dh: Bytes, ephemeralKey: Bytes, recipientIdentityKey: Bytes): Bytes[] {
  const okm = hkdf(dh, concatBytes(ephemeralKey, recipientIdentityKey), EPHEMERAL_INFO, 76);
  return split(okm, 32, 32, 12); // chainKey, key, nonce
}

function staticKeys(dh: Bytes, chainKey: Bytes, sealedSender: Bytes): Bytes[] {
  const okm = hkdf(dh, concatBytes(chainKey, sealedSender), STATIC_INFO, 44);
  return split(okm, 32, 12); // key, nonce
}

/** IK_self^x, the X25519 form of our identity key: derived once per cache (see StaticSecretCache), else per call. */
function ownSecret(identity: IdentityKeys, cache: StaticSecretCache | undefined): Bytes {
  const derive = () => ed25519SeedToX25519(identity.privateKey);
  return cache === undefined ? derive() : cache.ownSecret(identity.publicKey, derive);
}

/** Step 4's DH(IK_self^x, IK_peer^x), through the cache when one is given. */
function staticSecret(identity: IdentityKeys, peer: Bytes, cache: StaticSecretCache | undefined): Bytes {
  const compute = () => x25519(ownSecret(identity, cache), ed25519PublicToX25519(peer));
  return cache === undefined ? compute() : cache.get(identity.publicKey, peer, compute);
}

export function seal(p: {
  identity: IdentityKeys;
  recipientIdentityKey: Bytes;
  content: Bytes;
  random: RandomSource;
  /** Optional memo of `identity`'s sealed-sender secrets (same bytes, fewer DH and key derivations). */
  staticSecrets?: StaticSecretCache;
}): Bytes {
  const recipientX = ed25519PublicToX25519(p.recipientIdentityKey);
  const padded = padContent(p.content); // OVERSIZE before the draw: a failed seal draws nothing (§6.5.4)
  const ephemeral = generateX25519KeyPair(p.random);
  const [chainKey, key1, nonce1] = ephemeralKeys(x25519(ephemeral.privateKey, recipientX), ephemeral.publicKey, p.recipientIdentityKey) as [Bytes, Bytes, Bytes];
  const sealedSender = aeadSeal(key1, nonce1, p.identity.publicKey, concatBytes(VERSION, ephemeral.publicKey, p.recipientIdentityKey));
  const staticDh = staticSecret(p.identity, p.recipientIdentityKey, p.staticSecrets);
  const [key2, nonce2] = staticKeys(staticDh, chainKey, sealedSender) as [Bytes, Bytes];
  const ad = concatBytes(VERSION, ephemeral.publicKey, p.recipientIdentityKey, sealedSender);
  const ciphertext = aeadSeal(key2, nonce2, padded, ad);
  return encodeSealedEnvelope({ ephemeralKey: ephemeral.publicKey, sealedSender, ciphertext });
}

/** §7.3 step 5: pad(content) to its size class (floor SEALED_PADDING_MIN_LENGTH), capped at what one envelope carries. */
function padContent(content: Bytes): Bytes {
  if (content.length >= MAX_SEALED_CONTENT_SIZE) {
    fail('OVERSIZE', 'content too large for a sealed envelope', { got: content.length, max: MAX_SEALED_CONTENT_SIZE - 1 });
  }
  return pad(content, Math.min(paddedLength(content.length, SEALED_PADDING_MIN_LENGTH), MAX_SEALED_CONTENT_SIZE));
}

/** Opens an envelope addressed to `identity` and strips its padding, or throws (MALFORMED, INVALID_KEY, DECRYPT_FAILED). */
export function unseal(p: { identity: IdentityKeys; envelope: Bytes; staticSecrets?: StaticSecretCache }): UnsealedContent {
  const env = decodeSealedEnvelope(p.envelope);
  const ownX = ownSecret(p.identity, p.staticSecrets);
  const [chainKey, key1, nonce1] = ephemeralKeys(x25519(ownX, env.ephemeralKey), env.ephemeralKey, p.identity.publicKey) as [Bytes, Bytes, Bytes];
  const senderIdentityKey = aeadOpen(key1, nonce1, env.sealedSender, concatBytes(VERSION, env.ephemeralKey, p.identity.publicKey));
  if (senderIdentityKey.length !== 32) fail('MALFORMED', 'sealed sender identity has a bad length');
  const [key2, nonce2] = staticKeys(staticSecret(p.identity, senderIdentityKey, p.staticSecrets), chainKey, env.sealedSender) as [Bytes, Bytes];
  const ad = concatBytes(VERSION, env.ephemeralKey, p.identity.publicKey, env.sealedSender);
  const content = unpad(aeadOpen(key2, nonce2, env.ciphertext, ad));
  return { senderIdentityKey, content };
}
