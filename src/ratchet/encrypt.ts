/** RatchetEncryptHE (spec/protocol.md §6.5.1), with the post-quantum ratchet's block in version 3 (§6.9.5). */
import { MAX_CHAIN_INDEX, MAX_MESSAGE_SIZE } from '../constants.js';
import { fail } from '../errors.js';
import { AEAD_TAG_LENGTH, redact, type Bytes, type RandomSource } from '../crypto/index.js';
import { encodeRatchetMessage, encryptedHeaderLength } from '../wire/index.js';
import { kdfChain } from './chain-key.js';
import { encryptHeader, headerAssociatedData } from './header.js';
import { sealBody } from './message-key.js';
import { nextPqBlock } from './pq/outgoing.js';
import type { RatchetState } from './state.js';

/** Bytes of a msgpack bin header for `n` bytes (bin8, bin16, bin32). */
const binHeaderLength = (n: number): number => (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/** The encoded length of the message that `plaintextLength` bytes become, known before anything is drawn. */
function messageLength(version: number, plaintextLength: number): number {
  const withoutBody = encodeRatchetMessage({
    version, header: new Uint8Array(encryptedHeaderLength(version)), ciphertext: new Uint8Array(0),
  }).length;
  const ciphertextLength = plaintextLength + AEAD_TAG_LENGTH;
  return withoutBody - binHeaderLength(0) + binHeaderLength(ciphertextLength) + ciphertextLength;
}

/**
 * Encrypts one message. Draws from `random`, in this order: in version 3, 64
 * bytes when it starts sending a KEM key or 32 when it encapsulates (§6.9.5);
 * then 24 bytes, the header nonce.
 */
export function ratchetEncrypt(state: RatchetState, plaintext: Bytes, random: RandomSource): { state: RatchetState; message: Bytes } {
  const chainKey = state.sendingChainKey;
  const headerKey = state.sendingHeaderKey;
  if (chainKey === null || headerKey === null) fail('INVALID_STATE', 'no sending chain yet: the receiver sends after the first message arrives');
  if (state.sendingMessageNumber >= MAX_CHAIN_INDEX) fail('INVALID_STATE', 'sending chain exhausted', { max: MAX_CHAIN_INDEX });
  if (!(plaintext instanceof Uint8Array)) fail('MALFORMED', 'plaintext must be bytes');
  // OVERSIZE before the header nonce is drawn: a failed encrypt draws nothing (§6.5.4).
  const length = messageLength(state.version, plaintext.length);
  if (length > MAX_MESSAGE_SIZE) fail('OVERSIZE', 'plaintext too large for one message', { got: length, max: MAX_MESSAGE_SIZE });
  const step = kdfChain(chainKey);
  const pq = state.pq === null ? null : nextPqBlock(state.pq, random);
  const header = {
    ratchetKey: state.sendingRatchetKey.publicKey,
    previousChainLength: state.previousChainLength,
    messageNumber: state.sendingMessageNumber,
    ...(pq === null ? {} : { pq: pq.block }),
  };
  const encryptedHeader = encryptHeader(headerKey, header, headerAssociatedData(state.version, state.associatedData), random);
  const ciphertext = sealBody(step.messageKey, plaintext, state.version, state.associatedData, encryptedHeader);
  const message = encodeRatchetMessage({ version: state.version, header: encryptedHeader, ciphertext });
  const next = { ...state, sendingChainKey: step.chainKey, sendingMessageNumber: state.sendingMessageNumber + 1 };
  return { state: redact(pq === null ? next : { ...next, pq: pq.pq }, 'RatchetState'), message };
}
