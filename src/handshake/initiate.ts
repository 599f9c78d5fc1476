/**
 * PQXDH, initiator side (spec/protocol.md §5.4): from our identity and a
 * peer's bundle to the shared secret, the associated data and the header the
 * responder needs.
 */
import {
  generateX25519KeyPair, isCanonicalX25519, isLowOrderX25519, mlKemEncapsulator, wipe, x25519, type Bytes, type RandomSource,
} from '../crypto/index.js';
import { PROTOCOL_VERSION, RATCHET_VERSIONS } from '../constants.js';
import { fail } from '../errors.js';
import { verifyBundle } from '../identity/bundle.js';
import { identityDhPrivateKey, identityDhPublicKey, type IdentityKeyPair } from '../identity/identity-key.js';
import type { InitialMessageHeader, PreKeyBundle } from '../wire/index.js';
import { pqxdhAssociatedData, pqxdhKdfInput, pqxdhSharedSecret, pqxdhTranscriptHash } from './key-agreement.js';

export interface InitiateOptions {
  readonly identity: IdentityKeyPair;
  readonly bundle: PreKeyBundle;
  /** Draws 32 bytes (ephemeral private key), then 32 bytes (ML-KEM encapsulation seed). */
  readonly random: RandomSource;
  /** The session's version (§5.6, §6.9): 3 runs the post-quantum ratchet; 2 (the default here) the classic one. */
  readonly version?: number;
}

export interface InitiateResult {
  /** The version the initial message carries and the ratchet runs. */
  readonly version: number;
  /** SK, 32 bytes: the ratchet's initial shared secret. */
  readonly sharedSecret: Bytes;
  /** AD, 64 bytes. */
  readonly associatedData: Bytes;
  /** The responder's signed prekey: the initiator's first peer ratchet key (§6.3). */
  readonly ratchetPublicKey: Bytes;
  readonly initialHeader: InitialMessageHeader;
}

export function initiatePqxdh({ identity, bundle, random, version = PROTOCOL_VERSION }: InitiateOptions): InitiateResult {
  if (!RATCHET_VERSIONS.includes(version)) fail('INVALID_STATE', 'a session is of version 2 or 3', { got: version });
  verifyBundle(bundle); // step 1: both signatures, before any key is used
  const peerIdentityDh = identityDhPublicKey(bundle.identityKey); // step 2
  // Step 3: every key checked before anything is drawn, so a refused bundle draws nothing (§6.5.4).
  const ownIdentityDh = identityDhPrivateKey(identity);
  const dh1 = x25519(ownIdentityDh, bundle.signedPreKey.publicKey); // DH1 = DH(IK_A, SPK_B): refuses a bad SPK_B
  const oneTimePreKey = bundle.oneTimePreKey?.publicKey;
  if (oneTimePreKey !== undefined && (!isCanonicalX25519(oneTimePreKey) || isLowOrderX25519(oneTimePreKey))) {
    fail('INVALID_KEY', 'one-time prekey is not canonical or of low order (DH4 would be all zero)');
  }
  const encapsulator = mlKemEncapsulator(bundle.kemPreKey.publicKey); // FIPS 203 checks
  const ephemeral = generateX25519KeyPair(random); // step 4
  const dh = [
    dh1,
    x25519(ephemeral.privateKey, peerIdentityDh), // DH2 = DH(EK_A, IK_B)
    x25519(ephemeral.privateKey, bundle.signedPreKey.publicKey), // DH3 = DH(EK_A, SPK_B)
  ];
  if (oneTimePreKey !== undefined) dh.push(x25519(ephemeral.privateKey, oneTimePreKey)); // DH4
  const kem = encapsulator.encapsulate(random); // step 6
  const kdfInput = pqxdhKdfInput(dh, kem.sharedSecret);
  const transcriptHash = pqxdhTranscriptHash({
    version, initiatorIdentityKey: identity.publicKey, responderIdentityKey: bundle.identityKey, signedPreKey: bundle.signedPreKey.publicKey,
    kemPreKey: bundle.kemPreKey.publicKey, ephemeralKey: ephemeral.publicKey, kemCiphertext: kem.ciphertext,
    oneTimePreKey: bundle.oneTimePreKey?.publicKey,
  });
  const sharedSecret = pqxdhSharedSecret(kdfInput, transcriptHash);
  for (const secret of [...dh, kem.sharedSecret, kdfInput, ownIdentityDh, ephemeral.privateKey]) wipe(secret);
  const base = {
    identityKey: identity.publicKey,
    ephemeralKey: ephemeral.publicKey,
    signedPreKeyId: bundle.signedPreKey.id,
    kemPreKeyId: bundle.kemPreKey.id,
    kemCiphertext: kem.ciphertext,
  };
  return {
    version,
    sharedSecret,
    associatedData: pqxdhAssociatedData(identity.publicKey, bundle.identityKey),
    ratchetPublicKey: bundle.signedPreKey.publicKey,
    initialHeader: bundle.oneTimePreKey === undefined ? base : { ...base, oneTimePreKeyId: bundle.oneTimePreKey.id },
  };
}
