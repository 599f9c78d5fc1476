/** The sender chain step (spec/protocol.md §8.2): HMAC-SHA-256 with one-byte inputs. */
import { SENDER_CHAIN_KEY_SEED, SENDER_CHAIN_MESSAGE_KEY_SEED } from '../constants.js';
import { chainStep, type Bytes, type ChainStep } from '../crypto/index.js';

export type SenderChainStep = ChainStep;

const MESSAGE_KEY_INPUT = Uint8Array.of(SENDER_CHAIN_MESSAGE_KEY_SEED);
const CHAIN_KEY_INPUT = Uint8Array.of(SENDER_CHAIN_KEY_SEED);

/** §8.2: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export function kdfSenderChain(chainKey: Bytes): SenderChainStep {
  return chainStep(chainKey, MESSAGE_KEY_INPUT, CHAIN_KEY_INPUT);
}
