/**
 * The two symmetric constructions shared by the Double Ratchet (spec §6.2)
 * and Sender Keys (§8.2), written once:
 *  - the chain step: message key = HMAC(ck, m), next chain key = HMAC(ck, c),
 *    with one-byte inputs m and c given by the caller's section;
 *  - a message key → one AEAD key and nonce: HKDF(ikm = mk, salt = ZERO_32,
 *    info, 44) split 32 ‖ 12, with the caller's domain-separating info label.
 */
import { ZERO_32 } from '../constants.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH } from './aead.js';
import type { Bytes } from './bytes.js';
import { hkdf, hmacSha256Each, split } from './kdf.js';

export interface ChainStep {
  readonly chainKey: Bytes;
  readonly messageKey: Bytes;
}

export interface MessageAeadKeys {
  readonly key: Bytes;
  readonly nonce: Bytes;
}


/** One step of a symmetric-key chain; the HMAC is keyed once for both inputs. */
export function chainStep(chainKey: Bytes, messageKeyInput: Bytes, chainKeyInput: Bytes): ChainStep {
  const [messageKey, next] = hmacSha256Each(chainKey, [messageKeyInput, chainKeyInput]) as [Bytes, Bytes];
  return { messageKey, chainKey: next };
}

/** The AEAD key and nonce of one message key (`info` already encoded as bytes). */
export function messageAeadKeys(messageKey: Bytes, info: Bytes): MessageAeadKeys {
  const [key, nonce] = split(hkdf(messageKey, ZERO_32, info, AEAD_KEY_LENGTH + AEAD_NONCE_LENGTH), AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH) as [Bytes, Bytes];
  return { key, nonce };
}
