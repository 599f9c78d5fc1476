/** Mailboxes, tokens, fan-out, ephemeral, retention (relay.md §2.3, §5, §7). */
import { describe, expect, it } from 'vitest';
import { systemRandom, type Bytes } from '../../src/crypto/index.js';
import type { RelayResult } from '../../src/wire/index.js';
import { hashToken } from '../../relay/auth.js';
import { bytesOf, connect, login, relay, textOf, until } from './harness.js';

type Fanout = Extract<RelayResult, { re: 'fanout' }>;
type Ephemeral = Extract<RelayResult, { re: 'ephemeral' }>;

describe('relay mailboxes', () => {
  for (const sqlite of [false, true]) {
    it(`pushes at once to a connected recipient, in order, with increasing ids (${sqlite ? 'sqlite' : 'memory'})`, async () => {
      const r = await relay({ sqlite });
      const bob = await login(r.url);
      const ref = await bob.invite();
      const alice = await connect(r.url);
      for (let i = 0; i < 20; i++) await alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
      const got = await bob.waitFor('deliver', 20);
      expect(got.map((d) => textOf(d.data))).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      for (let i = 1; i < got.length; i++) expect(got[i]!.eid).toBeGreaterThan(got[i - 1]!.eid);
    });

    it(`stores for an offline recipient, delivers on next connect, redelivers until acked (${sqlite ? 'sqlite' : 'memory'})`, async () => {
      const r = await relay({ sqlite });
      const bob = await login(r.url);
      const ref = await bob.invite();
      bob.close();
      const alice = await connect(r.url);
      for (let i = 0; i < 5; i++) await alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
      const again = await login(r.url, bob.identity);
      const first = await again.waitFor('deliver', 5);
      expect(first.map((d) => textOf(d.data))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      await again.request({ type: 'ack', ids: [first[0]!.eid, first[1]!.eid] });
      again.close();
      const third = await login(r.url, bob.identity);
      const redelivered = await third.waitFor('deliver', 3);
      expect(redelivered.map((d) => textOf(d.data))).toEqual(['m2', 'm3', 'm4']);
      await third.request({ type: 'ack', ids: redelivered.map((d) => d.eid) });
      await expect(r.store.stats()).resolves.toEqual({ envelopes: 0, bytes: 0, deliveries: 0, deliveryBytes: 0 });
    });
  }

  it('ignores acks for another mailbox\'s envelopes', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const carol = await login(r.url);
    const ref = await bob.invite();
    await (await connect(r.url)).request({ type: 'send', ...ref, data: bytesOf('x') });
    const [d] = await bob.waitFor('deliver');
    await carol.request({ type: 'ack', ids: [d!.eid] });
    await expect(r.store.stats()).resolves.toMatchObject({ envelopes: 1 });
  });

  it('pauses pushing at maxUnacked and resumes on ack', async () => {
    const r = await relay({ limits: { maxUnacked: 3 } });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    for (let i = 0; i < 6; i++) await alice.request({ type: 'send', ...ref, data: bytesOf(`m${i}`) });
    const firstThree = await bob.waitFor('deliver', 3);
    await alice.request({ type: 'send', ...ref, data: bytesOf('m6') }); // round trip: any further push would have arrived
    expect(bob.deliveries()).toHaveLength(3);
    await bob.request({ type: 'ack', ids: firstThree.map((d) => d.eid) });
    const all = await bob.waitFor('deliver', 6);
    expect(all.map((d) => textOf(d.data))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });
});

describe('relay delivery tokens', () => {
  it('refuses a send without a valid token (TOKEN_REFUSED), admits after registration, refuses after revocation', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const token = systemRandom(16);
    const alice = await connect(r.url);
    const send = (): Promise<RelayResult> => alice.request({ type: 'send', mailbox: bob.mailbox!, token, data: bytesOf('hi') });
    await expect(send()).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await bob.request({ type: 'token_add', token });
    await expect(send()).resolves.toEqual({ re: 'send' });
    await bob.request({ type: 'token_revoke', token });
    await expect(send()).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await expect(bob.request({ type: 'token_revoke', token })).resolves.toEqual({ re: 'token_revoke' }); // idempotent
  });

  it('rotates a token atomically with replaces', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const old = await bob.invite();
    const fresh = systemRandom(32);
    await bob.request({ type: 'token_add', token: fresh, replaces: old.token });
    const alice = await connect(r.url);
    await expect(alice.request({ type: 'send', ...old, data: bytesOf('x') })).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
    await expect(alice.request({ type: 'send', mailbox: old.mailbox, token: fresh, data: bytesOf('x') })).resolves.toEqual({ re: 'send' });
  });

  it('stores only token hashes', async () => {
    const r = await relay({ sqlite: true });
    const bob = await login(r.url);
    const { token } = await bob.invite();
    await expect(r.store.hasToken(bob.mailbox!, token)).resolves.toBe(false);
    await expect(r.store.hasToken(bob.mailbox!, hashToken(token))).resolves.toBe(true);
  });

  it('caps tokens per mailbox (TOO_MANY_TOKENS)', async () => {
    const r = await relay({ limits: { maxTokensPerMailbox: 2 } });
    const bob = await login(r.url);
    await bob.invite();
    await bob.invite();
    await expect(bob.invite()).rejects.toMatchObject({ code: 'TOO_MANY_TOKENS' });
  });
});

