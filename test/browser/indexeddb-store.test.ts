/**
 * IndexedDbStore in Chromium (spec/client.md §5.3): batches persist across a
 * reload and are sealed at rest under non-extractable keys; a second tab on
 * the same store gets StoreError LOCKED; a batch interrupted by closing or
 * crashing its tab is all or nothing.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, bundle, launchChromium, modulePage, serve, type Served } from './harness.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');
let served: Served;
let browser: Browser;
let context: BrowserContext;

async function page(): Promise<Page> {
  const p = await context.newPage();
  await p.goto(served.url);
  await p.waitForFunction(() => window.storeApi !== undefined);
  return p;
}

/** Opens the store once the tab that held it is gone (the browser releases its Web Lock as the tab goes away). */
async function openWhenReleased(p: Page, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await p.evaluate((n) => window.storeApi.open(n), name);
    if ('ok' in r) return;
    expect(r).toEqual({ code: 'LOCKED' });
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} stayed locked`);
}

describe.runIf(browserAvailable)('IndexedDbStore in a browser (Chromium)', () => {
  beforeAll(async () => {
    const js = await bundle(new URL('./store-entry.ts', import.meta.url).pathname);
    served = await serve({ '/': modulePage('/store.js'), '/store.js': ['text/javascript', js] });
    browser = await launchChromium();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('keeps batches across a reload, sorted by key, sealed at rest under non-extractable keys; a moved record is CORRUPT', async () => {
    const p = await page();
    expect(await p.evaluate(() => window.storeApi.open('reload'))).toEqual({ ok: true });
    await p.evaluate(([a, b, c]) => window.storeApi.write('reload', [
      ['put', 'contacts', 'bob', a!], ['put', 'contacts', 'alice', b!], ['put', 'messages', 'secret-id', c!],
    ]), [hex('bob record'), hex('alice record'), hex('attack at dawn')]);
    expect(await p.evaluate(() => window.storeApi.write('reload', [['delete', 'contacts', 'bob']]))).toEqual({ ok: true });
    // A batch with a bad write after good ones writes nothing (checked below: no carol).
    expect(await p.evaluate(() => window.storeApi.write('reload', [['put', 'contacts', 'carol', '00'], ['put', 'contacts', '', '00']]))).toEqual({ code: 'INVALID_WRITE' });

    await p.reload();
    await p.waitForFunction(() => window.storeApi !== undefined);
    expect(await p.evaluate(() => window.storeApi.open('reload'))).toEqual({ ok: true });
    expect(await p.evaluate(() => window.storeApi.list('reload', 'contacts'))).toEqual({ ok: [['alice', hex('alice record')]] });
    expect(await p.evaluate(() => window.storeApi.get('reload', 'messages', 'secret-id'))).toEqual({ ok: hex('attack at dawn') });
    expect(await p.evaluate(() => window.storeApi.get('reload', 'contacts', 'bob'))).toEqual({ ok: null });

    const raw = await p.evaluate(() => window.storeApi.raw('reload'));
    const dump = [...raw.keys, ...raw.values].join(' ');
    for (const plain of ['alice', 'secret-id', 'alice record', 'attack at dawn']) expect(dump).not.toContain(hex(plain));
    expect(raw.keys).toHaveLength(2);
    expect(raw.metaExtractable).toEqual([false, false]);
    expect(raw.exportRefused).toBe(true);

    expect(await p.evaluate(() => window.storeApi.close('reload'))).toEqual({ ok: true });
    await p.evaluate(() => window.storeApi.moveRecord('reload'));
    await p.evaluate(() => window.storeApi.open('reload'));
    expect(await p.evaluate(() => window.storeApi.list('reload', 'messages'))).toEqual({ code: 'CORRUPT' });
    expect(await p.evaluate(() => window.storeApi.get('reload', 'messages', 'secret-id'))).toEqual({ code: 'CORRUPT' });
    await p.close();
  });

  it('a second tab on the same store gets LOCKED at once; once the first tab closes, it opens', async () => {
    const first = await page();
    const second = await page();
    expect(await first.evaluate(() => window.storeApi.open('tabs'))).toEqual({ ok: true });
    expect(await second.evaluate(() => window.storeApi.open('tabs'))).toEqual({ code: 'LOCKED' });
    expect(await second.evaluate(() => window.storeApi.open('other-profile'))).toEqual({ ok: true });
    await first.close();
    await openWhenReleased(second, 'tabs');
    await second.close();
  });

  it('a database deleted under an open store (site data cleared) is let go: every later call fails CLOSED', async () => {
    const p = await page();
    expect(await p.evaluate(() => window.storeApi.open('cleared'))).toEqual({ ok: true });
    expect(await p.evaluate(() => window.storeApi.write('cleared', [['put', 'contacts', 'a', '01']]))).toEqual({ ok: true });
    expect(await p.evaluate(() => window.storeApi.deleteDatabase('cleared'))).toBe(true);
    expect(await p.evaluate(() => window.storeApi.get('cleared', 'contacts', 'a'))).toEqual({ code: 'CLOSED' });
    expect(await p.evaluate(() => window.storeApi.write('cleared', [['put', 'contacts', 'a', '02']]))).toEqual({ code: 'CLOSED' });
    await p.close();
  });

  it('a batch interrupted by closing or crashing its tab is all or nothing', async () => {
    const N = 100;
    const outcomes: string[] = [];
    for (const [trial, delayMs] of [0, 4, 12].entries()) {
      const name = `atomic-${trial}`;
      const p = await page();
      await p.evaluate((n) => window.storeApi.open(n), name);
      const value = hex(`batch ${trial} `.padEnd(1024, '.'));
      const ops = Array.from({ length: N }, (_, i) => ['put', 'messages', `${trial}:${String(i).padStart(4, '0')}`, value] as const);
      await p.evaluate(([n, o]) => window.storeApi.startWrite(n, [...o]), [name, ops] as const);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (trial % 2 === 1) {
        const crashed = new Promise((resolve) => p.once('crash', resolve));
        void (await context.newCDPSession(p)).send('Page.crash').catch(() => undefined);
        await crashed;
      }
      await p.close();

      const check = await page();
      await openWhenReleased(check, name);
      const listed = await check.evaluate((n) => window.storeApi.list(n, 'messages'), name);
      const keys = 'ok' in listed ? listed.ok.map(([k]) => k) : [];
      const count = keys.filter((k) => k.startsWith(`${trial}:`)).length;
      outcomes.push(`${trial % 2 === 0 ? 'close' : 'crash'}+${delayMs}ms: ${count === N ? 'committed' : count === 0 ? 'none' : `PARTIAL ${count}`}`);
      expect([0, N], outcomes.join(', ')).toContain(count);
            await check.close();
    }
    console.log(`interrupted batches of ${N}: ${outcomes.join(', ')}`);
  });
});
