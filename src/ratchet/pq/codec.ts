/**
 * The serialized post-quantum ratchet (spec/protocol.md §6.9.7): the `pq` map
 * of a version 3 ratchet state. Keys in this order: `e` (epoch), `i`
 * (initiator), `p` (phase), then the phase's own fields among `seed`, `ek`,
 * `ct`, `secret`, `next`, `chunks`, in that order. Types, lengths and bounds →
 * MALFORMED (a chunk list of K entries, which would have completed, included:
 * `chunks` holds at most K − 1); a phase that does not fit the party's side of
 * the step, two chunks with one index, or an encapsulation key failing the
 * FIPS 203 check → INVALID_STATE. The encapsulation key of `ek-send` is
 * recomputed from its seed, as the ratchet key's public half is (§6.7).
 */
import { PQ_CHUNK_SIZE, PQ_MAX_CHUNK_INDEX, PQ_MAX_EPOCH } from '../../constants.js';
import {
  checkMlKem768PublicKey, ML_KEM_768_CIPHERTEXT_LENGTH, ML_KEM_768_PUBLIC_KEY_LENGTH, ML_KEM_SEED_LENGTH, mlKem768PublicKey,
  type Bytes,
} from '../../crypto/index.js';
import { fail, isProtocolError } from '../../errors.js';
import { checkBytes, checkUint, readArray, readBoolean, readBytes, readMap, readString, readUint, type WireMap } from '../../wire/index.js';
import { chunkCount } from './erasure-code.js';
import { isEkSide, type PqChunk, type PqPhase, type PqState } from './state.js';

const WHAT = 'pq ratchet state';
const SECRET_LENGTH = 32;

const PHASE_FIELDS: Readonly<Record<PqPhase['kind'], readonly string[]>> = {
  'ek-keygen': [],
  'ek-send': ['seed', 'next', 'chunks'],
  'ek-mix': ['secret'],
  'ct-collect': ['chunks'],
  'ct-encaps': ['ek'],
  'ct-send': ['ct', 'secret', 'next'],
};

const encodeChunks = (chunks: readonly PqChunk[]): unknown[] => chunks.map((c) => [c.index, c.data]);

function phaseFields(phase: PqPhase): Record<string, unknown> {
  switch (phase.kind) {
    case 'ek-keygen': return {};
    case 'ek-send': return { seed: phase.seed, next: phase.nextIndex, chunks: encodeChunks(phase.received) };
    case 'ek-mix': return { secret: phase.secret };
    case 'ct-collect': return { chunks: encodeChunks(phase.received) };
    case 'ct-encaps': return { ek: phase.encapsulationKey };
    case 'ct-send': return { ct: phase.ciphertext, secret: phase.secret, next: phase.nextIndex };
  }
}

export function encodePqState(pq: PqState): WireMap {
  return { e: pq.epoch, i: pq.initiator, p: pq.phase.kind, ...phaseFields(pq.phase) };
}

function invalid(rule: string): never {
  return fail('INVALID_STATE', `${WHAT}: ${rule}`, { what: WHAT });
}

/** Distinct indices, fewer than the item's chunk count (a full set would have been rebuilt). */
function readChunks(map: WireMap, itemLength: number): PqChunk[] {
  const limit = chunkCount(itemLength, PQ_CHUNK_SIZE) - 1;
  const chunks = readArray(map, WHAT, 'chunks', limit).map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 2) fail('MALFORMED', `${WHAT}: chunks entry is not a pair`, { what: WHAT, field: 'chunks' });
    return { index: checkUint(entry[0], WHAT, 'chunks', PQ_MAX_CHUNK_INDEX), data: checkBytes(entry[1], WHAT, 'chunks', PQ_CHUNK_SIZE) };
  });
  if (new Set(chunks.map((c) => c.index)).size !== chunks.length) invalid('two chunks with one index');
  return chunks;
}

function readEncapsulationKey(map: WireMap): Bytes {
  const key = readBytes(map, WHAT, 'ek', ML_KEM_768_PUBLIC_KEY_LENGTH);
  try {
    checkMlKem768PublicKey(key);
  } catch (e) {
    if (isProtocolError(e)) invalid('an encapsulation key failing the FIPS 203 check');
    throw e;
  }
  return key;
}

function readPhase(map: WireMap, kind: PqPhase['kind']): PqPhase {
  switch (kind) {
    case 'ek-keygen': return { kind };
    case 'ek-send': {
      const seed = readBytes(map, WHAT, 'seed', ML_KEM_SEED_LENGTH);
      return {
        kind, seed, encapsulationKey: mlKem768PublicKey(seed),
        nextIndex: readUint(map, WHAT, 'next', PQ_MAX_CHUNK_INDEX), received: readChunks(map, ML_KEM_768_CIPHERTEXT_LENGTH),
      };
    }
    case 'ek-mix': return { kind, secret: readBytes(map, WHAT, 'secret', SECRET_LENGTH) };
    case 'ct-collect': return { kind, received: readChunks(map, ML_KEM_768_PUBLIC_KEY_LENGTH) };
    case 'ct-encaps': return { kind, encapsulationKey: readEncapsulationKey(map) };
    case 'ct-send': return {
      kind, ciphertext: readBytes(map, WHAT, 'ct', ML_KEM_768_CIPHERTEXT_LENGTH),
      secret: readBytes(map, WHAT, 'secret', SECRET_LENGTH), nextIndex: readUint(map, WHAT, 'next', PQ_MAX_CHUNK_INDEX),
    };
  }
}

function readKind(value: unknown): PqPhase['kind'] {
  const kind = readString({ p: value }, WHAT, 'p', 16);
  if (!Object.prototype.hasOwnProperty.call(PHASE_FIELDS, kind)) fail('MALFORMED', `${WHAT}: unknown phase`, { what: WHAT, field: 'p' });
  return kind as PqPhase['kind'];
}

export function decodePqState(value: unknown): PqState {
  const kind = readKind(value !== null && typeof value === 'object' ? (value as WireMap)['p'] : undefined);
  const map = readMap(value, WHAT, ['e', 'i', 'p', ...PHASE_FIELDS[kind]]);
  // The last epoch of §6.9.5 step 4; a session never gets near it (one step takes ~20 messages).
  const epoch = readUint(map, WHAT, 'e', PQ_MAX_EPOCH);
  const initiator = readBoolean(map, WHAT, 'i');
  const phase = readPhase(map, kind);
  if (isEkSide(initiator, epoch + 1) !== kind.startsWith('ek-')) invalid('a phase of the other side of the step');
  return { epoch, initiator, phase };
}
