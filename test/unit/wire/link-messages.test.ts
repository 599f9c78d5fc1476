/**
 * The linking channel's codecs (protocol.md §12.4.1, §12.4.2, §12.4.6):
 * round trips, and the bounds and canonical-form rules every decoder applies.
 */
import { describe, expect, it } from 'vitest';
import { LINK_CHUNK_SIZE, LINK_MAX_RELAY_URL_LENGTH, LINK_MAX_SETTINGS } from '../../../src/constants.js';
import {
  decodeLinkMessage, decodeLinkOffer, decodeLinkPayload, encodeLinkMessage, encodeLinkOffer, encodeLinkPayload, encodeMsgpack, type LinkPayload,
} from '../../../src/wire/index.js';
import { errorCodeOf } from '../../property/ratchet-harness.js';

const key = new Uint8Array(32).fill(9);
const payload: LinkPayload = {
  account: key, deviceList: new Uint8Array([1]), deviceId: 2, contacts: [new Uint8Array(0)], groups: [],
  settings: [{ name: 'a', value: new Uint8Array(1) }, { name: 'b', value: new Uint8Array(0) }],
};

describe('link offer', () => {
  it('round-trips and refuses an empty or overlong relay URL and a short link id', () => {
    const offer = { ephemeralKey: key, linkId: new Uint8Array(16), relayUrl: 'wss://r.example' };
    expect(decodeLinkOffer(encodeLinkOffer(offer))).toEqual(offer);
    expect(errorCodeOf(() => decodeLinkOffer(encodeLinkOffer({ ...offer, relayUrl: '' })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkOffer(encodeLinkOffer({ ...offer, relayUrl: 'x'.repeat(LINK_MAX_RELAY_URL_LENGTH + 1) })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkOffer(encodeLinkOffer({ ...offer, linkId: new Uint8Array(15) })))).toBe('MALFORMED');
  });
});

describe('link messages', () => {
  it('round-trip each kind and refuse an unknown kind or a field of another kind', () => {
    const chunk = { kind: 3 as const, index: 1, count: 2, length: LINK_CHUNK_SIZE + 5, ciphertext: new Uint8Array(5 + 16) };
    expect(decodeLinkMessage(encodeLinkMessage(chunk))).toEqual(chunk);
    expect(decodeLinkMessage(encodeLinkMessage({ kind: 1, ephemeralKey: key }))).toEqual({ kind: 1, ephemeralKey: key });
    expect(decodeLinkMessage(encodeLinkMessage({ kind: 4 }))).toEqual({ kind: 4 });
    expect(encodeLinkMessage({ kind: 4 })).toEqual(encodeMsgpack({ v: 1, t: 4 })); // the abort: nothing but its kind
    expect(errorCodeOf(() => decodeLinkMessage(encodeMsgpack({ v: 1, t: 4, k: key })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkMessage(encodeMsgpack({ v: 1, t: 5 })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkMessage(encodeMsgpack({ v: 1, t: 1, c: key })))).toBe('MALFORMED');
  });

  it('a chunk must carry exactly its share of the payload', () => {
    const full = { kind: 3 as const, index: 0, count: 2, length: LINK_CHUNK_SIZE + 5, ciphertext: new Uint8Array(LINK_CHUNK_SIZE + 16) };
    expect(decodeLinkMessage(encodeLinkMessage(full)).kind).toBe(3);
    expect(errorCodeOf(() => decodeLinkMessage(encodeLinkMessage({ ...full, ciphertext: new Uint8Array(LINK_CHUNK_SIZE + 15) })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkMessage(encodeLinkMessage({ ...full, index: 2 })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkMessage(encodeLinkMessage({ ...full, length: 0, count: 0 })))).toBe('MALFORMED');
  });
});

describe('link payload', () => {
  it('round-trips with and without history', () => {
    expect(decodeLinkPayload(encodeLinkPayload(payload))).toEqual(payload);
    const withHistory = { ...payload, history: new Uint8Array(3) };
    expect(decodeLinkPayload(encodeLinkPayload(withHistory))).toEqual(withHistory);
  });

  it('refuses settings out of order, repeated, unnamed or too many', () => {
    const reversed = { ...payload, settings: [...payload.settings].reverse() };
    expect(errorCodeOf(() => decodeLinkPayload(encodeLinkPayload(reversed)))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkPayload(encodeLinkPayload({ ...payload, settings: [payload.settings[0]!, payload.settings[0]!] })))).toBe('MALFORMED');
    expect(errorCodeOf(() => decodeLinkPayload(encodeLinkPayload({ ...payload, settings: [{ name: '', value: key }] })))).toBe('MALFORMED');
    const many = Array.from({ length: LINK_MAX_SETTINGS + 1 }, (_, i) => ({ name: `s${String(i).padStart(4, '0')}`, value: new Uint8Array(0) }));
    expect(errorCodeOf(() => decodeLinkPayload(encodeLinkPayload({ ...payload, settings: many })))).toBe('MALFORMED');
  });
});
