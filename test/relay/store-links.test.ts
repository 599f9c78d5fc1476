/**
 * The linking mailboxes' store contract (spec/relay.md §14), on every store:
 * a link opens once, holds its messages per side in order within its quota,
 * serves nothing once expired, and is gone with its messages after the sweep
 * or its owner's close; the caps on open links hold.
 */
import { describe, expect, it } from 'vitest';
import { systemRandom, type Bytes } from '../../src/crypto/index.js';
import { RelayMemoryStore } from '../../relay/store/memory.js';
import { RelaySqliteStore } from '../../relay/store/sqlite.js';
import { RelaySqliteThreadStore } from '../../relay/store/sqlite-thread.js';
import type { LinkQuota, RelayStore } from '../../relay/store/types.js';
import { tempDir } from './harness.js';
import { postgresStore } from './postgres.js';

const stores: Array<[string, () => Promise<RelayStore>]> = [
  ['memory', async () => new RelayMemoryStore()],
  ['sqlite', async () => new RelaySqliteStore(tempDir())],
  ['sqlite thread', () => RelaySqliteThreadStore.open(tempDir())],
  ['postgres', () => postgresStore()],
];

const NOW = 1_000_000;
const LATER = NOW + 600_000;
const CAPS = { maxOpen: 100, maxPerOwner: 4 };
const QUOTA: LinkQuota = { maxToNew: 3, maxToExisting: 1, maxBytes: 100 };

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'thrown');

