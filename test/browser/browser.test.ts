/**
 * The core runs unchanged in a browser: src/ is bundled by esbuild for
 * platform "browser" (a Node-only import would fail the build), served on
 * loopback, and run in Debian's Chromium through playwright-core. Locally the
 * test is skipped when /usr/bin/chromium is absent; in CI (CI=true) it always
 * runs (.ci/run installs chromium).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const mustRun = process.env['CI'] === 'true';
const available = existsSync(CHROMIUM);
const vectors = JSON.parse(readFileSync(new URL('../../spec/vectors/sealed-sender.json', import.meta.url), 'utf8')) as {
  parameters: { senderSeed: string; recipientSeed: string };
  envelopes: { randomSeed: string; content: string; envelope: string }[];
};

describe.runIf(available || mustRun)('in a browser (Chromium)', () => {
  let server: Server;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL('./entry.ts', import.meta.url).pathname],
      bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent',
    });
    const js = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/parley.js"></script>';
    server = createServer((req, res) => {
      if (req.url === '/parley.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
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
