/**
 * spec/vectors/safety-number.json: fingerprints, 60-digit safety numbers and
 * scannable payloads for three pairs of identity keys (format:
 * spec/test-vectors.md §Safety numbers). Recomputed here from SHA-512, not
 * taken from src/identity; the test checks the public API against it.
 */
import { SAFETY_NUMBER_ITERATIONS, SAFETY_NUMBER_LABEL, SAFETY_NUMBER_VERSION } from '../../src/constants.js';
import { concatBytes, ed25519PublicKey, sha512, toHex, uintToBytes, utf8, type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack } from '../../src/wire/index.js';

export const SEED = new Uint8Array(32).fill(0x53);
const PAIRS = 3;

function fingerprint(key: Bytes): Bytes {
  let h = concatBytes(utf8(SAFETY_NUMBER_LABEL), uintToBytes(SAFETY_NUMBER_VERSION, 2), key, key);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) h = sha512(concatBytes(h, key));
  return h.slice(0, 32);
}

function digits(fp: Bytes): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + (fp[i * 5 + j] as number);
    out += String(v % 100000).padStart(5, '0');
  }
  return out;
}

export default function safetyNumberVectors(): unknown {
  // From the source seeded with SEED, each pair draws a's Ed25519 seed (32) then b's (32).
  const random = seededRandom(SEED);
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    const [a, b] = [ed25519PublicKey(random(32)), ed25519PublicKey(random(32))];
    const [fa, fb] = [fingerprint(a), fingerprint(b)];
    const [da, db] = [digits(fa), digits(fb)];
    pairs.push({
      identityKeyA: toHex(a), identityKeyB: toHex(b),
      fingerprintA: toHex(fa), fingerprintB: toHex(fb),
      digitsA: da, digitsB: db,
      safetyNumber: da <= db ? da + db : db + da,
      payloadA: toHex(encodeMsgpack({ v: SAFETY_NUMBER_VERSION, local: fa, remote: fb })),
      payloadB: toHex(encodeMsgpack({ v: SAFETY_NUMBER_VERSION, local: fb, remote: fa })),
    });
  }
  return {
    parameters: { seed: toHex(SEED), label: SAFETY_NUMBER_LABEL, version: SAFETY_NUMBER_VERSION, iterations: SAFETY_NUMBER_ITERATIONS },
    pairs,
  };
}
