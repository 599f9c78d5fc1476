/**
 * The receiving half of the post-quantum ratchet (spec/protocol.md §6.9.5,
 * §6.9.6): the epoch check and mix at a new receiving chain, the mix at our
 * new sending chain, and the chunks of an authenticated message.
 *
 * Every function is pure and throws before returning anything, so a refused
 * message leaves the ratchet state as it was.
 */
import { PQ_CHUNK_SIZE } from '../../constants.js';
import {
  checkMlKem768PublicKey, ML_KEM_768_CIPHERTEXT_LENGTH, ML_KEM_768_PUBLIC_KEY_LENGTH, mlKem768Decapsulate, redact, wipe, type Bytes,
} from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { PQ_KIND_KEY, PQ_KIND_NONE, type PqBlock } from './block.js';
import { chunkCount, decodeChunks } from './erasure-code.js';
import { derivePqSecret } from './secret.js';
import { isEkSide, startPhase, type PqChunk, type PqState } from './state.js';

export interface Mix {
  /** The PQ secret this root step mixes, or null for a classic step. */
  readonly secret: Bytes | null;
  readonly pq: PqState;
}

function violation(rule: string): never {
  return fail('DECRYPT_FAILED', `post-quantum ratchet: ${rule}`);
}

/** The epoch after a mix: the next step starts, with the roles swapped. */
function advance(pq: PqState): PqState {
  return { epoch: pq.epoch + 1, initiator: pq.initiator, phase: startPhase(pq.initiator, pq.epoch + 2) };
}

/**
 * At the first message of the peer's next chain (§6.9.5): its header names
 * the chain's epoch. Equal to ours: a classic step. One more, and we sent a
 * ciphertext: the peer decapsulated it and mixed the secret, so we mix it too.
 * Anything else cannot come from a peer following the protocol.
 */
export function receivingMix(pq: PqState, headerEpoch: number): Mix {
  if (headerEpoch === pq.epoch) return { secret: null, pq };
  if (headerEpoch === pq.epoch + 1 && pq.phase.kind === 'ct-send') return { secret: pq.phase.secret, pq: advance(pq) };
  return violation('a chain of an epoch that does not follow ours');
}

/** At our next sending chain (§6.9.5): the secret of a decapsulated ciphertext is mixed into it. */
export function sendingMix(pq: PqState): Mix {
  return pq.phase.kind === 'ek-mix' ? { secret: pq.phase.secret, pq: advance(pq) } : { secret: null, pq };
}

/** Adds a chunk unless one with its index is held (a duplicate, or the same index after the indices wrapped). */
function collect(received: readonly PqChunk[], block: PqBlock): readonly PqChunk[] {
  if (received.some((c) => c.index === block.index)) return received;
  return [...received, { index: block.index, data: block.data }];
}

/** Rebuilds an item from its chunks; padding that is not zero means the chunks do not belong together. */
function rebuild(chunks: readonly PqChunk[], length: number): Bytes {
  const { item, paddingIsZero } = decodeChunks(chunks, length, PQ_CHUNK_SIZE);
  if (!paddingIsZero) violation('chunks that rebuild no item');
  return item;
}

function receiveKeyChunk(pq: PqState, step: number, block: PqBlock): PqState {
  if (isEkSide(pq.initiator, step)) return violation('a key chunk for a step whose key is ours');
  if (pq.phase.kind !== 'ct-collect') return pq;
  const received = collect(pq.phase.received, block);
  if (received.length < chunkCount(ML_KEM_768_PUBLIC_KEY_LENGTH, PQ_CHUNK_SIZE)) {
    return { ...pq, phase: { kind: 'ct-collect', received } };
  }
  const encapsulationKey = rebuild(received, ML_KEM_768_PUBLIC_KEY_LENGTH);
  checkMlKem768PublicKey(encapsulationKey);
  return { ...pq, phase: { kind: 'ct-encaps', encapsulationKey } };
}

function receiveCiphertextChunk(pq: PqState, step: number, block: PqBlock): PqState {
  const phase = pq.phase;
  if (!isEkSide(pq.initiator, step)) return violation('a ciphertext chunk for a step whose ciphertext is ours');
  if (phase.kind === 'ek-keygen') return violation('a ciphertext chunk before we sent a key');
  if (phase.kind !== 'ek-send') return pq;
  const received = collect(phase.received, block);
  if (received.length < chunkCount(ML_KEM_768_CIPHERTEXT_LENGTH, PQ_CHUNK_SIZE)) {
    return { ...pq, phase: { ...phase, received } };
  }
  const ciphertext = rebuild(received, ML_KEM_768_CIPHERTEXT_LENGTH);
  const sharedSecret = mlKem768Decapsulate(ciphertext, phase.seed);
  const secret = derivePqSecret(sharedSecret, step, phase.encapsulationKey, ciphertext);
  wipe(sharedSecret);
  return { ...pq, phase: redact({ kind: 'ek-mix', secret }, 'PqPhase') };
}

/**
 * The block of an authenticated message (§6.9.6). Chunks of a step already
 * mixed are stale and ignored, as are chunks of an item already rebuilt;
 * a chunk for a step not begun, or from the wrong side, is a violation.
 */
export function receivePqBlock(pq: PqState, block: PqBlock): PqState {
  if (block.kind === PQ_KIND_NONE || block.step <= pq.epoch) return pq;
  const step = pq.epoch + 1;
  if (block.step > step) return violation('a chunk for a step not begun');
  return block.kind === PQ_KIND_KEY ? receiveKeyChunk(pq, step, block) : receiveCiphertextChunk(pq, step, block);
}
