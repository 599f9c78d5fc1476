/** The symmetric-key ratchet, KDF_CK (spec/protocol.md §6.2). */
import { CHAIN_KEY_SEED, CHAIN_MESSAGE_KEY_SEED } from '../constants.js';
import { chainStep, type Bytes, type ChainStep } from '../crypto/index.js';

export type { ChainStep };

const MESSAGE_KEY_INPUT = Uint8Array.of(CHAIN_MESSAGE_KEY_SEED);
const CHAIN_KEY_INPUT = Uint8Array.of(CHAIN_KEY_SEED);

/** §6.2 KDF_CK: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export function kdfChain(chainKey: Bytes): ChainStep {
  return chainStep(chainKey, MESSAGE_KEY_INPUT, CHAIN_KEY_INPUT);
}
