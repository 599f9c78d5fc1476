/**
 * A completed KEM step's PQ secret (spec/protocol.md §6.9.4):
 *
 *   PQS = HKDF(ikm = ss, salt = ZERO32,
 *              info = PQ_RATCHET_SECRET_INFO ‖ u32(step) ‖ SHA-256(ek) ‖ SHA-256(ct), L = 32)
 *
 * Binding the step number, the key and the ciphertext makes two parties who
 * derive the same PQS agree on the exchange that produced it, whatever the KEM
 * guarantees about re-encapsulation (as §5.3 does for PQXDH); hashing them keeps
 * the info short (node:crypto's HKDF takes at most 1024 bytes of info).
 */
import { PQ_RATCHET_SECRET_INFO, ZERO_32 } from '../../constants.js';
import { concatBytes, hkdf, sha256, uintToBytes, utf8, type Bytes } from '../../crypto/index.js';

const SECRET_INFO = utf8(PQ_RATCHET_SECRET_INFO);

export function derivePqSecret(sharedSecret: Bytes, step: number, encapsulationKey: Bytes, ciphertext: Bytes): Bytes {
  const info = concatBytes(SECRET_INFO, uintToBytes(step, 4), sha256(encapsulationKey), sha256(ciphertext));
  return hkdf(sharedSecret, ZERO_32, info, 32);
}