describe('relay group fan-out', () => {
  it('stores one ciphertext once for every admitted recipient and reports partial refusals in one response', async () => {
    const r = await relay({ sqlite: true, limits: { mailboxMaxEnvelopes: 1 } });
    const members = await Promise.all([0, 1, 2].map(() => login(r.url)));
    const refs = await Promise.all(members.map((m) => m.invite()));
    const alice = await connect(r.url);
    // Fill member 2's mailbox so the fan-out finds it full.
    await alice.request({ type: 'send', ...refs[2]!, data: bytesOf('filler') });
    const data = systemRandom(1000);
    const res = await alice.request<Fanout>({
      type: 'fanout', data,
      to: [refs[0]!, refs[1]!, refs[2]!, { mailbox: refs[0]!.mailbox, token: systemRandom(16) }],
    });
    expect(res.results).toEqual(['ok', 'ok', 'MAILBOX_FULL', 'TOKEN_REFUSED']);
    for (const m of members.slice(0, 2)) expect((await m.waitFor('deliver'))[0]!.data).toEqual(data);
    // The filler and the fan-out ciphertext: two envelopes, 1006 bytes — not three copies.
    await expect(r.store.stats()).resolves.toEqual({ envelopes: 2, bytes: 1006, deliveries: 3, deliveryBytes: 2006 });
  });
});

describe('relay ephemeral frames', () => {
  it('delivers only to a connected recipient and never stores', async () => {
    const r = await relay({ sqlite: true });
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    await expect(alice.request<Ephemeral>({ type: 'ephemeral', ...ref, data: bytesOf('typing') })).resolves.toEqual({ re: 'ephemeral', delivered: true });
    expect(textOf((await bob.waitFor('ephemeral'))[0]!.data)).toBe('typing');
    bob.close();
    await until(() => r.context.online.size === 0);
    await expect(alice.request<Ephemeral>({ type: 'ephemeral', ...ref, data: bytesOf('typing') })).resolves.toEqual({ re: 'ephemeral', delivered: false });
    await expect(r.store.stats()).resolves.toEqual({ envelopes: 0, bytes: 0, deliveries: 0, deliveryBytes: 0 });
    const back = await login(r.url, bob.identity);
    await back.request({ type: 'counts' });
    expect(back.pushes.filter((p) => p.type !== 'prekeys_low')).toEqual([]);
    await expect(alice.request({ type: 'ephemeral', mailbox: ref.mailbox, token: systemRandom(16), data: bytesOf('x') })).rejects.toMatchObject({ code: 'TOKEN_REFUSED' });
  });
});

describe('relay retention', () => {
  it('refuses a full mailbox by count and by bytes (MAILBOX_FULL), nothing dropped', async () => {
    const r = await relay({ sqlite: true, limits: { mailboxMaxEnvelopes: 3, mailboxMaxBytes: 250 } });
    const bob = await login(r.url);
    const ref = await bob.invite();
    bob.close();
    const alice = await connect(r.url);
    const send = (data: Bytes): Promise<RelayResult> => alice.request({ type: 'send', ...ref, data });
    await send(new Uint8Array(100));
    await send(new Uint8Array(100));
    await expect(send(new Uint8Array(100))).rejects.toMatchObject({ code: 'MAILBOX_FULL' }); // 300 > 250 bytes
    await send(new Uint8Array(50));
    await expect(send(new Uint8Array(1))).rejects.toMatchObject({ code: 'MAILBOX_FULL' }); // 4 > 3 envelopes
    const back = await login(r.url, bob.identity);
    const got = await back.waitFor('deliver', 3);
    expect(got.map((d) => d.data.length)).toEqual([100, 100, 50]);
    await back.request({ type: 'ack', ids: [got[0]!.eid] });
    await expect(send(new Uint8Array(1))).resolves.toEqual({ re: 'send' });
  });

  for (const sqlite of [false, true]) {
    it(`expires envelopes after their TTL (default or shorter, never longer) and sweeps them (${sqlite ? 'sqlite' : 'memory'})`, async () => {
      let now = 1_800_000_000_000;
      const r = await relay({ sqlite, ttlSeconds: 100, now: () => now });
      const bob = await login(r.url);
      const ref = await bob.invite();
      bob.close();
      const alice = await connect(r.url);
      await alice.request({ type: 'send', ...ref, data: bytesOf('short'), ttl: 10 });
      await alice.request({ type: 'send', ...ref, data: bytesOf('default') });
      await alice.request({ type: 'send', ...ref, data: bytesOf('asked-longer'), ttl: 1_000_000 });
      now += 50_000;
      expect(await r.sweep()).toBe(1);
      await expect(r.store.stats()).resolves.toMatchObject({ envelopes: 2 });
      const back = await login(r.url, bob.identity);
      expect((await back.waitFor('deliver', 2)).map((d) => textOf(d.data))).toEqual(['default', 'asked-longer']);
      now += 51_000;
      expect(await r.sweep()).toBe(2);
      await expect(r.store.stats()).resolves.toEqual({ envelopes: 0, bytes: 0, deliveries: 0, deliveryBytes: 0 });
    });
  }

  it('refuses oversize payloads with TOO_LARGE and keeps the connection', async () => {
    const r = await relay();
    const bob = await login(r.url);
    const ref = await bob.invite();
    const alice = await connect(r.url);
    await expect(alice.request({ type: 'send', ...ref, data: new Uint8Array(272 * 1024 + 1) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(alice.request({ type: 'ephemeral', ...ref, data: new Uint8Array(64 * 1024 + 1) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(alice.request({ type: 'send', ...ref, data: new Uint8Array(272 * 1024) })).resolves.toEqual({ re: 'send' });
  });
});
