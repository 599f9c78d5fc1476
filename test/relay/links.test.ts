/**
 * The linking mailboxes (spec/relay.md §14) against a relay: N opens a link,
 * both sides listen and send, every message arrives in order on the side it
 * was sent to, a listener that comes back resumes after what it had, the
 * owner-only rules hold, nothing is served after the TTL or a close, and N
 * and E on two nodes sharing PostgreSQL reach each other.
 */
import { describe, expect, it } from 'vitest';
import { systemRandom, type Bytes } from '../../src/crypto/index.js';
import { LINK_MAX_CHUNK_MESSAGE_SIZE } from '../../src/constants.js';
import {
  RELAY_LINK_MAX_LISTENS, RELAY_LINK_MAX_TO_NEW, RELAY_LINK_TTL_SECONDS, type RelayLinkDeliver, type RelayLinkSide, type RelayResult,
} from '../../src/wire/index.js';
import { TestClient } from './client.js';
import { connect, login, onCleanup, relay, tempDir } from './harness.js';
import { spawnRelay } from './process.js';
import { DATABASE_URL, dropSchema, testSchema } from './postgres.js';

type Opened = Extract<RelayResult, { re: 'link_open' }>;
type Sent = Extract<RelayResult, { re: 'link_send' }>;

const codeOf = (o: { type: 'ok' } | { type: 'error'; code: string }): string => (o.type === 'ok' ? 'ok' : o.code);

/** The link pushes `c` got on `side` of `link`, in arrival order. */
function linkPushes(c: TestClient, link: Bytes, side: RelayLinkSide): RelayLinkDeliver[] {
  return c.pushes.filter((p): p is RelayLinkDeliver => p.type === 'link_deliver' && p.side === side && p.link.every((b, i) => b === link[i]));
}

async function waitLink(c: TestClient, link: Bytes, side: RelayLinkSide, count: number): Promise<RelayLinkDeliver[]> {
  for (;;) {
    const got = linkPushes(c, link, side);
    if (got.length >= count) return got;
    await c.waitFor('link_deliver', c.pushes.filter((p) => p.type === 'link_deliver').length + 1);
  }
}

const send = (c: TestClient, link: Bytes, to: RelayLinkSide, data: Bytes): Promise<Sent> => c.request<Sent>({ type: 'link_send', link, to, data });

