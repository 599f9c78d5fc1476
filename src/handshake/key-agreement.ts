/**
 * The PQXDH secret, transcript and associated data (spec/protocol.md §5.3,
 * §5.5), shared by both sides.
 */
import { PQXDH_INFO, PQXDH_TRANSCRIPT_LABEL, ZERO_32 } from '../constants.js';
import { concatBytes, hkdf, sha256, utf8, type Bytes } from '../crypto/index.js';

export const SHARED_SECRET_LENGTH = 32;
/** F: 32 bytes 0xFF, PQXDH's domain-separation prefix for curve25519 (§5.3). */
const F = new Uint8Array(32).fill(0xff);

/** KDF input F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS. */
export function pqxdhKdfInput(dh: readonly Bytes[], kemSharedSecret: Bytes): Bytes {
  return concatBytes(F, ...dh, kemSharedSecret);
}

/** The public values of one handshake, as both sides see them. */
export interface PqxdhTranscript {
  /** The initial message's `v`: 2 (classic ratchet) or 3 (post-quantum ratchet), so the choice is bound into SK. */
  readonly version: number;
  readonly initiatorIdentityKey: Bytes;
  readonly responderIdentityKey: Bytes;
  readonly signedPreKey: Bytes;
  readonly kemPreKey: Bytes;
  readonly ephemeralKey: Bytes;
  readonly kemCiphertext: Bytes;
  readonly oneTimePreKey?: Bytes | undefined;
}

/**
 * §5.3: TH = SHA256(label ‖ u8(v) ‖ IK_A ‖ IK_B ‖ SPK_B ‖ PQPK_B ‖ EK_A ‖ CT ‖ (u8(0) | u8(1) ‖ OPK_B)).
 * Binding the KEM key and ciphertext into SK is what keeps the handshake safe
 * with a KEM that does not bind them itself (re-encapsulation, §2).
 */
export function pqxdhTranscriptHash(t: PqxdhTranscript): Bytes {
  const oneTime = t.oneTimePreKey === undefined ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), t.oneTimePreKey);
  return sha256(concatBytes(
    utf8(PQXDH_TRANSCRIPT_LABEL), Uint8Array.of(t.version), t.initiatorIdentityKey, t.responderIdentityKey,
    t.signedPreKey, t.kemPreKey, t.ephemeralKey, t.kemCiphertext, oneTime,
  ));
}

/** §5.3: SK = HKDF(ikm = KDF input, salt = 32 zero bytes, info = PQXDH_INFO ‖ TH, 32). */
export function pqxdhSharedSecret(kdfInput: Bytes, transcriptHash: Bytes): Bytes {
  return hkdf(kdfInput, ZERO_32, concatBytes(utf8(PQXDH_INFO), transcriptHash), SHARED_SECRET_LENGTH);
}

/** §5.5: AD = IK_initiator (Ed25519, 32) ‖ IK_responder (Ed25519, 32). */
export function pqxdhAssociatedData(initiatorIdentityKey: Bytes, responderIdentityKey: Bytes): Bytes {
  return concatBytes(initiatorIdentityKey, responderIdentityKey);
}
