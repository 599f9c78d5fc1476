/**
 * Golden state fixtures (test/fixtures/*.hex, written once by
 * test/fixtures/generate.ts): serialized state from an earlier build must keep
 * decoding, re-encode to the same bytes, and keep working. A failure here
 * means a state format changed: bump STATE_VERSION and add a migration, do not
 * regenerate the fixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { decodeGroupSession, encodeGroupSession } from '../../../src/group/index.js';
import { decodeIdentityKeyPair, decodePreKeyState, encodeIdentityKeyPair, encodePreKeyState } from '../../../src/identity/index.js';
import { decodeRatchetState, encodeRatchetState } from '../../../src/ratchet/index.js';
import { decodeSessionRecord, encodeSessionRecord, sessionDecrypt } from '../../../src/session/index.js';

const fixture = (name: string): Uint8Array => fromHex(readFileSync(new URL(`../../fixtures/${name}.hex`, import.meta.url), 'utf8').trim());

describe('golden state fixtures (format version 1)', () => {
  it.each([
    ['identity-v1', (b: Uint8Array) => encodeIdentityKeyPair(decodeIdentityKeyPair(b))],
    ['prekeys-v1', (b: Uint8Array) => encodePreKeyState(decodePreKeyState(b))],
    ['session-record-v1', (b: Uint8Array) => encodeSessionRecord(decodeSessionRecord(b))],
    ['ratchet-v1', (b: Uint8Array) => encodeRatchetState(decodeRatchetState(b))],
    ['group-session-v1', (b: Uint8Array) => encodeGroupSession(decodeGroupSession(b))],
  ])('%s decodes and re-encodes to the same bytes', (name, roundTrip) => {
    const bytes = fixture(name);
    expect(toHex(roundTrip(bytes))).toBe(toHex(bytes));
  });

  it('a stored session record still decrypts the peer\'s next message', () => {
    const bob = decodeIdentityKeyPair(fixture('identity-v1'));
    const record = decodeSessionRecord(fixture('session-record-v1'));
    const result = sessionDecrypt({
      record, identity: bob, preKeys: decodePreKeyState(fixture('prekeys-v1')), peer: record.current!.peer,
      message: fixture('message-next-v1'), random: seededRandom(new Uint8Array(32)),
    });
    expect(new TextDecoder().decode(result.plaintext)).toBe('next');
  });
});
