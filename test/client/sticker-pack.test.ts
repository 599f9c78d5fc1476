/** The sticker pack manifest (client.md §2.5): round trip, and the decoder's refusals as MALFORMED / OVERSIZE. */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import { encodeMsgpack } from '../../src/wire/codec.js';
import { decodeStickerPack, encodeStickerPack, MAX_STICKERS_PER_PACK } from '../../src/wire/client/sticker-pack.js';

const file = () => ({ id: systemRandom(16), key: systemRandom(32), digest: systemRandom(32), size: 1234, chunk: 65536, mime: 'image/webp' });
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e);
  }
};

describe('sticker pack manifest', () => {
  it('round trips', () => {
    const pack = { title: 'cats', stickers: [{ emoji: '😺', file: file() }, { emoji: '😹', file: file() }] };
    expect(decodeStickerPack(encodeStickerPack(pack))).toEqual(pack);
  });

  it('refuses an empty title or list, too many stickers, a bad file, a wrong version, extra keys, oversize input', () => {
    const raw = (m: Record<string, unknown>) => encodeMsgpack({ v: 1, title: 't', stickers: [{ emoji: '🙂', file: file() }], ...m });
    expect(codeOf(() => decodeStickerPack(raw({ title: '' })))).toBe('MALFORMED');
    expect(codeOf(() => decodeStickerPack(raw({ stickers: [] })))).toBe('MALFORMED');
    expect(codeOf(() => decodeStickerPack(raw({ stickers: [{ emoji: '🙂', file: { ...file(), mime: 'webp' } }] })))).toBe('MALFORMED');
    expect(codeOf(() => decodeStickerPack(raw({ stickers: [{ emoji: '🙂', file: { ...file(), chunk: 10 } }] })))).toBe('MALFORMED');
    expect(codeOf(() => decodeStickerPack(raw({ extra: 1 })))).toBe('MALFORMED');
    expect(codeOf(() => decodeStickerPack(raw({ v: 2 })))).toBe('UNSUPPORTED_VERSION');
    const many = Array.from({ length: MAX_STICKERS_PER_PACK + 1 }, () => ({ emoji: '🙂', file: file() }));
    expect(['MALFORMED', 'OVERSIZE']).toContain(codeOf(() => decodeStickerPack(raw({ stickers: many }))));
    expect(codeOf(() => encodeStickerPack({ title: 'x', stickers: [{ emoji: '', file: file() }] }))).toBe('MALFORMED');
  });
});
