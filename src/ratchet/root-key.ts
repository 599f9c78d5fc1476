/**
 * The root chain (spec/protocol.md §6.2, §6.3): the initial keys from the
 * PQXDH secret, and KDF_RK_HE, the step a DH ratchet takes.
 */
import { PQ_RATCHET_ROOT_INFO, RATCHET_INIT_INFO, RATCHET_ROOT_INFO, ZERO_32 } from '../constants.js';
import { fail } from '../errors.js';
import { concatBytes, hkdf, split, utf8, type Bytes } from '../crypto/index.js';

export const KEY_LENGTH = 32;
const INIT_INFO = utf8(RATCHET_INIT_INFO);
const ROOT_INFO = utf8(RATCHET_ROOT_INFO);
const PQ_ROOT_INFO = utf8(PQ_RATCHET_ROOT_INFO);

export interface InitialKeys {
  readonly rootKey: Bytes;
  /** Alice's first sending header key; Bob's first next receiving header key. */
  readonly sharedHeaderKey: Bytes;
  /** Bob's first next sending header key; Alice's first next receiving header key. */
  readonly sharedNextHeaderKey: Bytes;
}

/** §6.3: HKDF(ikm = SK, salt = ZERO_32, info = RATCHET_INIT_INFO, 96) = RK ‖ HK ‖ NHK. */
export function deriveInitialKeys(sharedSecret: Bytes): InitialKeys {
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== KEY_LENGTH) {
    fail('INVALID_KEY', 'shared secret must be 32 bytes', { got: sharedSecret?.length ?? -1 });
  }
  const [rootKey, sharedHeaderKey, sharedNextHeaderKey] = split(
    hkdf(sharedSecret, ZERO_32, INIT_INFO, 3 * KEY_LENGTH), KEY_LENGTH, KEY_LENGTH, KEY_LENGTH,
  ) as [Bytes, Bytes, Bytes];
  return { rootKey, sharedHeaderKey, sharedNextHeaderKey };
}

export interface RootStep {
  readonly rootKey: Bytes;
  readonly chainKey: Bytes;
  readonly nextHeaderKey: Bytes;
}

/** §6.2 KDF_RK_HE: HKDF(ikm = dh_out, salt = rk, info = RATCHET_ROOT_INFO, 96) = RK ‖ CK ‖ NHK. */
export function kdfRootHE(rootKey: Bytes, dhOutput: Bytes): RootStep {
  return rootStep(dhOutput, rootKey, ROOT_INFO);
}

/**
 * §6.9.4 KDF_RK_PQ: HKDF(ikm = dh_out ‖ PQS, salt = rk, info = PQ_RATCHET_ROOT_INFO, 96).
 * The root step of the chain that mixes a completed KEM step: from here on every
 * key depends on PQS, which an adversary who breaks X25519 but not ML-KEM lacks.
 */
export function kdfRootPQ(rootKey: Bytes, dhOutput: Bytes, pqSecret: Bytes): RootStep {
  return rootStep(concatBytes(dhOutput, pqSecret), rootKey, PQ_ROOT_INFO);
}

/** A root step: `pqSecret` given mixes it (KDF_RK_PQ), otherwise KDF_RK_HE. */
export function kdfRoot(rootKey: Bytes, dhOutput: Bytes, pqSecret: Bytes | null): RootStep {
  return pqSecret === null ? kdfRootHE(rootKey, dhOutput) : kdfRootPQ(rootKey, dhOutput, pqSecret);
}

function rootStep(ikm: Bytes, rootKey: Bytes, info: Bytes): RootStep {
  const [nextRootKey, chainKey, nextHeaderKey] = split(
    hkdf(ikm, rootKey, info, 3 * KEY_LENGTH), KEY_LENGTH, KEY_LENGTH, KEY_LENGTH,
  ) as [Bytes, Bytes, Bytes];
  return { rootKey: nextRootKey, chainKey, nextHeaderKey };
}
