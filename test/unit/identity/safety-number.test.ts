/** Safety numbers (spec §4.8): symmetric, key-sensitive, scannable payload checks. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/testing/index.js';
import {
  compareScannedPayload, fingerprint, formatSafetyNumber, generateIdentityKeyPair, safetyNumber, scannablePayload,
} from '../../../src/identity/index.js';
import { encodeMsgpack } from '../../../src/wire/index.js';
import { isProtocolError } from '../../../src/errors.js';

const random = seededRandom(new Uint8Array(32).fill(5));
const alice = generateIdentityKeyPair(random).publicKey;
const bob = generateIdentityKeyPair(random).publicKey;
const mallory = generateIdentityKeyPair(random).publicKey;

describe('safety numbers', () => {
  it('are 60 digits, equal on both sides', () => {
    const n = safetyNumber(alice, bob);
    expect(n).toMatch(/^\d{60}$/);
    expect(safetyNumber(bob, alice)).toBe(n);
    expect(formatSafetyNumber(n).split(' ')).toHaveLength(12);
  });

  it('differ for any other key, including a single flipped bit', () => {
    const n = safetyNumber(alice, bob);
    expect(safetyNumber(alice, mallory)).not.toBe(n);
    const flipped = bob.slice();
    flipped[31] = (flipped[31] as number) ^ 1;
    expect(safetyNumber(alice, flipped)).not.toBe(n);
  });

  it('scannable payloads match across the two devices and nowhere else', () => {
    expect(compareScannedPayload(alice, bob, scannablePayload(bob, alice))).toBe(true);
    expect(compareScannedPayload(bob, alice, scannablePayload(alice, bob))).toBe(true);
    expect(compareScannedPayload(alice, bob, scannablePayload(alice, bob))).toBe(false);
    expect(compareScannedPayload(alice, bob, scannablePayload(mallory, alice))).toBe(false);
    expect(compareScannedPayload(alice, bob, scannablePayload(bob, mallory))).toBe(false);
  });

  it('reject malformed payloads with ProtocolError', () => {
    const fp = fingerprint(alice);
    for (const [bytes, code] of [
      [Uint8Array.of(1, 2, 3), 'MALFORMED'],
      [encodeMsgpack({ v: 2, local: fp, remote: fp }), 'UNSUPPORTED_VERSION'],
      [encodeMsgpack({ v: 1, local: fp.subarray(1), remote: fp }), 'MALFORMED'],
      [new Uint8Array(200), 'OVERSIZE'],
    ] as const) {
      try {
        compareScannedPayload(alice, bob, bytes);
        expect.unreachable();
      } catch (e) {
        expect(isProtocolError(e, code)).toBe(true);
      }
    }
  });
});
