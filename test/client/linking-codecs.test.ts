/**
 * The linking flows' own codecs and payload sections (spec/client.md §10.4):
 * the offer's text form, the group entry of the provisioning payload, and how
 * the new device splits the payload's contact entries into contacts and
 * siblings — round trips, and hostile input refused with a typed error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINK_MAX_OFFER_SIZE, MAX_DISPLAY_NAME_LENGTH } from '../../src/constants.js';
import { isProtocolError } from '../../src/errors.js';
import { createLinkOffer } from '../../src/linking/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack, type LinkPayload } from '../../src/wire/index.js';
import { encodeContactEntry, type ContactEntry } from '../../src/wire/client/contact-entry.js';
import { decodeLinkGroupEntry, encodeLinkGroupEntry } from '../../src/wire/client/link-group.js';
import { decodeLinkHistory, encodeLinkHistory } from '../../src/wire/client/link-history.js';
import { LINK_OFFER_PREFIX, linkOfferToString, readLinkOffer } from '../../src/client/linking/offer-text.js';
import { readLinkPayload } from '../../src/client/linking/payload.js';
import { fcParams } from '../property/fc.js';

const b = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isProtocolError(e) ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return 'ok';
}

describe('link offer text', () => {
  const { offer } = createLinkOffer({ relayUrl: 'wss://relay.example', random: seededRandom(b(32, 7)) });

  it('round trips through the text and takes the QR bytes as they are', () => {
    const text = linkOfferToString(offer);
    expect(text.startsWith(LINK_OFFER_PREFIX)).toBe(true);
    expect(readLinkOffer(`  ${text}\n`).bytes).toEqual(offer);
    expect(readLinkOffer(offer).offer.relayUrl).toBe('wss://relay.example');
  });

  it('refuses what is not an offer: MALFORMED, never a crash', () => {
    const text = linkOfferToString(offer);
    expect(code(() => readLinkOffer('parley:abc'))).toBe('MALFORMED');
    expect(code(() => readLinkOffer(`${LINK_OFFER_PREFIX}!!!`))).toBe('MALFORMED');
    expect(code(() => readLinkOffer(text.slice(0, -3)))).toBe('MALFORMED');
    expect(code(() => readLinkOffer(LINK_OFFER_PREFIX + 'A'.repeat(3 * LINK_MAX_OFFER_SIZE)))).toBe('MALFORMED');
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (s) => {
      const c = code(() => readLinkOffer(LINK_OFFER_PREFIX + s));
      expect(['ok', 'MALFORMED', 'UNSUPPORTED_VERSION', 'OVERSIZE']).toContain(c);
    }), fcParams(300));
  });
});

describe('link group entry', () => {
  it('round trips', () => {
    const e = { id: b(16, 3), name: 'family', channel: false, admin: true };
    expect(decodeLinkGroupEntry(encodeLinkGroupEntry(e))).toEqual(e);
  });

  it('refuses a wrong id, an overlong name, a missing or extra field', () => {
    expect(code(() => decodeLinkGroupEntry(encodeMsgpack({ i: b(15), n: 'x', c: false, a: false })))).toBe('MALFORMED');
    expect(code(() => decodeLinkGroupEntry(encodeMsgpack({ i: b(16), n: 'x'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), c: false, a: false })))).toBe('MALFORMED');
    expect(code(() => decodeLinkGroupEntry(encodeMsgpack({ i: b(16), n: 'x', c: false })))).toBe('MALFORMED');
    expect(code(() => decodeLinkGroupEntry(encodeMsgpack({ i: b(16), n: 'x', c: false, a: false, z: 1 })))).toBe('MALFORMED');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      expect(['ok', 'MALFORMED', 'OVERSIZE']).toContain(code(() => decodeLinkGroupEntry(bytes)));
    }), fcParams(300));
  });
});

describe('the payload as the new device reads it', () => {
  const account = b(32, 9);
  const entry = (a: Uint8Array, name: string, devices: ContactEntry['devices']): Uint8Array => encodeContactEntry({
    accountKey: a, relay: 'wss://relay.example', name, devices, verified: false, blocked: false,
  });
  const payload = (contacts: Uint8Array[]): LinkPayload => ({
    account, deviceList: b(8), deviceId: 2, contacts,
    groups: [encodeLinkGroupEntry({ id: b(16, 4), name: 'g', channel: true, admin: false })],
    settings: [{ name: 'displayName', value: new TextEncoder().encode('Alice') }],
  });

  it('splits contacts from siblings (the entry of our own account) and reads groups and the display name', () => {
    const primary = { key: account, mailbox: b(16, 5), token: b(32, 6) };
    const other = { key: b(32, 11), mailbox: b(16, 12), token: b(32, 13) };
    const read = readLinkPayload(payload([entry(account, 'me', [primary, other]), entry(b(32, 20), 'carol', [{ key: b(32, 20), mailbox: b(16, 21) }])]));
    expect(read.siblings).toEqual([primary, other]);
    expect(read.contacts.map((c) => c.name)).toEqual(['carol']);
    expect(read.groups).toEqual([{ id: b(16, 4), name: 'g', channel: true, admin: false }]);
    expect(read.displayName).toBe('Alice');
  });

  it('a bad entry is MALFORMED (the flow ends the link on it)', () => {
    expect(code(() => readLinkPayload(payload([encodeMsgpack({ a: b(31) })])))).toBe('MALFORMED');
  });
});

describe('link history', () => {
  it('round trips, oldest first as written', () => {
    const entries = [
      { contact: b(32, 1), sender: b(32, 2), content: b(40, 3), at: 5, outgoing: false },
      { contact: b(32, 1), sender: b(32, 4), content: b(10, 5), at: 6, outgoing: true },
    ];
    expect(decodeLinkHistory(encodeLinkHistory(entries))).toEqual(entries);
  });

  it('refuses bad entries and versions with a typed error', () => {
    expect(code(() => decodeLinkHistory(encodeMsgpack({ v: 2, m: [] })))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => decodeLinkHistory(encodeMsgpack({ v: 1, m: [[b(32), b(32), b(1), 1]] })))).toBe('MALFORMED');
    expect(code(() => decodeLinkHistory(encodeMsgpack({ v: 1, m: [[b(31), b(32), b(1), 1, false]] })))).toBe('MALFORMED');
    expect(code(() => decodeLinkHistory(encodeMsgpack({ v: 1, m: [[b(32), b(32), b(0), 1, false]] })))).toBe('MALFORMED');
    expect(code(() => decodeLinkHistory(encodeMsgpack({ v: 1, m: [[b(32), b(32), b(1), 1, 1]] })))).toBe('MALFORMED');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(['ok', 'MALFORMED', 'OVERSIZE', 'UNSUPPORTED_VERSION']).toContain(code(() => decodeLinkHistory(bytes)));
    }), fcParams(300));
  });
});
