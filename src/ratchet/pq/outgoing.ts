/**
 * The sending half of the post-quantum ratchet (spec/protocol.md §6.9.5): what
 * the PQ block of our next message carries. Key generation and encapsulation
 * happen here, lazily, at the first message that needs them, so that
 * decryption never draws for the PQ ratchet (§6.5.4).
 */
import { PQ_CHUNK_SIZE, PQ_MAX_CHUNK_INDEX, PQ_MAX_EPOCH } from '../../constants.js';
import {
  ML_KEM_SEED_LENGTH, mlKem768Encapsulate, mlKem768PublicKey, redact, wipe, type Bytes, type RandomSource,
} from '../../crypto/index.js';
import { emptyBlock, PQ_KIND_CIPHERTEXT, PQ_KIND_KEY, type PqBlock } from './block.js';
import { encodeChunk } from './erasure-code.js';
import { derivePqSecret } from './secret.js';
import type { PqPhase, PqState } from './state.js';

/** KEM draws of §6.5.4: the key pair's seed when a step's key is first sent, the encapsulation's `m` when it is answered. */
function drawForPhase(phase: PqPhase, step: number, random: RandomSource): PqPhase {
  if (phase.kind === 'ek-keygen') {
    const seed = random(ML_KEM_SEED_LENGTH);
    return { kind: 'ek-send', seed, encapsulationKey: mlKem768PublicKey(seed), nextIndex: 0, received: [] };
  }
  if (phase.kind === 'ct-encaps') {
    const m = random(32);
    const { ciphertext, sharedSecret } = mlKem768Encapsulate(phase.encapsulationKey, m);
    const secret = derivePqSecret(sharedSecret, step, phase.encapsulationKey, ciphertext);
    // m is the preimage of ss (FIPS 203: K = G(m ‖ H(ek))), so it goes with ss.
    wipe(m);
    wipe(sharedSecret);
    return redact({ kind: 'ct-send', ciphertext, secret, nextIndex: 0 }, 'PqPhase');
  }
  return phase;
}

function chunkBlock(epoch: number, kind: PqBlock['kind'], step: number, item: Bytes, index: number): PqBlock {
  return { epoch, kind, step, index, data: encodeChunk(item, PQ_CHUNK_SIZE, index) };
}

const nextIndex = (index: number): number => (index + 1) % (PQ_MAX_CHUNK_INDEX + 1);

/**
 * The block of our next message and the PQ state after it. The EK side sends
 * its key until the first ciphertext chunk proves the peer has it; the CT side
 * sends its ciphertext until the peer's chain shows it was mixed. Everything
 * else carries an empty block of the same size.
 */
export function nextPqBlock(pq: PqState, random: RandomSource): { block: PqBlock; pq: PqState } {
  if (pq.epoch >= PQ_MAX_EPOCH) return { block: emptyBlock(pq.epoch), pq }; // §6.9.5 step 4: no step past the last epoch
  const step = pq.epoch + 1;
  const phase = drawForPhase(pq.phase, step, random);
  if (phase.kind === 'ek-send' && phase.received.length === 0) {
    const block = chunkBlock(pq.epoch, PQ_KIND_KEY, step, phase.encapsulationKey, phase.nextIndex);
    return { block, pq: { ...pq, phase: { ...phase, nextIndex: nextIndex(phase.nextIndex) } } };
  }
  if (phase.kind === 'ct-send') {
    const block = chunkBlock(pq.epoch, PQ_KIND_CIPHERTEXT, step, phase.ciphertext, phase.nextIndex);
    return { block, pq: { ...pq, phase: { ...phase, nextIndex: nextIndex(phase.nextIndex) } } };
  }
  return { block: emptyBlock(pq.epoch), pq: phase === pq.phase ? pq : { ...pq, phase } };
}
