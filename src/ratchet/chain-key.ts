/** The symmetric-key ratchet, KDF_CK (spec/protocol.md §6.2). */
import { CHAIN_KEY_SEED, CHAIN_MESSAGE_KEY_SEED } from '../constants.js';
import { hmacSha256Each, type Bytes } from '../crypto/index.js';

export interface ChainStep {
  readonly chainKey: Bytes;
  readonly messageKey: Bytes;
}

const MESSAGE_KEY_INPUT = Uint8Array.of(CHAIN_MESSAGE_KEY_SEED);
const CHAIN_KEY_INPUT = Uint8Array.of(CHAIN_KEY_SEED);

/** §6.2 KDF_CK: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export function kdfChain(chainKey: Bytes): ChainStep {
  const [messageKey, nextChainKey] = hmacSha256Each(chainKey, [MESSAGE_KEY_INPUT, CHAIN_KEY_INPUT]) as [Bytes, Bytes];
  return { messageKey, chainKey: nextChainKey };
}
