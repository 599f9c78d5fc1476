/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03): ChaCha20-Poly1305 under
 * the subkey HChaCha20(key, nonce[0..16)) with nonce 0x00000000 ‖ nonce[16..24).
 * Used wherever a nonce is drawn at random (spec/protocol.md §2): a 192-bit
 * nonce makes a collision negligible for any number of messages under one
 * key, where a random 96-bit nonce reaches 2⁻³³ after 2³² messages.
 *
 * node:crypto has no XChaCha20: HChaCha20 (one ChaCha20 block) comes from
 * @noble for every provider, and the ChaCha20-Poly1305 under the subkey from
 * the installed provider — so the node provider keeps its speed for the
 * AEAD, and the bytes are those of the draft whichever provider is installed
 * (test/unit/crypto/xaead.test.ts checks its vector under both).
 */
import { hchacha } from '@noble/ciphers/chacha.js';
import { fail } from '../errors.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from './aead.js';
import type { Bytes } from './bytes.js';
import { cryptoProvider } from './provider.js';

export const XAEAD_NONCE_LENGTH = 24;

/** "expand 32-byte k" as four little-endian words, the ChaCha constant. */
const SIGMA = new Uint32Array(new TextEncoder().encode('expand 32-byte k').buffer);

/** Little-endian 32-bit words of a copy of `bytes` (noble's hchacha reads words; it swaps them itself on big-endian hosts). */
function words(bytes: Bytes): Uint32Array {
  return new Uint32Array(bytes.slice().buffer);
}

/** draft-irtf-cfrg-xchacha, section 2.3: subkey = HChaCha20(key, n[0..16)), nonce = 0x00000000 ‖ n[16..24). */
function subkeyAndNonce(key: Bytes, nonce: Bytes): { subkey: Bytes; chachaNonce: Bytes } {
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(nonce.subarray(0, 16)), out);
  const chachaNonce = new Uint8Array(AEAD_NONCE_LENGTH);
  chachaNonce.set(nonce.subarray(16, 24), 4);
  return { subkey: new Uint8Array(out.buffer), chachaNonce };
}

export function xaeadSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, associatedData: Bytes): Bytes {
  checkParams(key, nonce);
  const { subkey, chachaNonce } = subkeyAndNonce(key, nonce);
  return cryptoProvider().aeadSeal(subkey, chachaNonce, plaintext, associatedData);
}

/** The plaintext, or null when the tag does not verify: for trial decryption (header keys). */
export function xaeadTryOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes | null {
  checkParams(key, nonce);
  if (sealed.length < AEAD_TAG_LENGTH) return null;
  const { subkey, chachaNonce } = subkeyAndNonce(key, nonce);
  return cryptoProvider().aeadOpen(subkey, chachaNonce, sealed, associatedData);
}

/** Opens or throws DECRYPT_FAILED. */
export function xaeadOpen(key: Bytes, nonce: Bytes, sealed: Bytes, associatedData: Bytes): Bytes {
  const plaintext = xaeadTryOpen(key, nonce, sealed, associatedData);
  if (plaintext === null) fail('DECRYPT_FAILED', 'authentication tag does not verify');
  return plaintext;
}

function checkParams(key: Bytes, nonce: Bytes): void {
  if (key.length !== AEAD_KEY_LENGTH) fail('INVALID_KEY', 'AEAD key must be 32 bytes', { got: key.length });
  if (nonce.length !== XAEAD_NONCE_LENGTH) fail('INVALID_KEY', 'XChaCha20 nonce must be 24 bytes', { got: nonce.length });
}