describe.each([['memory', false], ['sqlite', true]] as const)('relay linking mailboxes (%s)', (_, sqlite) => {
  it('carries the channel: a hello and chunks towards N, the proof towards E, each side in order', async () => {
    const r = await relay({ sqlite });
    const [n, e] = [await login(r.url), await login(r.url)];
    const link = systemRandom(16);
    const opened = await n.request<Opened>({ type: 'link_open', link });
    expect(opened.expires).toBeGreaterThan(Date.now() + (RELAY_LINK_TTL_SECONDS - 5) * 1000);
    expect(codeOf(await e.raw({ type: 'link_open', link }))).toBe('LINK_EXISTS');
    await n.request({ type: 'link_listen', link, side: 'n' });
    await e.request({ type: 'link_listen', link, side: 'e' });
    const hello = systemRandom(40);
    await expect(send(e, link, 'n', hello)).resolves.toEqual({ re: 'link_send', seq: 1 });
    expect((await waitLink(n, link, 'n', 1)).map((p) => p.data)).toEqual([hello]);
    const proof = systemRandom(131);
    await send(n, link, 'e', proof);
    expect((await waitLink(e, link, 'e', 1)).map((p) => [p.seq, p.data])).toEqual([[1, proof]]);
    const chunks = Array.from({ length: 5 }, (_, i) => new Uint8Array(LINK_MAX_CHUNK_MESSAGE_SIZE).fill(i + 1));
    await Promise.all(chunks.map((c) => send(e, link, 'n', c)));
    const got = await waitLink(n, link, 'n', 6);
    expect(got.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Pipelined sends are stored in the order they arrive on one connection.
    expect(got.slice(1).map((p) => p.data)).toEqual(chunks);
    expect(linkPushes(e, link, 'n')).toEqual([]); // E never sees N's side
    await n.request({ type: 'link_close', link });
    expect(codeOf(await e.raw({ type: 'link_send', link, to: 'n', data: systemRandom(8) }))).toBe('NO_LINK');
    expect(codeOf(await e.raw({ type: 'link_listen', link, side: 'e' }))).toBe('NO_LINK');
  });

  it('a listener that comes back gets what was stored after the last message it had, and what was stored before it listened', async () => {
    const r = await relay({ sqlite });
    const nKey = await login(r.url);
    const e = await login(r.url);
    const link = systemRandom(16);
    await nKey.request({ type: 'link_open', link });
    const sent = Array.from({ length: 4 }, () => systemRandom(64));
    for (const d of sent.slice(0, 2)) await send(e, link, 'n', d);
    await nKey.request({ type: 'link_listen', link, side: 'n' });
    expect((await waitLink(nKey, link, 'n', 2)).map((p) => p.data)).toEqual(sent.slice(0, 2));
    nKey.close();
    for (const d of sent.slice(2)) await send(e, link, 'n', d);
    const again = await login(r.url, nKey.identity); // the same device key: the link's owner
    await again.request({ type: 'link_listen', link, side: 'n', after: 2 });
    expect((await waitLink(again, link, 'n', 2)).map((p) => [p.seq, p.data])).toEqual([[3, sent[2]], [4, sent[3]]]);
  });

  it('keeps N\'s side and the way to E for the link\'s owner, and needs an authenticated connection', async () => {
    const r = await relay({ sqlite });
    const [n, e] = [await login(r.url), await login(r.url)];
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    expect(codeOf(await e.raw({ type: 'link_listen', link, side: 'n' }))).toBe('NO_LINK');
    expect(codeOf(await e.raw({ type: 'link_send', link, to: 'e', data: systemRandom(8) }))).toBe('NO_LINK');
    expect(codeOf(await e.raw({ type: 'link_close', link }))).toBe('NO_LINK');
    expect(codeOf(await e.raw({ type: 'link_listen', link, side: 'n' }))).toBe('NO_LINK');
    const stranger = await connect(r.url);
    for (const body of [{ type: 'link_open', link: systemRandom(16) }, { type: 'link_listen', link, side: 'e' }] as const) {
      expect(codeOf(await stranger.raw(body))).toBe('AUTH_REQUIRED');
    }
    expect(codeOf(await e.raw({ type: 'link_send', link: systemRandom(16), to: 'n', data: systemRandom(8) }))).toBe('NO_LINK');
  });

  it('listens on RELAY_LINK_MAX_LISTENS sides per connection; listening again on one replaces it', async () => {
    const r = await relay({ sqlite });
    const n = await login(r.url);
    const links = Array.from({ length: 3 }, () => systemRandom(16));
    for (const link of links) await n.request({ type: 'link_open', link });
    for (const link of links.slice(0, RELAY_LINK_MAX_LISTENS / 2)) for (const side of ['n', 'e'] as const) await n.request({ type: 'link_listen', link, side });
    await n.request({ type: 'link_listen', link: links[0]!, side: 'n', after: 0 }); // a replacement, not a fifth
    expect(codeOf(await n.raw({ type: 'link_listen', link: links[2]!, side: 'n' }))).toBe('QUOTA_EXCEEDED');
    await send(n, links[0]!, 'n', systemRandom(8));
    expect(await waitLink(n, links[0]!, 'n', 1)).toHaveLength(1); // pushed once: the replaced listen is gone
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(linkPushes(n, links[0]!, 'n')).toHaveLength(1);
  });

  it('listens on links that ended (closed or expired) do not count against RELAY_LINK_MAX_LISTENS', async () => {
    let now = 1_800_000_000_000;
    const r = await relay({ sqlite, now: () => now });
    const e = await login(r.url);
    const owners = await Promise.all(Array.from({ length: RELAY_LINK_MAX_LISTENS + 1 }, () => login(r.url)));
    const links = owners.map(() => systemRandom(16));
    for (const [i, n] of owners.entries()) await n.request({ type: 'link_open', link: links[i]! });
    for (const link of links.slice(0, RELAY_LINK_MAX_LISTENS)) await e.request({ type: 'link_listen', link, side: 'e' });
    expect(codeOf(await e.raw({ type: 'link_listen', link: links[RELAY_LINK_MAX_LISTENS]!, side: 'e' }))).toBe('QUOTA_EXCEEDED');
    await owners[0]!.request({ type: 'link_close', link: links[0]! }); // one link done: its E side frees a listen
    await e.request({ type: 'link_listen', link: links[RELAY_LINK_MAX_LISTENS]!, side: 'e' });
    const later = systemRandom(16);
    await owners[1]!.request({ type: 'link_open', link: later });
    expect(codeOf(await e.raw({ type: 'link_listen', link: later, side: 'e' }))).toBe('QUOTA_EXCEEDED'); // four live links
    now += RELAY_LINK_TTL_SECONDS * 1000; // every link so far expires
    const fresh = systemRandom(16);
    await owners[2]!.request({ type: 'link_open', link: fresh });
    await e.request({ type: 'link_listen', link: fresh, side: 'e' }); // the expired links' listens no longer count
  });

  it('holds RELAY_LINK_MAX_TO_NEW messages towards N and one towards E, then LINK_FULL', async () => {
    const r = await relay({ sqlite });
    const [n, e] = [await login(r.url), await login(r.url)];
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    for (let i = 0; i < RELAY_LINK_MAX_TO_NEW; i++) await send(e, link, 'n', systemRandom(16));
    expect(codeOf(await e.raw({ type: 'link_send', link, to: 'n', data: systemRandom(16) }))).toBe('LINK_FULL');
    await send(n, link, 'e', systemRandom(16));
    expect(codeOf(await n.raw({ type: 'link_send', link, to: 'e', data: systemRandom(16) }))).toBe('LINK_FULL');
  });

  it('serves nothing after the TTL, and the sweep deletes the link', async () => {
    let now = 1_800_000_000_000;
    const r = await relay({ sqlite, now: () => now });
    const [n, e] = [await login(r.url), await login(r.url)];
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    await send(e, link, 'n', systemRandom(16));
    now += RELAY_LINK_TTL_SECONDS * 1000;
    expect(codeOf(await n.raw({ type: 'link_listen', link, side: 'n' }))).toBe('NO_LINK');
    expect(codeOf(await e.raw({ type: 'link_send', link, to: 'n', data: systemRandom(16) }))).toBe('NO_LINK');
    await r.sweep();
    await expect(r.store.linkMessages(link, 'n', 0, 10, 0)).resolves.toEqual([]);
    await n.request({ type: 'link_open', link }); // swept: the id is free
  });
});

describe('relay linking mailboxes across a crash', () => {
  it('kill -9 of the relay process: every message acknowledged to its sender is delivered after the restart', async () => {
    const dir = tempDir();
    const first = await spawnRelay(dir);
    const n = await TestClient.login(first.url);
    const e = await TestClient.login(first.url);
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    const sent = Array.from({ length: 10 }, () => systemRandom(1000));
    for (const d of sent) await send(e, link, 'n', d);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await spawnRelay(dir);
    onCleanup(async () => { second.child.kill('SIGKILL'); await second.exited; });
    const back = await TestClient.login(second.url, n.identity);
    onCleanup(() => back.close());
    await back.request({ type: 'link_listen', link, side: 'n' });
    expect((await waitLink(back, link, 'n', 10)).map((p) => p.data)).toEqual(sent);
  });
});

describe('relay linking mailboxes across nodes', () => {
  it('N on one node and E on another reach each other through PostgreSQL', async () => {
    const schema = testSchema();
    onCleanup(() => dropSchema(schema));
    const [a, b] = await Promise.all([0, 1].map(() => relay({ postgres: { url: DATABASE_URL, schema } })));
    const [n, e] = [await login(a!.url), await login(b!.url)];
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    await n.request({ type: 'link_listen', link, side: 'n' });
    await e.request({ type: 'link_listen', link, side: 'e' });
    const hello = systemRandom(40);
    await send(e, link, 'n', hello);
    expect((await waitLink(n, link, 'n', 1)).map((p) => p.data)).toEqual([hello]);
    const proof = systemRandom(131);
    await send(n, link, 'e', proof);
    expect((await waitLink(e, link, 'e', 1)).map((p) => p.data)).toEqual([proof]);
    const chunks = Array.from({ length: 3 }, () => systemRandom(1000));
    for (const c of chunks) await send(e, link, 'n', c);
    expect((await waitLink(n, link, 'n', 4)).slice(1).map((p) => p.data)).toEqual(chunks);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a duplicate push would show up here
    expect(linkPushes(n, link, 'n')).toHaveLength(4);
  });
});
