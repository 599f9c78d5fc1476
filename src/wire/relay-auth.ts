/**
 * The bytes a device signs to answer the relay's challenge (spec/relay.md §3),
 * built in one place for both sides: the client signs them
 * (src/client/transport), the relay verifies them (relay/auth.ts).
 *
 *   "Parley_Relay_Auth_v1" ‖ relayId(32) ‖ nonce(32) ‖ identityKey(32)
 */
import { RELAY_AUTH_LABEL } from '../constants.js';
import { concatBytes, utf8, type Bytes } from '../crypto/index.js';

export function relayAuthPayload(relayId: Bytes, nonce: Bytes, identityKey: Bytes): Bytes {
  return concatBytes(utf8(RELAY_AUTH_LABEL), relayId, nonce, identityKey);
}