describe.each(stores)('%s relay store links', (_, make) => {
  it('opens a link once and keeps each side in order, within its quota', async () => {
    const s = await make();
    const [link, owner, other] = [systemRandom(16), systemRandom(16), systemRandom(16)];
    await s.openLink(link, owner, LATER, CAPS, NOW);
    expect(await codeOf(s.openLink(link, other, LATER, CAPS, NOW))).toBe('LINK_EXISTS');
    await expect(s.linkInfo(link, NOW)).resolves.toEqual({ owner, expiresAt: LATER });
    const data = [0, 1, 2].map((i) => new Uint8Array([i, ...systemRandom(9)]));
    for (const [i, d] of data.entries()) await expect(s.appendLinkMessage(link, 'n', d, other, QUOTA, NOW)).resolves.toBe(i + 1);
    expect(await codeOf(s.appendLinkMessage(link, 'n', systemRandom(1), other, QUOTA, NOW))).toBe('LINK_FULL');
    // Towards E: the owner only, once.
    expect(await codeOf(s.appendLinkMessage(link, 'e', systemRandom(5), other, QUOTA, NOW))).toBe('NO_LINK');
    const proof = systemRandom(5);
    await expect(s.appendLinkMessage(link, 'e', proof, owner, QUOTA, NOW)).resolves.toBe(1);
    expect(await codeOf(s.appendLinkMessage(link, 'e', systemRandom(5), owner, QUOTA, NOW))).toBe('LINK_FULL');
    await expect(s.linkMessages(link, 'n', 0, 10, NOW)).resolves.toEqual(data.map((d, i) => ({ seq: i + 1, data: d })));
    await expect(s.linkMessages(link, 'n', 1, 1, NOW)).resolves.toEqual([{ seq: 2, data: data[1] }]);
    await expect(s.linkMessages(link, 'e', 0, 10, NOW)).resolves.toEqual([{ seq: 1, data: proof }]);
    await s.close();
  });

  it('refuses bytes over the link quota and leaves the side as it was', async () => {
    const s = await make();
    const [link, owner] = [systemRandom(16), systemRandom(16)];
    await s.openLink(link, owner, LATER, CAPS, NOW);
    await s.appendLinkMessage(link, 'n', systemRandom(60), owner, QUOTA, NOW);
    expect(await codeOf(s.appendLinkMessage(link, 'n', systemRandom(41), owner, QUOTA, NOW))).toBe('LINK_FULL');
    await expect(s.appendLinkMessage(link, 'n', systemRandom(40), owner, QUOTA, NOW)).resolves.toBe(2);
    await s.close();
  });

  it('serves nothing of an expired link, and the sweep deletes it with its messages', async () => {
    const s = await make();
    const [link, owner, live] = [systemRandom(16), systemRandom(16), systemRandom(16)];
    await s.openLink(link, owner, NOW + 10, CAPS, NOW);
    await s.openLink(live, owner, LATER, CAPS, NOW);
    await s.appendLinkMessage(link, 'n', systemRandom(10), owner, QUOTA, NOW);
    await s.appendLinkMessage(live, 'n', systemRandom(10), owner, QUOTA, NOW);
    await expect(s.linkInfo(link, NOW + 10)).resolves.toBeUndefined();
    await expect(s.linkMessages(link, 'n', 0, 10, NOW + 10)).resolves.toEqual([]);
    expect(await codeOf(s.appendLinkMessage(link, 'n', systemRandom(10), owner, QUOTA, NOW + 10))).toBe('NO_LINK');
    expect(await codeOf(s.openLink(link, owner, LATER, CAPS, NOW + 10))).toBe('LINK_EXISTS'); // until the sweep
    await expect(s.sweepLinks(NOW + 10)).resolves.toBe(1);
    await expect(s.linkMessages(live, 'n', 0, 10, NOW + 10)).resolves.toHaveLength(1);
    // The id is free again, and the new link holds none of the old one's messages.
    await s.openLink(link, owner, LATER, CAPS, NOW + 10);
    await expect(s.linkMessages(link, 'n', 0, 10, NOW + 10)).resolves.toEqual([]);
    await s.close();
  });

  it('closes a link for its owner only, with its messages', async () => {
    const s = await make();
    const [link, owner] = [systemRandom(16), systemRandom(16)];
    await s.openLink(link, owner, LATER, CAPS, NOW);
    await s.appendLinkMessage(link, 'n', systemRandom(10), owner, QUOTA, NOW);
    await expect(s.closeLink(link, systemRandom(16))).resolves.toBe(false);
    await expect(s.closeLink(link, owner)).resolves.toBe(true);
    await expect(s.linkInfo(link, NOW)).resolves.toBeUndefined();
    await s.openLink(link, owner, LATER, CAPS, NOW);
    await expect(s.linkMessages(link, 'n', 0, 10, NOW)).resolves.toEqual([]);
    await s.close();
  });

  it('caps open links over the store and per owner, counting only unexpired ones', async () => {
    const s = await make();
    const owners: Bytes[] = [systemRandom(16), systemRandom(16)];
    const caps = { maxOpen: 3, maxPerOwner: 2 };
    await s.openLink(systemRandom(16), owners[0]!, NOW + 10, caps, NOW); // expires first
    await s.openLink(systemRandom(16), owners[0]!, LATER, caps, NOW);
    expect(await codeOf(s.openLink(systemRandom(16), owners[0]!, LATER, caps, NOW))).toBe('QUOTA_EXCEEDED');
    await s.openLink(systemRandom(16), owners[1]!, LATER, caps, NOW);
    expect(await codeOf(s.openLink(systemRandom(16), owners[1]!, LATER, caps, NOW))).toBe('STORAGE_FULL');
    await s.openLink(systemRandom(16), owners[0]!, LATER, caps, NOW + 10); // the first no longer counts
    await s.close();
  });

  it('numbers racing messages of one side without a gap or a repeat', async () => {
    const s = await make();
    const [link, owner] = [systemRandom(16), systemRandom(16)];
    await s.openLink(link, owner, LATER, CAPS, NOW);
    const quota = { maxToNew: 44, maxToExisting: 1, maxBytes: 1 << 20 };
    const seqs = await Promise.all(Array.from({ length: 20 }, () => s.appendLinkMessage(link, 'n', systemRandom(8), systemRandom(16), quota, NOW)));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await expect(s.linkMessages(link, 'n', 0, 50, NOW)).resolves.toHaveLength(20);
    await s.close();
  });
});
