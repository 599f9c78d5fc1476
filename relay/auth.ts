/**
 * Relay identity, authentication payload, mailbox ids and token hashes
 * (spec/relay.md §3–§5).
 */
import {
  RELAY_ID_LABEL, RELAY_ID_LENGTH, RELAY_MAILBOX_ID_LENGTH, RELAY_MAILBOX_LABEL, RELAY_NONCE_LENGTH,
  RELAY_TOKEN_LABEL,
} from '../src/constants.js';
import { concatBytes, hmacSha256, isPrimeOrderEd25519, sha256, utf8, verify, type Bytes } from '../src/crypto/index.js';
import { relayAuthPayload } from '../src/wire/relay-auth.js';

/** relayId = HMAC-SHA-256(relaySecret, "Parley_Relay_Id_v1"): public, stable as long as the secret is kept (§3). */
export function deriveRelayId(relaySecret: Bytes): Bytes {
  return hmacSha256(relaySecret, utf8(RELAY_ID_LABEL)).slice(0, RELAY_ID_LENGTH);
}

/** "Parley_Relay_Auth_v1" ‖ relayId(32) ‖ nonce(32) ‖ identityKey(32): what the device signs (§3), built by src/wire for both sides. */
export const authPayload = relayAuthPayload;

/**
 * True iff `signature` is the identity key's signature over this relay's
 * challenge and the key is a valid identity key (protocol.md §4.1: canonical,
 * prime order — else A + T would give one private key eight mailboxes).
 * The (costlier) subgroup check runs only after the signature verifies. Never throws.
 */
export function verifyAuth(relayId: Bytes, nonce: Bytes, identityKey: Bytes, signature: Bytes): boolean {
  if (relayId.length !== RELAY_ID_LENGTH || nonce.length !== RELAY_NONCE_LENGTH) return false;
  try {
    return verify(identityKey, authPayload(relayId, nonce, identityKey), signature) && isPrimeOrderEd25519(identityKey);
  } catch {
    return false;
  }
}

/** mailbox = HMAC-SHA-256(relaySecret, "Parley_Relay_Mailbox_v1" ‖ identityKey)[0..16] (§4). */
export function deriveMailboxId(relaySecret: Bytes, identityKey: Bytes): Bytes {
  return hmacSha256(relaySecret, concatBytes(utf8(RELAY_MAILBOX_LABEL), identityKey)).slice(0, RELAY_MAILBOX_ID_LENGTH);
}

/** tokenHash = SHA-256("Parley_Relay_Token_v1" ‖ token) (§5): the only form in which a token is stored. */
export function hashToken(token: Bytes): Bytes {
  return sha256(concatBytes(utf8(RELAY_TOKEN_LABEL), token));
}
