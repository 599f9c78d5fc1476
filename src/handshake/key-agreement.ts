/**
 * The PQXDH secret and associated data (spec/protocol.md §5.3, §5.5), shared
 * by both sides.
 */
import { PQXDH_INFO, ZERO_32 } from '../constants.js';
import { concatBytes, hkdf, utf8, type Bytes } from '../crypto/index.js';

export const SHARED_SECRET_LENGTH = 32;
/** F: 32 bytes 0xFF, PQXDH's domain-separation prefix for curve25519 (§5.3). */
const F = new Uint8Array(32).fill(0xff);

/** KDF input F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS. */
export function pqxdhKdfInput(dh: readonly Bytes[], kemSharedSecret: Bytes): Bytes {
  return concatBytes(F, ...dh, kemSharedSecret);
}

/** §5.3: SK = HKDF(ikm = KDF input, salt = 32 zero bytes, info = PQXDH_INFO, 32). */
export function pqxdhSharedSecret(kdfInput: Bytes): Bytes {
  return hkdf(kdfInput, ZERO_32, utf8(PQXDH_INFO), SHARED_SECRET_LENGTH);
}

/** §5.5: AD = IK_initiator (Ed25519, 32) ‖ IK_responder (Ed25519, 32). */
export function pqxdhAssociatedData(initiatorIdentityKey: Bytes, responderIdentityKey: Bytes): Bytes {
  return concatBytes(initiatorIdentityKey, responderIdentityKey);
}
