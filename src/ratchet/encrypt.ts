/** RatchetEncryptHE (spec/protocol.md §6.5.1). */
import { MAX_CHAIN_INDEX, MAX_MESSAGE_SIZE } from '../constants.js';
import { fail } from '../errors.js';
import { AEAD_TAG_LENGTH, redact, type Bytes, type RandomSource } from '../crypto/index.js';
import { encodeRatchetMessage, ENCRYPTED_HEADER_LENGTH } from '../wire/index.js';
import { kdfChain } from './chain-key.js';
import { encryptHeader, headerAssociatedData } from './header.js';
import { sealBody } from './message-key.js';
import type { RatchetState } from './state.js';

/** Bytes of a msgpack bin header for `n` bytes (bin8, bin16, bin32). */
const binHeaderLength = (n: number): number => (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/** The encoded length of the message that `plaintextLength` bytes become, known before anything is drawn. */
function messageLength(plaintextLength: number): number {
  const withoutBody = encodeRatchetMessage({ header: new Uint8Array(ENCRYPTED_HEADER_LENGTH), ciphertext: new Uint8Array(0) }).length;
  const ciphertextLength = plaintextLength + AEAD_TAG_LENGTH;
  return withoutBody - binHeaderLength(0) + binHeaderLength(ciphertextLength) + ciphertextLength;
}

/** Encrypts one message. Draws 24 bytes (the header nonce) from `random`. */
export function ratchetEncrypt(state: RatchetState, plaintext: Bytes, random: RandomSource): { state: RatchetState; message: Bytes } {
  const chainKey = state.sendingChainKey;
  const headerKey = state.sendingHeaderKey;
  if (chainKey === null || headerKey === null) fail('INVALID_STATE', 'no sending chain yet: the receiver sends after the first message arrives');
  if (state.sendingMessageNumber >= MAX_CHAIN_INDEX) fail('INVALID_STATE', 'sending chain exhausted', { max: MAX_CHAIN_INDEX });
  if (!(plaintext instanceof Uint8Array)) fail('MALFORMED', 'plaintext must be bytes');
  // OVERSIZE before the header nonce is drawn: a failed encrypt draws nothing (§6.5.4).
  const length = messageLength(plaintext.length);
  if (length > MAX_MESSAGE_SIZE) fail('OVERSIZE', 'plaintext too large for one message', { got: length, max: MAX_MESSAGE_SIZE });
  const step = kdfChain(chainKey);
  const header = {
    ratchetKey: state.sendingRatchetKey.publicKey,
    previousChainLength: state.previousChainLength,
    messageNumber: state.sendingMessageNumber,
  };
  const encryptedHeader = encryptHeader(headerKey, header, headerAssociatedData(state.associatedData), random);
  const ciphertext = sealBody(step.messageKey, plaintext, state.associatedData, encryptedHeader);
  const message = encodeRatchetMessage({ header: encryptedHeader, ciphertext });
  if (message.length > MAX_MESSAGE_SIZE) {
    fail('OVERSIZE', 'plaintext too large for one message', { got: message.length, max: MAX_MESSAGE_SIZE });
  }
  return {
    state: redact({ ...state, sendingChainKey: step.chainKey, sendingMessageNumber: state.sendingMessageNumber + 1 }, 'RatchetState'),
    message,
  };
}
