/** src/wire/relay-frames.ts: round trips, strictness, and decoders on arbitrary bytes (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/index.js';
import { LINK_MAX_CHUNK_MESSAGE_SIZE, MAX_DEVICE_LIST_SIZE } from '../../src/constants.js';
import { isProtocolError } from '../../src/errors.js';
import {
  decodeRelayRequest, decodeRelayServerFrame, encodeMsgpack, encodeRelayRequest, encodeRelayServerFrame,
  RELAY_DEVICE_LIST_HISTORY, type RelayServerFrame,
} from '../../src/wire/index.js';
import { fcParams } from '../property/fc.js';
import { SAMPLE_REQUESTS } from './samples.js';

const mb = systemRandom(16);
const tok = systemRandom(24);

const SAMPLE_FRAMES: RelayServerFrame[] = [
  { type: 'challenge', relayId: systemRandom(32), nonce: systemRandom(32) },
  { type: 'ok', id: 1, result: { re: 'auth', mailbox: mb } },
  { type: 'ok', id: 2, result: { re: 'publish', oneTime: 3, kem: 4 } },
  { type: 'ok', id: 3, result: { re: 'counts', oneTime: 0, kem: 0 } },
  { type: 'ok', id: 4, result: { re: 'bundle', bundle: systemRandom(2000) } },
  { type: 'ok', id: 5, result: { re: 'blob_grant', blob: systemRandom(16), grant: systemRandom(32), expires: 1_800_000_000_000 } },
  { type: 'ok', id: 5, result: { re: 'send' } },
  { type: 'ok', id: 6, result: { re: 'fanout', results: ['ok', 'TOKEN_REFUSED'] } },
  { type: 'ok', id: 7, result: { re: 'ephemeral', delivered: true } },
  { type: 'ok', id: 9, result: { re: 'device_list_publish', version: 2 } },
  { type: 'ok', id: 10, result: { re: 'device_list_fetch', lists: [systemRandom(300), systemRandom(1024)] } },
  { type: 'error', id: 0, code: 'BAD_FRAME' },
  { type: 'error', id: 8, code: 'RATE_LIMITED', retryAfter: 50 },
  { type: 'deliver', eid: 42, data: systemRandom(10) },
  { type: 'ephemeral', data: systemRandom(3) },
  { type: 'prekeys_low', oneTime: 1, kem: 2 },
  { type: 'ok', id: 11, result: { re: 'link_open', expires: 1_800_000_600_000 } },
  { type: 'ok', id: 12, result: { re: 'link_send', seq: 44 } },
  { type: 'ok', id: 13, result: { re: 'link_listen', expires: 1_800_000_600_000 } },
  { type: 'ok', id: 14, result: { re: 'link_close' } },
  { type: 'link_deliver', link: systemRandom(16), side: 'n', seq: 3, data: systemRandom(64) },
];

describe('relay frames', () => {
  it('round-trips every request and server frame', () => {
    for (const r of SAMPLE_REQUESTS) expect(decodeRelayRequest(encodeRelayRequest(r))).toEqual(r);
    for (const f of SAMPLE_FRAMES) expect(decodeRelayServerFrame(encodeRelayServerFrame(f))).toEqual(f);
  });

  it('emits fields in the spec order (v, t, id first)', () => {
    const bytes = encodeRelayRequest({ type: 'counts', id: 5 });
    expect(Array.from(bytes)).toEqual(Array.from(encodeMsgpack({ v: 1, t: 'counts', id: 5 })));
  });

  it('rejects unknown fields, id 0 requests, wrong lengths, empty fanouts, zero ttl, pushes with an id', () => {
    const bad = [
      { v: 1, t: 'counts', id: 1, extra: 1 },
      { v: 1, t: 'counts', id: 0 },
      { v: 1, t: 'bundle', id: 1, mailbox: new Uint8Array(15), token: tok },
      { v: 1, t: 'bundle', id: 1, mailbox: mb, token: new Uint8Array(15) },
      { v: 1, t: 'fanout', id: 1, to: [], data: new Uint8Array(1) },
      { v: 1, t: 'send', id: 1, mailbox: mb, token: tok, data: new Uint8Array(1), ttl: 0 },
      { v: 1, t: 'send', id: 1, mailbox: mb, token: tok, data: new Uint8Array(0) },
      { v: 1, t: 'nope', id: 1 },
      { v: 1, t: 'ack', id: 1, ids: [1.5] },
      { v: 1, t: 'device_list_publish', id: 1, list: new Uint8Array(0) },
      { v: 1, t: 'device_list_fetch', id: 1, account: new Uint8Array(31) },
      { v: 1, t: 'device_list_fetch', id: 1, account: new Uint8Array(32), since: -1 },
      { v: 1, t: 'link_open', id: 1, link: new Uint8Array(15) },
      { v: 1, t: 'link_send', id: 1, link: mb, to: 'x', data: new Uint8Array(1) },
      { v: 1, t: 'link_send', id: 1, link: mb, to: 'n', data: new Uint8Array(0) },
      { v: 1, t: 'link_listen', id: 1, link: mb, side: 'ne' },
      { v: 1, t: 'link_listen', id: 1, link: mb, side: 'n', after: -1 },
      { v: 1, t: 'link_close', id: 1, link: mb, side: 'n' },
    ];
    for (const m of bad) expect(() => decodeRelayRequest(encodeMsgpack(m))).toThrowError(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => decodeRelayServerFrame(encodeMsgpack({ v: 1, t: 'deliver', id: 3, eid: 1, data: new Uint8Array(1) })))
      .toThrowError(expect.objectContaining({ code: 'MALFORMED' }));
    for (const lists of [[], Array.from({ length: RELAY_DEVICE_LIST_HISTORY + 1 }, () => new Uint8Array(1)), [new Uint8Array(MAX_DEVICE_LIST_SIZE + 1)]]) {
      expect(() => decodeRelayServerFrame(encodeMsgpack({ v: 1, t: 'ok', id: 3, re: 'device_list_fetch', lists })))
        .toThrowError(expect.objectContaining({ code: 'MALFORMED' }));
    }
    expect(() => decodeRelayRequest(encodeMsgpack({ v: 1, t: 'device_list_publish', id: 1, list: new Uint8Array(MAX_DEVICE_LIST_SIZE + 1) })))
      .toThrowError(expect.objectContaining({ code: 'OVERSIZE' }));
    expect(() => decodeRelayRequest(encodeMsgpack({ v: 1, t: 'link_send', id: 1, link: mb, to: 'n', data: new Uint8Array(LINK_MAX_CHUNK_MESSAGE_SIZE + 1) })))
      .toThrowError(expect.objectContaining({ code: 'OVERSIZE' }));
    expect(() => decodeRelayServerFrame(encodeMsgpack({ v: 1, t: 'link_deliver', id: 2, link: mb, side: 'n', seq: 1, data: new Uint8Array(1) })))
      .toThrowError(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('decoders throw only ProtocolError on arbitrary bytes and on mutated frames', () => {
    const encoded = SAMPLE_REQUESTS.map(encodeRelayRequest);
    const mutated = fc.tuple(fc.constantFrom(...encoded), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat())
      .map(([b, at, byte, cut]) => {
        const out = b.slice(0, Math.max(1, b.length - (cut % 3)));
        out[at % out.length] = byte;
        return out;
      });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
      for (const decode of [decodeRelayRequest, decodeRelayServerFrame]) {
        try {
          decode(bytes);
        } catch (e) {
          if (!isProtocolError(e)) throw e;
        }
      }
    }), fcParams(300));
  });
});
