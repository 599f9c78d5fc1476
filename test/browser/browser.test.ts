/**
 * The core runs unchanged in a browser: src/ is bundled for platform "browser"
 * and run in Debian's Chromium (harness.ts).
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, bundle, launchChromium, modulePage, serve, type Served } from './harness.js';

const vectors = JSON.parse(readFileSync(new URL('../../spec/vectors/sealed-sender.json', import.meta.url), 'utf8')) as {
  parameters: { senderSeed: string; recipientSeed: string };
  envelopes: { randomSeed: string; content: string; envelope: string }[];
};

describe.runIf(browserAvailable)('in a browser (Chromium)', () => {
  let served: Served;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const js = await bundle(new URL('./entry.ts', import.meta.url).pathname);
    served = await serve({ '/': modulePage('/parley.js'), '/parley.js': ['text/javascript', js] });
    url = served.url;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('runs a sealed PQXDH + Double Ratchet conversation and reproduces the sealed-sender vectors byte for byte', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof window.parleySelfTest === 'function');
    const result = await page.evaluate((v) => window.parleySelfTest(v), vectors);
    expect(result.userAgent).toContain('Chrome');
    expect(result.conversation).toEqual(['alice 0', 'bob 1', 'alice 2', 'bob 3', 'alice 4', 'bob 5', 'safety numbers agree']);
    expect(result.sealed).toEqual(vectors.envelopes.map((e) => e.envelope));
    await page.close();
  });
});
