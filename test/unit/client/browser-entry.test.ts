/**
 * The browser entry (bench/bundle-size.ts: Client + IndexedDbStore, bundled
 * by esbuild with code splitting) holds no code of the features a client
 * imports on first use (src/client/features.ts): groups and channels, files
 * and stickers, creating and accepting invitations, linking and revoking
 * devices, receiving device lists and siblings' syncs stay in their chunk. A
 * static import of one of them from the client's core fails this test.
 */
import { describe, expect, it } from 'vitest';
import { measureBundle } from '../../../bench/bundle-size.js';

const ON_DEMAND = [
  /^src\/group\//, /^src\/file\//, /^src\/client\/files\/(?!sink\.ts$)/, /^src\/client\/contacts\/invitations\.ts$/,
  /^src\/client\/groups\/(?!book\.ts$)/, /^src\/client\/on-demand\.ts$/,
  /^src\/linking\//, /^src\/wire\/link-messages\.ts$/, /^src\/identity\/device-list-chain\.ts$/, /^src\/client\/linking\/(?!own-list\.ts$|offer-prefix\.ts$)/,
  /^src\/client\/devices\/(account-commit|announce|entries|owed|receive|sibling)\.ts$/,
];

describe('browser entry', () => {
  it('leaves groups, files, invitations, linking and device-list receiving to the chunk loaded on first use', async () => {
    const bundle = await measureBundle();
    expect(bundle.entryInputs).toContain('src/client/client.ts');
    expect(bundle.entryInputs.filter((path) => ON_DEMAND.some((re) => re.test(path)))).toEqual([]);
    expect(bundle.lazy.length).toBeGreaterThan(0);
  });
});
