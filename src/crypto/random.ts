/**
 * Randomness is injected: every function that needs it takes a RandomSource,
 * so that spec/vectors can be produced from fixed seeds (seeded-random.ts,
 * exported by 'parley/testing' only). Production code uses systemRandom (the
 * platform CSPRNG via crypto.getRandomValues).
 */
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import type { Bytes } from './bytes.js';

export type RandomSource = (length: number) => Bytes;

/** Bytes drawn from the platform CSPRNG per refill of the pool. */
const POOL_SIZE = 4096;
/** Requests longer than this bypass the pool (one getRandomValues call of their own). */
const POOL_MAX_REQUEST = 256;
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * The platform CSPRNG (crypto.getRandomValues), served from a pool: one call
 * fills POOL_SIZE bytes and small requests take the next unserved bytes.
 * This is as safe as a call per request because
 * - the bytes are the same CSPRNG output, each served exactly once (copied
 *   out, then zeroed in the pool), so requests stay independent and uniform;
 * - the unserved bytes are secret only until served, and sit in this
 *   process's memory just like the keys they become;
 * - a JS realm has no fork(): workers and child processes get their own module
 *   instance and their own pool, so no two consumers can be served the same bytes.
 * Saves the per-call cost of getRandomValues for the 12-byte header nonce of every message.
 */
export const systemRandom: RandomSource = (length) => {
  // Long requests, and invalid lengths (rejected there as before), go straight to the CSPRNG.
  if (!Number.isSafeInteger(length) || length < 0 || length > POOL_MAX_REQUEST) return nobleRandomBytes(length);
  if (poolOffset + length > pool.length) {
    pool.fill(0);
    pool = nobleRandomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const end = poolOffset + length;
  const out = pool.slice(poolOffset, end);
  pool.fill(0, poolOffset, end);
  poolOffset = end;
  return out;
};
