/**
 * The web chat page (npm run web) in Chromium, two browser profiles against a
 * real relay process: Alice creates an identity and an invitation link (with
 * its QR code); Bob opens the link, creates his identity and accepts; they
 * chat both ways with delivery state up to "read", compare safety numbers
 * (digits and QR), send a file (picked, uploaded with progress, downloaded
 * by Bob into a save link holding the exact bytes; an upload held up on its
 * way is cancelled; a blob with one byte
 * flipped on its way is an error on that message, and a retry succeeds), talk in a group and a channel; Carol, a stranger,
 * subscribes to the channel through its link, reads a post and unsubscribes; both reload and find it all
 * again; a second tab on Alice's profile is refused. Screenshots go to
 * test-results/web-chat/ (gitignored). Also the README's browser page, run as
 * written with its relay URL pointed at the test relay.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../../web/page.js';
import { spawnRelay, type RelayProcess } from '../relay/process.js';
import { tempDir } from '../scenario/helpers.js';
import { readmeBlocks } from '../package/readme.js';
import { browserAvailable, bundleAppSource, launchChromium, serve, type Served } from './harness.js';

const shots = new URL('../../test-results/web-chat/', import.meta.url).pathname;
const tmp = tempDir('parley-web-');
let relay: RelayProcess;
let served: Served;
let browser: Browser;

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function createIdentity(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.fill('#name', name);
  await page.click('#setup button');
  await page.waitForSelector('#conn:text("connected")');
}

/** Clicks `button` and reads the invitation link it shows (with its QR code drawn). */
async function linkFrom(page: Page, button: string, kind: 'invite' | 'channel'): Promise<string> {
  await page.click(button);
  await page.waitForSelector(`#${kind}-qr svg`);
  return page.inputValue(`#${kind}-link`);
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Creates a group (or channel) with every ticked contact and waits until it can be posted to. */
async function newGroup(page: Page, name: string, channel: boolean): Promise<void> {
  await page.check('input[data-pick]');
  await page.fill('#group-name', name);
  await page.setChecked('#group-channel', channel);
  await page.click('#new-group button');
  await page.waitForSelector(`#chat-title:text("${channel ? 'channel' : 'group'} ${name}")`);
  await page.waitForSelector('#text:enabled');
}

async function expectLine(page: Page, text: string, mine: boolean): Promise<void> {
  await page.waitForSelector(`#messages li.${mine ? 'mine' : 'theirs'} .text:text-is("${text}")`);
}

describe.runIf(browserAvailable)('web apps in Chromium against a relay process', () => {
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    relay = await spawnRelay(join(tmp.dir, 'relay'), ['--metrics-port', 'off']);
    served = await serve(await buildPage(relay.url, { minify: false }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    relay?.child.kill('SIGTERM');
    await relay?.exited;
    tmp.remove();
  });

  it('invite by link, chat with delivery state, safety numbers, a group and a channel, reloads, and a refused second tab', async () => {
    const alice = await (await browser.newContext()).newPage();
    const bobContext = await browser.newContext();
    const bob = await bobContext.newPage();
    await createIdentity(alice, served.url, 'Alice');
    const link = await linkFrom(alice, '#invite-btn', 'invite');
    expect(link).toMatch(/#invite=parley%3A/);
    await shot(alice, '1-alice-invite');

    await createIdentity(bob, link, 'Bob');
    await bob.waitForSelector('#accept-name:text("Alice")');
    await bob.click('#accept-btn');
    await bob.waitForSelector('#chat-title:text("Alice")');

    await alice.click('[data-contact="Bob"]');
    await say(alice, 'hello Bob');
    await expectLine(bob, 'hello Bob', false);
    await alice.waitForSelector('#messages li.mine .state:text("read")');
    await say(bob, 'hi Alice');
    await expectLine(alice, 'hi Alice', false);
    await bob.waitForSelector('#messages li.mine .state:text-matches("delivered|read")');

    await alice.click('#safety-btn');
    await bob.click('#safety-btn');
    const digits = await alice.textContent('#safety-digits');
    expect(digits).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await bob.textContent('#safety-digits')).toBe(digits);
    await alice.waitForSelector('#safety-qr svg');
    await alice.click('#verify-btn');
    await alice.waitForSelector('#verified:text("verified")');
    await shot(alice, '2-alice-chat-safety');

    // An upload held up on its way can be cancelled: the progress bar goes, nothing is sent, no error is shown.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await alice.route('**/v1/uploads/*', async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      await held;
      await route.abort().catch(() => undefined);
    });
    await alice.setInputFiles('#file', { name: 'held.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1024) });
    await alice.waitForSelector('#upload:visible #upload-name:text("file: held.bin (1.0 KiB)")');
    await alice.click('#upload-cancel');
    release(); // the held PUT fails too, in case the abort has not reached it: either way the upload ends ABORTED
    await alice.waitForSelector('#upload', { state: 'hidden' });
    await alice.unroute('**/v1/uploads/*');
    expect(await alice.isHidden('#error')).toBe(true);

    const file = randomBytes(200 * 1024);
    await alice.setInputFiles('#file', { name: 'notes.bin', mimeType: 'application/octet-stream', buffer: file });
    await expectLine(alice, 'file: notes.bin (200.0 KiB)', true);
    expect(await alice.locator('#messages li:has-text("held.bin")').count()).toBe(0);
    // A hostile network (or relay) flips one byte of the blob: the download fails on that message, and a retry succeeds.
    await bob.route('**/v1/blobs/*', async (route) => {
      const response = await route.fetch();
      const body = await response.body();
      body[body.length >> 1]! ^= 1;
      await route.fulfill({ response, body });
    });
    await bob.click('#messages li.theirs:has-text("notes.bin") button.download');
    await bob.waitForSelector('#messages .file-error:text-is("download failed: DECRYPT_FAILED")');
    await shot(bob, '2b-bob-file-tampered');
    await bob.unroute('**/v1/blobs/*');
    await bob.click('#messages li.theirs:has-text("notes.bin") button.download:text("retry")');
    const saved = await bob.waitForSelector('#messages a.saved:text("save (204800 bytes)")');
    expect(await saved.getAttribute('download')).toBe('notes.bin');
    const sha256 = await bob.evaluate(async (url) => {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await (await fetch(url)).arrayBuffer()));
      return Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
    }, (await saved.getAttribute('href'))!);
    expect(sha256).toBe(createHash('sha256').update(file).digest('hex'));
    await shot(bob, '2c-bob-file-downloaded');

    await newGroup(alice, 'team', false);
    await say(alice, 'hello team');
    await bob.click('[data-group="team"]');
    await expectLine(bob, 'hello team', false);

    await newGroup(alice, 'news', true);
    await say(alice, 'news 1');
    await bob.click('[data-group="news"]');
    await expectLine(bob, 'news 1', false);
    expect(await bob.isDisabled('#text')).toBe(true);
    await shot(bob, '3-bob-channel');

    const channelLink = await linkFrom(alice, '#channel-invite-btn', 'channel');
    const carol = await (await browser.newContext()).newPage();
    await createIdentity(carol, channelLink, 'Carol');
    await carol.waitForSelector('#subscribe-name:text("Alice")');
    await carol.click('#subscribe-btn');
    await carol.waitForSelector('#chat-title:text("channel news")');
    expect(await carol.isDisabled('#text')).toBe(true);
    await alice.waitForSelector('#chat-title:text("channel news (3 members)")');
    await alice.waitForSelector('#text:enabled');
    await say(alice, 'news 2');
    await expectLine(carol, 'news 2', false);
    await shot(carol, '4-carol-subscribed');
    await carol.click('#unsubscribe-btn');
    await carol.waitForSelector('#chat', { state: 'hidden' });
    expect(await carol.locator('[data-group="news"]').count()).toBe(0);

    await Promise.all([alice.reload(), bob.reload()]);
    await alice.waitForSelector('#conn:text("connected")');
    await alice.click('[data-contact="Bob"]');
    await expectLine(alice, 'hello Bob', true);
    await expectLine(alice, 'hi Alice', false);
    await alice.waitForSelector('#messages li.mine .state:text("read")');
    await bob.click('[data-group="team"]');
    await expectLine(bob, 'hello team', false);
    await shot(alice, '5-alice-after-reload');

    const second = await alice.context().newPage();
    await second.goto(served.url);
    await second.waitForSelector('#locked:visible');
    expect(await second.isHidden('#app')).toBe(true);
    await shot(second, '6-second-tab-refused');
  });

  it("the README's browser page runs as written: an IndexedDbStore profile, a connected client, an invitation", async () => {
    const blocks = readmeBlocks(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'), 'html');
    expect(blocks, 'every html block of the README is run here').toHaveLength(1);
    const [html] = blocks;
    const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html!)![1]!.replace("'wss://relay.example'", JSON.stringify(relay.url));
    const page = await (await browser.newContext()).newPage();
    const readme = await serve({ '/': ['text/html', html!.replace(/<script type="module">[\s\S]*?<\/script>/, '<script type="module" src="/app.js"></script>')], '/app.js': ['text/javascript', await bundleAppSource(script)] });
    try {
      await page.goto(readme.url);
      await page.waitForFunction(() => document.body.textContent?.startsWith('parley:'));
      const second = await page.context().newPage();
      await second.goto(readme.url);
      await second.waitForFunction(() => document.body.textContent === 'Parley is open in another tab.');
    } finally {
      await readme.close();
    }
  });
});
