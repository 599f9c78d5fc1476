/**
 * A realistic mix of app content (client.md §2, §3) as session-message
 * plaintexts, shared by the size benchmarks (bench/padding.ts and the
 * post-quantum ratchet's bytes per message in bench/pq-ratchet.ts).
 */
import { systemRandom, type Bytes } from '../src/crypto/index.js';
import { encodeContent, newContent, type ContentBody } from '../src/wire/client/content.js';
import { encodePayload } from '../src/wire/client/payload.js';

const random = systemRandom;
const id = (): Bytes => random(16);
const text = (n: number): ContentBody => ({ type: 'text', text: 'x'.repeat(n) });

export interface MixEntry {
  readonly name: string;
  readonly body: ContentBody;
  /** Share of a plausible chat day (receipts dominate, then short texts); the shares sum to 1. */
  readonly share: number;
}

export const MIX: readonly MixEntry[] = [
  { name: 'typing indicator', body: { type: 'typing', active: true }, share: 0.15 },
  { name: 'read receipt (1 id)', body: { type: 'receipt', receipt: 'read', ids: [id()] }, share: 0.25 },
  { name: 'delivery receipt (5 ids)', body: { type: 'receipt', receipt: 'delivered', ids: [id(), id(), id(), id(), id()] }, share: 0.05 },
  { name: 'reaction', body: { type: 'reaction', target: id(), emoji: '👍', remove: false }, share: 0.1 },
  { name: 'short text (20 chars)', body: text(20), share: 0.2 },
  { name: 'text (80 chars)', body: text(80), share: 0.12 },
  { name: 'text (300 chars)', body: text(300), share: 0.08 },
  { name: 'long text (2,000 chars)', body: text(2000), share: 0.05 },
];

/** The session-message plaintext the client sends for `body`: an encoded content payload. */
export function contentPayload(body: ContentBody): Bytes {
  return encodePayload({ type: 'content', content: encodeContent(newContent(body, random)) });
}

/** The entry whose cumulative share covers `u` (0 ≤ u < 1): draws from the mix by share. */
export function mixEntryAt(u: number): MixEntry {
  let acc = 0;
  for (const entry of MIX) {
    acc += entry.share;
    if (u < acc) return entry;
  }
  return MIX[MIX.length - 1] as MixEntry;
}
