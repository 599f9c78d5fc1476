/** relay/store/token-cache.ts: bounded, exact pairs (a mailbox's bytes never run into its token's). */
import { describe, expect, it } from 'vitest';
import { TOKEN_CACHE_MAX, TokenCache } from '../../../relay/store/token-cache.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('token cache', () => {
  it('keeps (mailbox, token) pairs apart where their concatenations are equal', () => {
    const cache = new TokenCache();
    cache.add(bytes(1, 2), bytes(3));
    expect(cache.has(bytes(1, 2), bytes(3))).toBe(true);
    expect(cache.has(bytes(1), bytes(2, 3))).toBe(false);
    cache.delete(bytes(1, 2), bytes(3));
    expect(cache.has(bytes(1, 2), bytes(3))).toBe(false);
  });

  it(`holds at most ${TOKEN_CACHE_MAX} pairs, forgetting the oldest first`, () => {
    const cache = new TokenCache();
    const token = (i: number): Uint8Array => new Uint8Array(new Uint32Array([i]).buffer);
    for (let i = 0; i <= TOKEN_CACHE_MAX; i++) cache.add(bytes(7), token(i));
    expect(cache.has(bytes(7), token(0))).toBe(false);
    expect(cache.has(bytes(7), token(1))).toBe(true);
    expect(cache.has(bytes(7), token(TOKEN_CACHE_MAX))).toBe(true);
  });
});
