/**
 * spec/vectors/file.json: encrypted files (format: spec/test-vectors.md
 * §Files). Each blob is built here from the primitives — Padmé, ChaCha20-
 * Poly1305 per chunk with the §11.2 nonce, SHA-256 — over the whole file at
 * once, not through src/file's streaming code; the test opens them through
 * the public API. Negative vectors are derived from the multi-chunk file.
 */
import {
  aeadSeal, concatBytes, sha256, toHex, uintToBytes, utf8, type Bytes,
} from '../../src/crypto/index.js';
import { FILE_CHUNK_LABEL, FILE_MIN_PADDED_SIZE } from '../../src/file/constants.js';
import { seededRandom } from '../../src/testing/index.js';

export const SEED = new Uint8Array(32).fill(0xf1);
const CHUNK_SIZE = 1024;

function padme(length: number): number {
  const log2 = (n: number): number => Math.floor(Math.log2(n));
  const e = log2(length);
  const unit = 2 ** Math.max(0, e - (log2(e) + 1));
  return Math.ceil(length / unit) * unit;
}

interface Built { key: Bytes; size: number; plaintext: Bytes; chunks: Bytes[]; nonces: Bytes[]; paddedSize: number }

function build(key: Bytes, plaintext: Bytes): Built {
  const paddedSize = padme(Math.max(plaintext.length, FILE_MIN_PADDED_SIZE));
  const padded = new Uint8Array(paddedSize);
  padded.set(plaintext);
  const count = Math.ceil(paddedSize / CHUNK_SIZE);
  const chunks: Bytes[] = [];
  const nonces: Bytes[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = concatBytes(uintToBytes(i === count - 1 ? 1 : 0, 4), uintToBytes(i, 8));
    nonces.push(nonce);
    chunks.push(aeadSeal(key, nonce, padded.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), utf8(FILE_CHUNK_LABEL)));
  }
  return { key, size: plaintext.length, plaintext, chunks, nonces, paddedSize };
}

function pointer(b: Built, blob: Bytes = concatBytes(...b.chunks)): Record<string, unknown> {
  return { key: toHex(b.key), size: b.size, chunkSize: CHUNK_SIZE, digest: toHex(sha256(concatBytes(...b.chunks))), blob: toHex(blob) };
}

function flip(bytes: Bytes, at: number): Bytes {
  const out = Uint8Array.from(bytes);
  out[at] = (out[at] as number) ^ 0x01;
  return out;
}

export default function fileVectors(): unknown {
  // Drawn in order: for each positive file its key (32) then its plaintext (size); then the splice file and the wrong key.
  const random = seededRandom(SEED);
  const files = [{ name: 'multi-chunk', size: 2500 }, { name: 'empty', size: 0 }, { name: 'one-chunk', size: CHUNK_SIZE }]
    .map((f) => ({ name: f.name, built: build(random(32), random(f.size)) }));
  const multi = (files[0] as { built: Built }).built;
  const other = build(random(32), random(2500));
  const wrongKey = random(32);
  const [c0, c1, c2] = multi.chunks as [Bytes, Bytes, Bytes];
  const negative = (name: string, error: string, chunk: number | undefined, p: Record<string, unknown>) => ({
    name, ...p, error, ...(chunk !== undefined ? { chunk } : {}),
  });
  return {
    parameters: { seed: toHex(SEED), chunkLabel: FILE_CHUNK_LABEL, minPaddedSize: FILE_MIN_PADDED_SIZE, chunkSize: CHUNK_SIZE },
    files: files.map(({ name, built }) => ({
      name, ...pointer(built), plaintext: toHex(built.plaintext), paddedSize: built.paddedSize,
      chunks: built.chunks.map((c, i) => ({ nonce: toHex(built.nonces[i] as Bytes), sealed: toHex(c) })),
    })),
    negative: [
      negative('truncated at a chunk boundary', 'FILE_TRUNCATED', undefined, pointer(multi, concatBytes(c0, c1))),
      negative('truncated inside a chunk', 'FILE_TRUNCATED', undefined, pointer(multi, concatBytes(c0, c1, c2.subarray(0, c2.length - 1)))),
      negative('trailing byte', 'FILE_TRAILING_DATA', undefined, pointer(multi, concatBytes(c0, c1, c2, new Uint8Array(1)))),
      negative('chunks reordered', 'DECRYPT_FAILED', 0, pointer(multi, concatBytes(c1, c0, c2))),
      negative('chunk duplicated', 'DECRYPT_FAILED', 1, pointer(multi, concatBytes(c0, c0, c2))),
      negative('chunk spliced from another file', 'DECRYPT_FAILED', 1, pointer(multi, concatBytes(c0, other.chunks[1] as Bytes, c2))),
      negative('ciphertext bit flipped', 'DECRYPT_FAILED', 1, pointer(multi, concatBytes(c0, flip(c1, 7), c2))),
      negative('tag bit flipped', 'DECRYPT_FAILED', 2, pointer(multi, concatBytes(c0, c1, flip(c2, c2.length - 1)))),
      negative('wrong key', 'DECRYPT_FAILED', 0, { ...pointer(multi), key: toHex(wrongKey) }),
      negative('digest differs', 'FILE_DIGEST_MISMATCH', undefined, { ...pointer(multi), digest: toHex(sha256(c0)) }),
    ],
  };
}
