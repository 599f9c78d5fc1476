/**
 * The account room against a real relay process: a fresh identity opens
 * without a spurious error, and a holder of a multi-use invitation token who
 * drains the victim's one-time prekeys cannot knock it offline; an
 * invitation is accepted across spellings of one relay URL, and one for
 * another relay is refused naming both (issue 11).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNED_PREKEY_ROTATION_INTERVAL } from '../../src/client/account/prekeys.js';
import { Client } from '../../src/client/client.js';
import { SIGNED_PREKEY_GRACE_PERIOD } from '../../src/constants.js';
import { decodePreKeyState, type PreKeyState } from '../../src/identity/index.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { normaliseRelayUrl } from '../../src/client/contacts/invitations.js';
import { isClientError } from '../../src/client/errors.js';
import { parseInvite } from '../../src/wire/client/invite.js';
import { decodePreKeyBundle, type PreKeyBundle } from '../../src/wire/prekeys.js';
import type { RelayResult } from '../../src/wire/relay-frames.js';
import { TestClient } from '../relay/client.js';
import { befriend, openClient, startRelayProcess, tempDir, text, type RelayProcess } from './helpers.js';

const tmp = tempDir('parley-account-');
const relays: RelayProcess[] = [];
const open: Client[] = [];

afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  for (const r of relays) await r.stop();
  tmp.remove();
});

async function relay(name: string, flags: readonly string[] = []): Promise<RelayProcess> {
  const r = await startRelayProcess(join(tmp.dir, name), undefined, flags);
  relays.push(r);
  return r;
}

async function client(r: RelayProcess, name: string, listen?: (c: Client) => void): Promise<Client> {
  return clientAt(r.url, name, listen);
}

async function clientAt(url: string, name: string, listen?: (c: Client) => void): Promise<Client> {
  const c = await openClient(join(tmp.dir, name), url, name, listen);
  open.push(c);
  return c;
}

/**
 * Fetches `n` bundles of the invite's mailbox over unauthenticated
 * connections, waiting out RATE_LIMITED as a patient attacker would; returns
 * how many the relay served.
 */
async function drainBundles(url: string, inviteText: string, n: number): Promise<number> {
  const invite = parseInvite(inviteText);
  let attacker = await TestClient.connect(url);
  let served = 0;
  while (served < n) {
    const o = await attacker.raw({ type: 'bundle', mailbox: invite.mailbox, token: invite.token });
    if (o.type === 'ok') served++;
    else if (o.code === 'RATE_LIMITED') await new Promise((r) => setTimeout(r, Math.max(10, o.retryAfter ?? 100)));
    else if (o.code === 'CLOSED') attacker = await TestClient.connect(url);
    else throw new Error(`the relay refused a bundle: ${o.code}`);
  }
  attacker.ws.close();
  return served;
}

/** Drops the victim's connection; true once it is connected again, false if it failed to reconnect three times first. */
function reconnects(victim: Client): Promise<boolean> {
  return new Promise((resolve) => {
    let failures = -1; // the interruption itself is one disconnect
    const off = victim.on('connection-state', (e) => {
      if (e.state === 'disconnected') failures++;
      if (e.state !== 'connected' && failures < 3) return;
      off();
      resolve(e.state === 'connected');
    });
    victim.interruptConnection();
  });
}

async function lockOutAttempt(r: RelayProcess, tag: string): Promise<{ served: number; disconnects: number; errors: string[] }> {
  const errors: string[] = [];
  let disconnects = 0;
  const victim = await client(r, `victim-${tag}`, (c) => {
    c.on('error', (e) => errors.push(String(e.error)));
    c.on('connection-state', (e) => { if (e.state === 'disconnected') disconnects++; });
  });
  const friend = await client(r, `friend-${tag}`);
  const { bAtA: friendAtVictim, aAtB: victimAtFriend } = await befriend(victim, friend);
  const { text: inviteText } = await victim.createInvite({ multiUse: true });
  // Ten rounds of 100 fetches, the victim's connection dropping after each (a phone on a bad network):
  // every reconnect runs the connection setup, replenishment included — where the lock-out loop lived.
  let served = 0;
  for (let round = 0; round < 10; round++) {
    served += await drainBundles(r.url, inviteText, 100);
    expect(await reconnects(victim)).toBe(true);
  }
  const got = victim.next('message');
  await friend.send(victimAtFriend, { type: 'text', text: `after the drain (${tag})` });
  const m = await got;
  expect(m.from.id).toBe(friendAtVictim);
  expect(text(m)).toBe(`after the drain (${tag})`);
  // A new contact can still start a session with the victim after the drain.
  const late = await client(r, `late-${tag}`);
  const { aAtB: victimAtLate } = await befriend(victim, late);
  await late.send(victimAtLate, { type: 'text', text: 'a new contact' });
  return { served, disconnects, errors };
}

