/**
 * Prekey bundles (spec/protocol.md §4.5): what an initiator fetches, built
 * from a device's state, and the check every initiator runs before using one.
 */
import { fail } from '../errors.js';
import type { Bytes } from '../crypto/index.js';
import { verifyKemPreKey, verifySignedPreKey, type PreKeyBundle } from '../wire/index.js';
import { findKemPreKey, findOneTimePreKey, kemPreKeyPublic, oneTimePreKeyPublic, signedPreKeyPublic, type PreKeyState } from './prekeys.js';
import type { KemPreKeyId, OneTimePreKeyId } from '../wire/brands.js';

export interface BundleChoice {
  /** A one-time KEM prekey id; default: the lowest one held, else the last-resort key. */
  readonly kemPreKeyId?: KemPreKeyId;
  /** A one-time prekey id, or null for none; default: the lowest one held, if any. */
  readonly oneTimePreKeyId?: OneTimePreKeyId | null;
}

/** The bundle the relay would serve from this state (one-time keys are not removed: the relay does that). */
export function buildPreKeyBundle(state: PreKeyState, identityKey: Bytes, choice: BundleChoice = {}): PreKeyBundle {
  const kem = choice.kemPreKeyId === undefined
    ? state.kemPreKeys[0] ?? state.lastResortKemPreKey
    : findKemPreKey(state, choice.kemPreKeyId);
  const opkId = choice.oneTimePreKeyId === undefined ? state.oneTimePreKeys[0]?.id : choice.oneTimePreKeyId ?? undefined;
  const base = { identityKey, signedPreKey: signedPreKeyPublic(state.signedPreKey), kemPreKey: kemPreKeyPublic(kem) };
  return opkId === undefined ? base : { ...base, oneTimePreKey: oneTimePreKeyPublic(findOneTimePreKey(state, opkId)) };
}

/**
 * Checks both prekey signatures against the bundle's identity key, signed
 * prekey first; throws BAD_SIGNATURE naming the failing key. Run before any
 * key of the bundle is used (§5.4 step 1).
 */
export function verifyBundle(bundle: PreKeyBundle): void {
  if (!verifySignedPreKey(bundle.identityKey, bundle.signedPreKey)) fail('BAD_SIGNATURE', 'invalid signature on the signed prekey', { what: 'signed prekey' });
  if (!verifyKemPreKey(bundle.identityKey, bundle.kemPreKey)) fail('BAD_SIGNATURE', 'invalid signature on the KEM prekey', { what: 'KEM prekey' });
}
