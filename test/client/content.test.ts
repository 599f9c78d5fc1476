/**
 * The content schema and invitations: every type round-trips, strict
 * validation rejects what the schema does not allow, and the decoders throw
 * only ProtocolError on arbitrary or mutated bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { isProtocolError } from '../../src/errors.js';
import { decodeContent, encodeContent, newContent, type Content, type ContentBody } from '../../src/wire/client/content.js';
import { decodeInvite, encodeInvite, inviteToString, parseInvite, type Invite } from '../../src/wire/client/invite.js';
import { fromBase64url, toBase64url } from '../../src/wire/client/base64url.js';
import { encodeMsgpack } from '../../src/wire/codec.js';
import { fcParams } from '../property/fc.js';

const random = seededRandom(new Uint8Array(32).fill(3));
const id = () => random(16);

const examples: ContentBody[] = [
  { type: 'text', text: 'hello' },
  { type: 'text', text: 'yes!', replyTo: id(), quote: 'are you coming?' },
  { type: 'reaction', target: id(), emoji: '👍', remove: false },
  { type: 'receipt', receipt: 'read', ids: [id(), id()] },
  { type: 'typing', active: true },
  { type: 'sticker', pack: { id: random(16), key: random(32), digest: random(32), size: 1000, chunk: 65536, mime: 'application/vnd.parley.sticker-pack' }, sticker: 7 },
  { type: 'attachment', id: random(16), key: random(32), digest: random(32), size: 123456, chunk: 65536, mime: 'image/jpeg', name: 'cat.jpg', caption: 'a cat' },
  { type: 'custom', custom: 'app.example/coupon', payload: new Uint8Array([1, 2, 3]) },
  { type: 'custom', custom: 'com.pay.wallet/payment-request', payload: new Uint8Array(0) },
];

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isProtocolError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
  }
}

function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!isProtocolError(e)) throw e;
  }
}

describe('content', () => {
  it.each(examples.map((b) => [b.type, b] as const))('%s round-trips', (_t, body) => {
    const c = newContent(body, random, 1_700_000_000_000);
    expect(c.id.length).toBe(16);
    expect(decodeContent(encodeContent(c))).toEqual(c);
  });

  const raw = (t: string, b: unknown, extra: Record<string, unknown> = {}) => encodeMsgpack({ v: 1, id: new Uint8Array(16), ts: 1, t, b, ...extra });

  it('rejects unknown types, fields, versions and bad values with stable codes', () => {
    expectCode(() => decodeContent(raw('poll', {})), 'MALFORMED');
    expectCode(() => decodeContent(raw('text', { text: 'x', bold: true })), 'MALFORMED');
    expectCode(() => decodeContent(raw('text', { text: 'x' }, { extra: 1 })), 'MALFORMED');
    expectCode(() => decodeContent(encodeMsgpack({ v: 2, id: new Uint8Array(16), ts: 1, t: 'text', b: { text: 'x' } })), 'UNSUPPORTED_VERSION');
    expectCode(() => decodeContent(raw('text', { text: 'x', quote: 'q' })), 'MALFORMED'); // a quote needs replyTo
    expectCode(() => decodeContent(raw('reaction', { target: new Uint8Array(15), emoji: 'x', remove: false })), 'MALFORMED');
    expectCode(() => decodeContent(raw('reaction', { target: new Uint8Array(16), emoji: '', remove: false })), 'MALFORMED');
    expectCode(() => decodeContent(raw('receipt', { receipt: 'seen', ids: [new Uint8Array(16)] })), 'MALFORMED');
    expectCode(() => decodeContent(raw('receipt', { receipt: 'read', ids: [] })), 'MALFORMED');
    expectCode(() => decodeContent(raw('custom', { custom: 'coupon', payload: new Uint8Array(0) })), 'MALFORMED');
    expectCode(() => decodeContent(raw('custom', { custom: 'App.Example/x', payload: new Uint8Array(0) })), 'MALFORMED');
    expectCode(() => decodeContent(raw('attachment', { id: new Uint8Array(16), key: new Uint8Array(32), digest: new Uint8Array(32), size: 1, chunk: 65536, mime: 'jpeg' })), 'MALFORMED');
    expectCode(() => decodeContent(raw('typing', { active: 1 })), 'MALFORMED');
    expectCode(() => decodeContent(encodeMsgpack({ v: 1, id: new Uint8Array(16), ts: 1.5, t: 'typing', b: { active: true } })), 'MALFORMED');
    expectCode(() => decodeContent(new Uint8Array(200 * 1024)), 'OVERSIZE');
  });

  it('encodeContent refuses content its own decoder would reject', () => {
    const bad = { id: new Uint8Array(16), timestamp: 1, body: { type: 'custom', custom: 'nonamespace', payload: new Uint8Array(0) } } as Content;
    expectCode(() => encodeContent(bad), 'MALFORMED');
  });

  const arbBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const arbBody: fc.Arbitrary<ContentBody> = fc.oneof(
    fc.record({ type: fc.constant('text' as const), text: fc.string({ maxLength: 50 }) }),
    fc.record({ type: fc.constant('reaction' as const), target: arbBytes(16), emoji: fc.string({ minLength: 1, maxLength: 8 }), remove: fc.boolean() }),
    fc.record({ type: fc.constant('receipt' as const), receipt: fc.constantFrom('delivered' as const, 'read' as const), ids: fc.array(arbBytes(16), { minLength: 1, maxLength: 5 }) }),
    fc.record({ type: fc.constant('typing' as const), active: fc.boolean() }),
    fc.record({ type: fc.constant('custom' as const), custom: fc.constantFrom('app.example/coupon', 'io.mini-app/state'), payload: fc.uint8Array({ maxLength: 40 }) }),
  );

  it('round-trips arbitrary content (property)', () => {
    fc.assert(fc.property(arbBody, arbBytes(16), fc.nat(), (body, cid, ts) => {
      const c: Content = { id: cid, timestamp: ts, body };
      expect(decodeContent(encodeContent(c))).toEqual(c);
    }), fcParams(200));
  });

  it('decoders throw only ProtocolError on arbitrary bytes and on mutated encodings (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      onlyProtocolErrors(() => decodeContent(bytes));
      onlyProtocolErrors(() => decodeInvite(bytes));
    }), fcParams(300));
    fc.assert(fc.property(arbBody, fc.nat(), fc.integer({ min: 0, max: 255 }), (body, pos, value) => {
      const bytes = encodeContent({ id: new Uint8Array(16), timestamp: 5, body });
      const mutated = bytes.slice();
      mutated[pos % mutated.length] = value;
      onlyProtocolErrors(() => decodeContent(mutated));
      onlyProtocolErrors(() => decodeContent(mutated.subarray(0, pos % mutated.length)));
    }), fcParams(300));
  });
});

describe('invitations', () => {
  const invite: Invite = { identityKey: random(32), relay: 'ws://127.0.0.1:8080', mailbox: random(32), token: random(32), name: 'Alice' };

  it('round-trips through text and QR bytes', () => {
    const text = inviteToString(invite);
    expect(text.startsWith('parley:')).toBe(true);
    expect(text).toMatch(/^parley:[A-Za-z0-9_-]+$/);
    expect(parseInvite(`  ${text}\n`)).toEqual(invite);
    expect(decodeInvite(encodeInvite(invite))).toEqual(invite);
  });

  it('parses strictly', () => {
    const text = inviteToString(invite);
    expectCode(() => parseInvite(text.replace('parley:', 'parlay:')), 'MALFORMED');
    expectCode(() => parseInvite(text + '!'), 'MALFORMED');
    expectCode(() => parseInvite(text.slice(0, -3)), 'MALFORMED');
    expectCode(() => parseInvite('parley:' + toBase64url(encodeMsgpack({ v: 1, ik: new Uint8Array(32), relay: 'http://x', mb: new Uint8Array(4), tok: new Uint8Array(16) }))), 'MALFORMED');
    expectCode(() => parseInvite('parley:' + toBase64url(encodeMsgpack({ v: 1, ik: new Uint8Array(32), relay: 'ws://x', mb: new Uint8Array(4), tok: new Uint8Array(8) }))), 'MALFORMED');
  });
});

describe('base64url', () => {
  it('matches RFC 4648 test vectors (url alphabet, unpadded) and rejects non-canonical input', () => {
    const enc = (s: string) => toBase64url(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual(['', 'Zg', 'Zm8', 'Zm9v', 'Zm9vYg', 'Zm9vYmE', 'Zm9vYmFy']);
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expectCode(() => fromBase64url('Zh', 'x'), 'MALFORMED'); // non-zero trailing bits
    expectCode(() => fromBase64url('Zm9v=', 'x'), 'MALFORMED');
    expectCode(() => fromBase64url('Z', 'x'), 'MALFORMED');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b: Bytes) => {
      expect(fromBase64url(toBase64url(b), 'x')).toEqual(b);
    }), fcParams(200));
  });
});
