/**
 * The deterministic RandomSource of the test vectors (spec/test-vectors.md §1).
 * Not exported by src/crypto/index.ts: apps reach it only through
 * 'parley/testing' (src/testing), so it cannot stand in for systemRandom by
 * accident.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { fail } from '../errors.js';
import type { Bytes } from './bytes.js';
import type { RandomSource } from './random.js';

const BLOCK = 64;

/**
 * A deterministic generator for tests and vectors ONLY: the ChaCha20 keystream
 * (RFC 8439, all-zero nonce) under a 32-byte seed, consumed in order.
 * Specified in spec/test-vectors.md so that other implementations can replay
 * the vectors byte for byte.
 */
export function seededRandom(seed: Bytes): RandomSource {
  if (seed.length !== 32) fail('INVALID_KEY', 'seed must be 32 bytes', { got: seed.length });
  const key = Uint8Array.from(seed);
  const nonce = new Uint8Array(12);
  let position = 0;
  return (length) => {
    const firstBlock = Math.floor(position / BLOCK);
    const skip = position - firstBlock * BLOCK;
    const blocks = Math.ceil((skip + length) / BLOCK);
    const stream = chacha20(key, nonce, new Uint8Array(blocks * BLOCK), undefined, firstBlock);
    position += length;
    return stream.slice(skip, skip + length);
  };
}