describe('account: prekeys under attack', () => {
  it('a fresh identity opens without an error event', async () => {
    const r = await relay('fresh');
    for (const name of ['fresh-1', 'fresh-2', 'fresh-3']) {
      const errors: unknown[] = [];
      const c = await client(r, name, (x) => x.on('error', (e) => errors.push(e.error)));
      // A round trip after setup: any prekeys_low handling has run by then.
      await c.createInvite();
      expect(errors).toEqual([]);
    }
  }, 60_000);

  it('an invite-token holder fetching 1,000 bundles does not lock the victim out (relay budgets lifted)', async () => {
    const r = await relay('lifted', ['--bundles-per-token-per-hour', '1000000', '--bundles-per-mailbox-per-day', '1000000']);
    const { served, disconnects, errors } = await lockOutAttempt(r, 'lifted');
    expect(served).toBe(1000);
    expect(disconnects).toBe(10); // the interruptions only: no reconnect loop
    expect(errors).toEqual([]);
  }, 120_000);

  it('an invite-token holder fetching 1,000 bundles does not lock the victim out (default relay budgets)', async () => {
    const r = await relay('default');
    const { disconnects, errors } = await lockOutAttempt(r, 'default');
    expect(disconnects).toBe(10);
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('invitations and relay URLs', () => {
  it('an invitation made on ws://localhost is accepted by a client on ws://127.0.0.1/', async () => {
    const r = await relay('urls');
    const alice = await clientAt(`ws://localhost:${r.port}`, 'alice-url');
    const bob = await clientAt(`ws://127.0.0.1:${r.port}/`, 'bob-url');
    const added = alice.next('contact-added');
    const { text: invite } = await alice.createInvite();
    const aliceAtBob = await bob.acceptInvite(invite);
    const { contact: bobAtAlice } = await added;
    const got = alice.next('message');
    await bob.send(aliceAtBob.id, { type: 'text', text: 'same relay, other spelling' });
    expect(text(await got)).toBe('same relay, other spelling');
    expect((await got).from.id).toBe(bobAtAlice.id);
  }, 60_000);

  it('an invitation for another relay is refused, naming both relays', async () => {
    const r = await relay('other');
    const alice = await clientAt(`ws://localhost:${r.port}`, 'alice-url2');
    const bob = await clientAt(`ws://127.0.0.1:${r.port}`, 'bob-url2');
    const invite = { ...parseInvite((await alice.createInvite()).text), relay: 'wss://relay.example/' };
    const error: unknown = await bob.acceptInvite(invite).then(() => undefined, (e: unknown) => e);
    expect(isClientError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(String(error)).toContain('wss://relay.example/');
    expect(String(error)).toContain(`ws://127.0.0.1:${r.port}`);
    expect(bob.contacts()).toEqual([]);
  }, 60_000);

  it('relay URLs are normalised: scheme and host case, default ports, trailing slash, loopback names', () => {
    const same = [
      ['WS://LocalHost:8080/', 'ws://127.0.0.1:8080'], ['ws://[::1]:8080/', 'ws://localhost:8080'],
      ['wss://Relay.Example:443/', 'wss://relay.example'], ['ws://relay.example:80', 'ws://relay.example/'],
    ];
    for (const [a, b] of same) expect(normaliseRelayUrl(a!), `${a} ~ ${b}`).toBe(normaliseRelayUrl(b!));
    const different = [
      ['ws://relay.example', 'wss://relay.example'], ['ws://localhost:8080', 'ws://localhost:8081'],
      ['wss://relay.example:8443', 'wss://relay.example'], ['ws://a.example', 'ws://b.example'],
    ];
    for (const [a, b] of different) expect(normaliseRelayUrl(a!), `${a} ≁ ${b}`).not.toBe(normaliseRelayUrl(b!));
  });
});

/** Opens the client in `dir` on a clock the test moves. */
async function clientOnClock(r: RelayProcess, name: string, clock: { now: number }, listen?: (c: Client) => void): Promise<Client> {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const c = await Client.open({
    relay: r.url, store, webSocket: nodeWebSocketFactory, displayName: name, backoff: { baseMs: 20, maxMs: 300 }, now: () => clock.now,
  });
  listen?.(c);
  open.push(c);
  await c.ready();
  return c;
}

/** The prekey state a closed client left in its store. */
async function storedPreKeys(name: string): Promise<PreKeyState> {
  const dir = join(tmp.dir, name);
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const bytes = await store.get('prekeys', 'state');
  await store.close();
  return decodePreKeyState(bytes!);
}

/**
 * The bundle the relay serves for `c` now once this token's one-time budget
 * is spent (relay.md §2.1): the signed prekey and the last-resort KEM prekey.
 */
async function lastResortBundle(r: RelayProcess, c: Client): Promise<PreKeyBundle> {
  const invite = parseInvite((await c.createInvite()).text);
  const fetcher = await TestClient.connect(r.url);
  try {
    for (let i = 0; i < 50; i++) {
      const got = await fetcher.request<Extract<RelayResult, { re: 'bundle' }>>({ type: 'bundle', mailbox: invite.mailbox, token: invite.token });
      const bundle = decodePreKeyBundle(got.bundle);
      if (bundle.kemPreKey.lastResort) return bundle;
    }
    throw new Error('no last-resort bundle within 50 fetches');
  } finally {
    fetcher.ws.close();
  }
}

describe('account: signed prekey rotation', () => {
  it('rotates the signed and last-resort KEM prekeys after the interval, a peer with an old bundle still gets through, the retired pair is pruned after its grace', async () => {
    const r = await relay('rotation');
    const clock = { now: Date.now() };
    const start = clock.now;
    let victim = await clientOnClock(r, 'rotating', clock);
    const before = await lastResortBundle(r, victim);
    const { text: inviteText } = await victim.createInvite();
    await victim.close();
    // The peer fetches the bundle of the first pair and sends its hello while the victim is offline.
    const peer = await client(r, 'old-bundle-peer');
    const victimAtPeer = await peer.acceptInvite(inviteText);

    clock.now = start + SIGNED_PREKEY_ROTATION_INTERVAL;
    const added: string[] = [];
    victim = await clientOnClock(r, 'rotating', clock, (c) => c.on('contact-added', (e) => added.push(e.contact.id)));
    const after = await lastResortBundle(r, victim);
    expect(after.signedPreKey.id).toBe(before.signedPreKey.id + 1);
    expect(after.kemPreKey.id).not.toBe(before.kemPreKey.id);
    expect(after.signedPreKey.createdAt).toBe(clock.now);
    expect(after.kemPreKey.createdAt).toBe(clock.now);
    // Within the grace period the hello built on the old pair completes the session.
    const got = victim.next('message');
    await peer.send(victimAtPeer.id, { type: 'text', text: 'built on the old bundle' });
    expect(text(await got)).toBe('built on the old bundle');
    expect(added).toHaveLength(1);
    await victim.close();
    const inGrace = await storedPreKeys('rotating');
    expect(inGrace.previous?.signedPreKey.id).toBe(before.signedPreKey.id);
    expect(inGrace.previous?.lastResortKemPreKey.id).toBe(before.kemPreKey.id);

    clock.now = start + SIGNED_PREKEY_ROTATION_INTERVAL + SIGNED_PREKEY_GRACE_PERIOD - 1;
    victim = await clientOnClock(r, 'rotating', clock);
    await victim.close();
    expect((await storedPreKeys('rotating')).previous?.signedPreKey.id).toBe(before.signedPreKey.id); // not yet pruned

    clock.now = start + SIGNED_PREKEY_ROTATION_INTERVAL + SIGNED_PREKEY_GRACE_PERIOD;
    victim = await clientOnClock(r, 'rotating', clock);
    await victim.close();
    const pruned = await storedPreKeys('rotating');
    expect(pruned.previous?.signedPreKey.id).not.toBe(before.signedPreKey.id);
    expect(pruned.signedPreKey.id).not.toBe(before.signedPreKey.id);
    expect([pruned.lastResortKemPreKey.id, pruned.previous?.lastResortKemPreKey.id]).not.toContain(before.kemPreKey.id);
  }, 120_000);
});
