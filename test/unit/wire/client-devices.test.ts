/**
 * Linked-device codecs of the client (spec/client.md §10.1, §10.2): the account record, the contact entry, the
 * `device` / `sync` / `contact-sync` payloads and the contact's new fields — round trips, and hostile input
 * refused with a typed error (never a crash), within bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../../src/errors.js';
import { encodeMsgpack } from '../../../src/wire/index.js';
import { decodeAccountRecord, encodeAccountRecord, type AccountRecord } from '../../../src/wire/client/account.js';
import { decodeContact, encodeContact, type Contact } from '../../../src/wire/client/contact.js';
import { decodeContactEntry, encodeContactEntry, type ContactEntry } from '../../../src/wire/client/contact-entry.js';
import { decodePayload, encodePayload, type Payload } from '../../../src/wire/client/payload.js';
import { decodeOutboxRecord, decodeStoredMessage, encodeOutboxRecord, encodeStoredMessage } from '../../../src/wire/client/records.js';
import { encodeState } from '../../../src/wire/state-envelope.js';
import type { IdentityKey, MailboxId } from '../../../src/wire/brands.js';
import { errorCodeOf } from '../../property/ratchet-harness.js';

const b = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

const code = errorCodeOf;

const account: AccountRecord = {
  accountKey: b(32, 1), deviceId: 2, primary: false, list: b(200, 9), nextId: 3,
  siblings: [{ key: b(32, 2), mailbox: b(16, 3), token: b(32, 4), ourToken: b(32, 5) }, { key: b(32, 6) }],
};

const entry: ContactEntry = {
  accountKey: b(32, 7), relay: 'ws://relay.test', name: 'Bob', deviceList: b(300, 8),
  devices: [{ key: b(32, 7), mailbox: b(16, 1), token: b(32, 2) }, { key: b(32, 8), mailbox: b(16, 3) }], verified: true, blocked: false,
};

describe('account record', () => {
  it('round-trips, with and without list and sibling addresses', () => {
    expect(decodeAccountRecord(encodeAccountRecord(account))).toEqual(account);
    const single: AccountRecord = { accountKey: b(32), deviceId: 1, primary: true, nextId: 2, siblings: [] };
    expect(decodeAccountRecord(encodeAccountRecord(single))).toEqual(single);
  });

  it('round-trips the owed announcements (client.md §10.1 due, owe); a full record with 96 owed keys fits its bound', () => {
    const owing: AccountRecord = { ...account, owedToAll: true, owed: [b(32, 7), b(32, 8)] };
    expect(decodeAccountRecord(encodeAccountRecord(owing))).toEqual(owing);
    const full: AccountRecord = {
      ...account, list: b(1024), owed: Array.from({ length: 96 }, (_, i) => b(32, i)),
      siblings: Array.from({ length: 7 }, (_, i) => ({ key: b(32, i), mailbox: b(64), token: b(64), ourToken: b(64) })),
    };
    expect(decodeAccountRecord(encodeAccountRecord(full))).toEqual(full);
    expect(code(() => decodeAccountRecord(encodeAccountRecord({ ...full, owed: Array.from({ length: 97 }, (_, i) => b(32, i)) })))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeAccountRecord({ ...account, owed: [b(31)] })))).toBe('MALFORMED');
  });

  it('refuses more siblings than an account has devices, bad lengths and unknown fields', () => {
    const many = { ...account, siblings: Array.from({ length: 8 }, (_, i) => ({ key: b(32, i) })) };
    expect(code(() => decodeAccountRecord(encodeAccountRecord(many)))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeAccountRecord({ ...account, accountKey: b(31) })))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeAccountRecord({ ...account, list: b(1025) })))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeState('account', { a: b(32), id: 1, p: true, next: 2, sib: [], x: 1 })))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeState('account', { a: b(32), id: 1, p: true, next: 2, sib: [{ k: b(32), zz: 1 }] })))).toBe('MALFORMED');
    expect(code(() => decodeAccountRecord(encodeState('contact', {})))).toBe('INVALID_STATE');
  });
});

describe('contact entry', () => {
  it('round-trips', () => {
    expect(decodeContactEntry(encodeContactEntry(entry))).toEqual(entry);
    const bare: ContactEntry = { accountKey: b(32), relay: 'ws://r', devices: [], verified: false, blocked: true };
    expect(decodeContactEntry(encodeContactEntry(bare))).toEqual(bare);
  });

  it('refuses more than 8 devices, a device without mailbox, a long name, a non-map', () => {
    const many = { ...entry, devices: Array.from({ length: 9 }, (_, i) => ({ key: b(32, i), mailbox: b(4) })) };
    expect(code(() => decodeContactEntry(encodeContactEntry(many)))).toBe('MALFORMED');
    expect(code(() => decodeContactEntry(encodeMsgpack({ a: b(32), r: 'x', dv: [{ k: b(32) }], v: true, b: false })))).toBe('MALFORMED');
    expect(code(() => decodeContactEntry(encodeContactEntry({ ...entry, name: 'x'.repeat(65) })))).toBe('MALFORMED');
    expect(code(() => decodeContactEntry(encodeMsgpack([1, 2])))).toBe('MALFORMED');
    expect(code(() => decodeContactEntry(new Uint8Array(70_000)))).toBe('OVERSIZE');
  });
});

describe('device, sync and contact-sync payloads', () => {
  const payloads: Payload[] = [
    { type: 'device', list: b(100) },
    { type: 'device', list: b(100), address: { mailbox: b(16), token: b(32) } },
    { type: 'sync', to: b(32), content: b(40) },
    { type: 'contact-sync', entry: encodeContactEntry(entry) },
  ];

  it('round-trip', () => {
    for (const p of payloads) expect(decodePayload(encodePayload(p))).toEqual(p);
  });

  it('refuse a mailbox without a token, a short account key, an oversized list, unknown keys', () => {
    const raw = (t: string, body: unknown): Uint8Array => encodeMsgpack({ v: 1, t, b: body });
    expect(code(() => decodePayload(raw('device', { l: b(10), mb: b(4) })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('device', { l: b(10), tok: b(32) })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('device', { l: b(1025) })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('device', { l: b(10), x: 1 })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('sync', { to: b(31), c: b(4) })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('sync', { to: b(32), c: new Uint8Array(0) })))).toBe('MALFORMED');
    expect(code(() => decodePayload(raw('contact-sync', { c: b(65 * 1024) })))).toBe('MALFORMED');
  });

  it('arbitrary bytes: a typed error or a payload, never a crash (fast-check, 300 runs)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      for (const decode of [decodePayload, decodeContactEntry, decodeAccountRecord]) {
        try {
          decode(bytes);
        } catch (e) {
          expect(isProtocolError(e)).toBe(true);
        }
      }
    }), { numRuns: 300 });
  });
});

describe('contact record and stored records with linked devices', () => {
  const contact: Contact = {
    id: 'ab', identityKey: b(32) as IdentityKey, relay: 'ws://r', mailbox: b(16) as MailboxId, verified: false, changed: false, blocked: false,
    createdAt: 5, deviceList: b(500), devices: [{ key: b(32, 2), mailbox: b(16, 3), token: b(32, 4) }, { key: b(32, 5) }],
  };

  it('round-trips deviceList and devices; a record without them reads as before', () => {
    expect(decodeContact(encodeContact(contact))).toEqual(contact);
    const { deviceList: _l, devices: _d, ...plain } = contact;
    expect(decodeContact(encodeContact(plain))).toEqual(plain);
  });

  it('a full contact (list at its bound, 8 devices with long tokens) fits the record bound', () => {
    const full: Contact = {
      ...contact, name: 'n'.repeat(64), token: b(64), ourToken: b(64), previousIdentityKey: b(32) as IdentityKey, relay: 'w'.repeat(512),
      mailbox: b(64) as MailboxId, deviceList: b(1024), devices: Array.from({ length: 8 }, (_, i) => ({ key: b(32, i), mailbox: b(64), token: b(64) })),
      merged: Array.from({ length: 16 }, (_, i) => `${i}`.padStart(64, 'f')),
    };
    expect(decodeContact(encodeContact(full))).toEqual(full);
  });

  it('refuses 17 merged ids and a merged id longer than 64 (client.md §4.3)', () => {
    expect(code(() => decodeContact(encodeContact({ ...contact, merged: Array.from({ length: 17 }, (_, i) => `${i}`) })))).toBe('MALFORMED');
    expect(code(() => decodeContact(encodeContact({ ...contact, merged: ['x'.repeat(65)] })))).toBe('MALFORMED');
  });

  it('refuses 9 devices', () => {
    const nine = { ...contact, devices: Array.from({ length: 9 }, (_, i) => ({ key: b(32, i) })) };
    expect(code(() => decodeContact(encodeContact(nine)))).toBe('MALFORMED');
  });

  it('outbox quiet flag and outgoing stored messages round-trip; other values are refused', () => {
    const o = { id: b(16), to: 'c', recipients: [{ mailbox: b(4), token: b(32) }], envelope: b(10), fanout: false, quiet: true as const };
    expect(decodeOutboxRecord(encodeOutboxRecord(o))).toEqual(o);
    expect(code(() => decodeOutboxRecord(encodeState('outbox', { id: b(16), to: 'c', r: [], e: b(1), fanout: false, q: false })))).toBe('MALFORMED');
    const m = { from: 'c', content: b(5), receivedAt: 1, outgoing: true as const };
    expect(decodeStoredMessage(encodeStoredMessage(m))).toEqual(m);
    expect(code(() => decodeStoredMessage(encodeState('message', { from: 'c', c: b(1), at: 1, out: 1 })))).toBe('MALFORMED');
  });
});
