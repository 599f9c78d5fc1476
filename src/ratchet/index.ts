/** The Double Ratchet with header encryption (spec/protocol.md §6): the public API of src/ratchet. */
export { initReceiver, initSender, type PreviousReceivingChain, type RatchetState, type RatchetVersion } from './state.js';
export type { PqPhase, PqState } from './pq/state.js';
export { ratchetEncrypt } from './encrypt.js';
export { ratchetDecrypt } from './decrypt.js';
export { decodeRatchetState, encodeRatchetState } from './state-codec.js';
export type { SkippedMessageKey } from './skipped-keys.js';
