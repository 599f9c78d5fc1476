/**
 * PQXDH, responder side (spec/protocol.md §5.5). Pure on the prekey state:
 * the returned state has the one-time prekeys removed, and the caller commits
 * it only after the first ratchet message has decrypted. On failure nothing
 * is returned and the given state is untouched.
 */
import { PROTOCOL_VERSION } from '../constants.js';
import { mlKemDecapsulate, wipe, x25519, type Bytes, type X25519KeyPair } from '../crypto/index.js';
import { identityDhPrivateKey, identityDhPublicKey, type IdentityKeyPair } from '../identity/identity-key.js';
import { consumePreKeys, findKemPreKey, findOneTimePreKey, findSignedPreKey, type PreKeyState } from '../identity/prekeys.js';
import type { InitialMessageHeader } from '../wire/index.js';
import { pqxdhAssociatedData, pqxdhKdfInput, pqxdhSharedSecret, pqxdhTranscriptHash } from './key-agreement.js';

export interface RespondOptions {
  readonly identity: IdentityKeyPair;
  readonly preKeys: PreKeyState;
  readonly header: InitialMessageHeader;
  /** The initial message's `v` (already checked by its decoder), bound into SK; 2 unless given. */
  readonly version?: number;
}

export interface RespondResult {
  /** The state with the used one-time prekey and one-time KEM prekey removed. */
  readonly preKeys: PreKeyState;
  readonly sharedSecret: Bytes;
  readonly associatedData: Bytes;
  /** The signed prekey pair named by the header: the responder's first ratchet key pair (§6.3). */
  readonly signedPreKeyPair: X25519KeyPair;
}

export function respondPqxdh({ identity, preKeys, header, version = PROTOCOL_VERSION }: RespondOptions): RespondResult {
  // Steps 1–3: every lookup before any secret is computed.
  const signedPreKey = findSignedPreKey(preKeys, header.signedPreKeyId);
  const kemPreKey = findKemPreKey(preKeys, header.kemPreKeyId);
  const oneTimePreKey = header.oneTimePreKeyId === undefined ? undefined : findOneTimePreKey(preKeys, header.oneTimePreKeyId);
  const peerIdentityDh = identityDhPublicKey(header.identityKey); // step 4: INVALID_KEY if not a point
  const ownIdentityDh = identityDhPrivateKey(identity);
  const dh = [
    x25519(signedPreKey.keyPair.privateKey, peerIdentityDh), // DH1
    x25519(ownIdentityDh, header.ephemeralKey), // DH2
    x25519(signedPreKey.keyPair.privateKey, header.ephemeralKey), // DH3
  ];
  if (oneTimePreKey !== undefined) dh.push(x25519(oneTimePreKey.keyPair.privateKey, header.ephemeralKey)); // DH4
  const kemSharedSecret = mlKemDecapsulate(header.kemCiphertext, kemPreKey.keyPair.secretKey);
  const kdfInput = pqxdhKdfInput(dh, kemSharedSecret);
  const sharedSecret = pqxdhSharedSecret(kdfInput, pqxdhTranscriptHash({
    version, initiatorIdentityKey: header.identityKey, responderIdentityKey: identity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
    kemPreKey: kemPreKey.keyPair.publicKey, ephemeralKey: header.ephemeralKey, kemCiphertext: header.kemCiphertext,
    oneTimePreKey: oneTimePreKey?.keyPair.publicKey,
  }));
  for (const secret of [...dh, kemSharedSecret, kdfInput, ownIdentityDh]) wipe(secret);
  return {
    preKeys: consumePreKeys(preKeys, { kemPreKeyId: kemPreKey.id, oneTimePreKeyId: oneTimePreKey?.id }),
    sharedSecret,
    associatedData: pqxdhAssociatedData(header.identityKey, identity.publicKey),
    signedPreKeyPair: { privateKey: signedPreKey.keyPair.privateKey.slice(), publicKey: signedPreKey.keyPair.publicKey.slice() },
  };
}
