/**
 * Files between a Node client and a browser client (Chromium) through a real
 * relay process (protocol.md §11, relay.md §12): the page imports 'parley' as
 * an app would, downloads with fetch and web streams across origins (the
 * blob endpoints answer CORS), and uploads a Blob the Node client downloads.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import type { FilePointer } from '../../src/client/files/index.js';
import { spawnRelay, type RelayProcess } from '../relay/process.js';
import { openClient, tempDir } from '../scenario/helpers.js';
import { browserAvailable, bundleAppSource, launchChromium, serve, type Served } from './harness.js';

/** The page: a client on a MemoryStore; window.files lets the test drive it. Bytes cross as hex. */
const PAGE = `
import { Client, MemoryStore } from 'parley';
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const digest = async (b) => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)));
let client;
let inviter;
window.files = {
  open: async (relay) => { client = await Client.open({ relay, store: new MemoryStore(), displayName: 'browser' }); await client.ready(); },
  accept: async (invite) => { inviter = (await client.acceptInvite(invite)).id; },
  receive: async () => {
    const m = await client.next('message', (e) => e.content.body.type === 'attachment');
    const parts = [];
    let written = 0;
    await client.download(m.content.body, new WritableStream({ write: (c) => { parts.push(c); written += c.length; } }));
    const whole = new Uint8Array(written);
    let at = 0;
    for (const p of parts) { whole.set(p, at); at += p.length; }
    return { name: m.content.body.name, size: written, sha256: await digest(whole) };
  },
  send: async (size) => {
    const bytes = new Uint8Array(size).map((_, i) => (i * 7 + 3) & 0xff);
    await client.sendFile(inviter, new Blob([bytes]), { type: 'image/jpeg', name: 'from-browser.jpg' });
    return digest(bytes);
  },
};
window.ready = true;
`;

describe.runIf(browserAvailable)('files between Node and a browser', () => {
  const tmp = tempDir('parley-browser-files-');
  let relay: RelayProcess;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let node: Client;

  beforeAll(async () => {
    relay = await spawnRelay(`${tmp.dir}/relay`);
    served = await serve({ '/': ['text/html', '<script type="module" src="/app.js"></script>'], '/app.js': ['text/javascript', await bundleAppSource(PAGE)] });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(served.url);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    node = await openClient(`${tmp.dir}/node`, relay.url, 'node');
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await browser?.close();
    await served?.close();
    relay?.child.kill('SIGTERM');
    await relay?.exited;
    tmp.remove();
  });

  it('a file from Node is downloaded and verified in the browser, and a Blob from the browser is downloaded in Node', async () => {
    await page.evaluate((url) => (window as unknown as { files: { open: (u: string) => Promise<void> } }).files.open(url), relay.url);
    const added = node.next('contact-added');
    const { text } = await node.createInvite();
    await page.evaluate((t) => (window as unknown as { files: { accept: (i: string) => Promise<void> } }).files.accept(t), text);
    const { contact } = await added;

    const data = new Uint8Array(randomBytes(3 * 65536 + 777));
    const received = page.evaluate(() => (window as unknown as { files: { receive: () => Promise<unknown> } }).files.receive());
    await node.sendFile(contact.id, data, { type: 'application/pdf', name: 'to-browser.pdf' });
    expect(await received).toEqual({ name: 'to-browser.pdf', size: data.length, sha256: createHash('sha256').update(data).digest('hex') });

    const incoming = node.next('message', (m) => m.content.body.type === 'attachment');
    // Past one upload segment (64 chunks): two PUTs through the browser's fetch, the second sealed while the first is in flight.
    const sent = await page.evaluate((n) => (window as unknown as { files: { send: (s: number) => Promise<string> } }).files.send(n), 66 * 65536 + 5);
    const pointer = (await incoming).content.body as FilePointer;
    expect(pointer.name).toBe('from-browser.jpg');
    expect(createHash('sha256').update(await node.downloadBytes(pointer)).digest('hex')).toBe(sent);
  }, 60_000);
});
