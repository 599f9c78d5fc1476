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
import { decodeSessionRecord, encodeSessionRecord, sessionDecrypt, sessionEncrypt, type SessionRecord } from '../../../src/session/index.js';
import { decodeSessionMessage } from '../../../src/wire/index.js';
import { isProtocolError } from '../../../src/errors.js';

const fixture = (name: string): Uint8Array => fromHex(readFileSync(new URL(`../../fixtures/${name}.hex`, import.meta.url), 'utf8').trim());

describe('golden state fixtures (format version 1)', () => {
  it.each([
    ['identity-v1', (b: Uint8Array) => encodeIdentityKeyPair(decodeIdentityKeyPair(b))],
    ['prekeys-v1', (b: Uint8Array) => encodePreKeyState(decodePreKeyState(b))],
    ['ratchet-v1', (b: Uint8Array) => encodeRatchetState(decodeRatchetState(b))],
    ['group-session-v1', (b: Uint8Array) => encodeGroupSession(decodeGroupSession(b))],
  ])('%s decodes and re-encodes to the same bytes', (name, roundTrip) => {
    const bytes = fixture(name);
    expect(toHex(roundTrip(bytes))).toBe(toHex(bytes));
  });

});

/**
 * Protocol version 2 upgrades version 1 session records (spec/protocol.md
 * §7.1): the layout is unchanged, established sessions carry over, and an
 * initiator session still waiting for its first answer is dropped. The
 * *-established-v1 fixtures were written by the version 1 build (commit
 * 70a1c69): a session in which Alice and Bob have each received a message.
 */
describe('version 1 session records upgrade to version 2', () => {
  // [1, "session-record", …] starts 93 01; version 2 writes 93 02 and the same body.
  const upgradedBytes = (name: string): string => `9302${toHex(fixture(name)).slice(4)}`;

  it('session-record-v1 decodes and re-encodes as version 2 with the same body', () => {
    expect(toHex(fixture('session-record-v1')).slice(0, 4)).toBe('9301');
    expect(toHex(encodeSessionRecord(decodeSessionRecord(fixture('session-record-v1'))))).toBe(upgradedBytes('session-record-v1'));
  });

  it('an established version 1 session carries on with version 2 messages both ways', () => {
    const alice = decodeIdentityKeyPair(fixture('identity-alice-established-v1'));
    const bob = decodeIdentityKeyPair(fixture('identity-bob-established-v1'));
    let aliceRecord: SessionRecord = decodeSessionRecord(fixture('session-record-alice-established-v1'));
    let bobRecord: SessionRecord = decodeSessionRecord(fixture('session-record-bob-established-v1'));
    const preKeys = decodePreKeyState(fixture('prekeys-v1'));
    const random = seededRandom(new Uint8Array(32).fill(7));
    for (const [from, text] of [['alice', 'after the upgrade'], ['bob', 'still here'], ['alice', 'and again']] as const) {
      const sent = sessionEncrypt(from === 'alice' ? aliceRecord : bobRecord, new TextEncoder().encode(text), random);
      expect(decodeSessionMessage(sent.message).kind).toBe('ratchet');
      const got = sessionDecrypt({
        record: from === 'alice' ? bobRecord : aliceRecord, identity: from === 'alice' ? bob : alice, preKeys,
        peer: (from === 'alice' ? alice : bob).publicKey, message: sent.message, random,
      });
      expect(new TextDecoder().decode(got.plaintext)).toBe(text);
      if (from === 'alice') { aliceRecord = sent.record; bobRecord = got.record; } else { bobRecord = sent.record; aliceRecord = got.record; }
    }
  });

  it('a version 1 message is refused UNSUPPORTED_VERSION and the upgraded record is unchanged', () => {
    const bob = decodeIdentityKeyPair(fixture('identity-v1'));
    const record = decodeSessionRecord(fixture('session-record-v1'));
    const before = encodeSessionRecord(record);
    let code: string | undefined;
    try {
      sessionDecrypt({
        record, identity: bob, preKeys: decodePreKeyState(fixture('prekeys-v1')), peer: record.current!.peer,
        message: fixture('message-next-v1'), random: seededRandom(new Uint8Array(32)),
      });
    } catch (e) { if (isProtocolError(e)) code = e.code; }
    expect(code).toBe('UNSUPPORTED_VERSION');
    expect(toHex(encodeSessionRecord(record))).toBe(toHex(before));
  });

  it('an unanswered version 1 initiator session is dropped, so the next send starts a version 2 session', () => {
    const record = decodeSessionRecord(fixture('session-record-alice-established-v1'));
    const current = record.current!;
    const pending = {
      identityKey: current.peer, ephemeralKey: current.base, signedPreKeyId: 1, kemPreKeyId: 1, kemCiphertext: new Uint8Array(1568),
    };
    const unanswered = { ...current, role: 'initiator' as const, pending, received: false };
    const v2 = encodeSessionRecord({ ...record, current: unanswered, archived: [unanswered, current] });
    expect(decodeSessionRecord(v2).current).not.toBeNull(); // a version 2 record keeps it
    const upgraded = decodeSessionRecord(fromHex(`9301${toHex(v2).slice(4)}`));
    expect(upgraded.current).toBeNull();
    expect(upgraded.archived.map((s) => s.pending)).toEqual([null]);
  });
});
