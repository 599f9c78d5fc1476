/**
 * The account room against a real relay process: a fresh identity opens
 * without a spurious error, and a holder of a multi-use invitation token who
 * drains the victim's one-time prekeys cannot knock it offline; an
 * invitation is accepted across spellings of one relay URL, and one for
 * another relay is refused naming both (issue 11).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { normaliseRelayUrl } from '../../src/client/contacts/invitations.js';
import { isClientError } from '../../src/client/errors.js';
import { parseInvite } from '../../src/wire/client/invite.js';
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
