/** The stored group record's `ex` set (client.md §6.2, §10.6): round trip, absent when empty, bad entries typed. */
import { describe, expect, it } from 'vitest';
import { decodeGroupRecord, encodeGroupRecord, type GroupRecord } from '../../../src/wire/client/group-control.js';
import { encodeMsgpack } from '../../../src/wire/codec.js';
import { isProtocolError } from '../../../src/errors.js';
import type { IdentityKey, MailboxId } from '../../../src/wire/brands.js';

const record: GroupRecord = {
  session: new Uint8Array([1, 2, 3]), name: 'g', token: new Uint8Array(32).fill(7), owed: [], rotation: 2,
  roster: [{ identityKey: new Uint8Array(32).fill(1) as IdentityKey, mailbox: new Uint8Array(16).fill(2) as MailboxId, epoch: 2 }],
};

describe('group record: excluded members', () => {
  it('round-trips the excluded device keys', () => {
    const excluded = [new Uint8Array(32).fill(9), new Uint8Array(32).fill(8)];
    expect(decodeGroupRecord(encodeGroupRecord({ ...record, excluded })).excluded).toEqual(excluded);
  });

  it('writes nothing for an empty set: the record is byte for byte one without it', () => {
    expect(encodeGroupRecord({ ...record, excluded: [] })).toEqual(encodeGroupRecord(record));
    expect(decodeGroupRecord(encodeGroupRecord(record)).excluded).toBeUndefined();
  });

  it('refuses an entry that is not a 32-byte key with a typed error', () => {
    const body = {
      s: record.session, name: record.name, roster: [], tok: record.token, owed: [], rk: 0, ex: [new Uint8Array(31)],
    };
    let error: unknown;
    try {
      decodeGroupRecord(encodeMsgpack([1, 'group', body]));
    } catch (e) {
      error = e;
    }
    expect(isProtocolError(error)).toBe(true);
  });
});
