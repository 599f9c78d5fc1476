/**
 * Secrets that cannot print: every state holding private keys shows only its
 * name under console.log, util.inspect and JSON.stringify — whether decoded
 * from storage or returned by an operation — and nested inside other values.
 * The snapshots below are the whole output.
 */
import { readFileSync } from 'node:fs';
import { format, inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromHex } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import { createGroup, decodeGroupSession, groupEncrypt, prepareSend } from '../../../src/group/index.js';
import { decodeIdentityKeyPair, decodePreKeyState, generateIdentityKeyPair, rotateSignedPreKey } from '../../../src/identity/index.js';
import { decodeRatchetState, ratchetEncrypt } from '../../../src/ratchet/index.js';
import { decodeSessionRecord, EMPTY_RECORD, sessionEncrypt } from '../../../src/session/index.js';

const fixture = (name: string): Uint8Array => fromHex(readFileSync(new URL(`../../fixtures/${name}.hex`, import.meta.url), 'utf8').trim());
const random = seededRandom(new Uint8Array(32).fill(7));

function printed(value: unknown): string[] {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  console.log(value);
  const logged = format(...(log.mock.calls[0] ?? []));
  return [logged, inspect(value), JSON.stringify(value)];
}

afterEach(() => vi.restoreAllMocks());

describe('secret-holding state redacts its printed forms', () => {
  it.each([
    ['IdentityKeyPair', () => decodeIdentityKeyPair(fixture('identity-v1'))],
    ['PreKeyState', () => decodePreKeyState(fixture('prekeys-v1'))],
    ['SessionRecord', () => decodeSessionRecord(fixture('session-record-v1'))],
    ['RatchetState', () => decodeRatchetState(fixture('ratchet-v1'))],
    ['GroupSession', () => decodeGroupSession(fixture('group-session-v1'))],
  ])('a decoded %s prints as its name only', (name, decode) => {
    expect(printed(decode())).toEqual([`[${name}]`, `[${name}]`, `"[${name}]"`]);
  });

  it('state returned by operations, and nested in other values', () => {
    const identity = generateIdentityKeyPair(random);
    const preKeys = rotateSignedPreKey(decodePreKeyState(fixture('prekeys-v1')), identity, 1, random);
    const record = sessionEncrypt(decodeSessionRecord(fixture('session-record-v1')), new Uint8Array(1), random).record;
    const ratchet = ratchetEncrypt(decodeRatchetState(fixture('ratchet-v1')), new Uint8Array(1), random).state;
    const created = createGroup({ identity, mode: 'group', members: [{ identityKey: generateIdentityKeyPair(random).publicKey, role: 'member' }], random });
    const group = groupEncrypt(prepareSend(created.session, random).session, new Uint8Array(1)).session;
    // A session inside a record holds public keys and its ratchet: the ratchet prints as its name.
    expect(inspect(record.current)).toContain('ratchet: [RatchetState]');
    expect(printed({ identity, preKeys, record, ratchet, group, empty: EMPTY_RECORD })).toMatchInlineSnapshot(`
      [
        "{
        identity: [IdentityKeyPair],
        preKeys: [PreKeyState],
        record: [SessionRecord],
        ratchet: [RatchetState],
        group: [GroupSession],
        empty: [SessionRecord]
      }",
        "{
        identity: [IdentityKeyPair],
        preKeys: [PreKeyState],
        record: [SessionRecord],
        ratchet: [RatchetState],
        group: [GroupSession],
        empty: [SessionRecord]
      }",
        "{"identity":"[IdentityKeyPair]","preKeys":"[PreKeyState]","record":"[SessionRecord]","ratchet":"[RatchetState]","group":"[GroupSession]","empty":"[SessionRecord]"}",
      ]
    `);
  });
});
