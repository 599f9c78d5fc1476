/**
 * Linking-mailbox abuse against a relay process (spec/relay.md §14): a flood
 * of `link_open` from many identities meets the per-identity cap and then the
 * relay-wide cap, never more; oversize and surplus messages are refused with
 * nothing stored; sends and listens on links that do not exist are refused
 * without a strike; and a third party racing E with its own hello is
 * delivered after or before E's, in the order stored, and N keeps the first
 * (protocol.md §12.4.8). A legitimate pair keeps exchanging meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { LINK_MAX_CHUNK_MESSAGE_SIZE } from '../../../src/constants.js';
import { systemRandom, type Bytes } from '../../../src/crypto/index.js';
import { isProtocolError } from '../../../src/errors.js';
import { acceptLinkOffer, createLinkOffer, receiveLinkHello } from '../../../src/linking/index.js';
import { decodeLinkOffer, RELAY_LINK_MAX_TO_NEW, type RelayLinkDeliver } from '../../../src/wire/index.js';
import { TestClient } from '../client.js';
import { attackerAddress } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, target, track, underAttack } from './harness.js';

const codeOf = (o: { type: 'ok' } | { type: 'error'; code: string }): string => (o.type === 'ok' ? 'ok' : o.code);
const tally = (codes: readonly string[]): Record<string, number> => codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

describe('adversary: linking mailboxes', () => {
  it('a flood of link_open from many identities opens maxOpenLinksPerIdentity each and maxOpenLinks in all', async () => {
    const MAX_OPEN = 30;
    const relay = await target(['--max-open-links', String(MAX_OPEN)]);
    const baseline = await residentBytes(relay);
    const pair = await LegitimatePair.open(relay.url);
    const perSybil: string[][] = [];
    const exchange = await underAttack(pair, 20, async () => {
      const sybils = await Promise.all(Array.from({ length: 20 }, () => TestClient.login(relay.url, undefined, attackerAddress(0)).then(track)));
      perSybil.push(...await Promise.all(sybils.map(async (s) =>
        (await Promise.all(Array.from({ length: 8 }, () => s.raw({ type: 'link_open', link: systemRandom(16) })))).map(codeOf))));
    });
    expect(exchange).toMatchObject({ acked: 20, refused: [], delivered: 20 });
    const t = tally(perSybil.flat());
    expect(t['ok']).toBe(MAX_OPEN); // 20 identities × 4 would be 80: the relay-wide cap holds
    expect(Math.max(...perSybil.map((codes) => codes.filter((c) => c === 'ok').length))).toBeLessThanOrEqual(4); // maxOpenLinksPerIdentity
    expect(Object.keys(t).sort()).toEqual(['QUOTA_EXCEEDED', 'STORAGE_FULL', 'ok']);
    // An honest device is refused too until the flood's links expire (relay.md §14.4): the relay stays bounded, and says so.
    const honest = track(await TestClient.login(relay.url));
    expect(codeOf(await honest.raw({ type: 'link_open', link: systemRandom(16) }))).toBe('STORAGE_FULL');
    await expectHealthy(relay, baseline);
  });

  it('refuses oversize and surplus messages, storing nothing of them; a link is bounded in messages and bytes', async () => {
    const relay = await target();
    const baseline = await residentBytes(relay);
    const n = track(await TestClient.login(relay.url));
    const mallory = track(await TestClient.login(relay.url, undefined, attackerAddress(0)));
    const link = systemRandom(16);
    await n.request({ type: 'link_open', link });
    const tooBig = await mallory.raw({ type: 'link_send', link, to: 'n', data: new Uint8Array(LINK_MAX_CHUNK_MESSAGE_SIZE + 1) });
    expect(codeOf(tooBig)).toBe('TOO_LARGE');
    const full = new Uint8Array(LINK_MAX_CHUNK_MESSAGE_SIZE).fill(7);
    const sent = await Promise.all(Array.from({ length: RELAY_LINK_MAX_TO_NEW + 6 }, () => mallory.raw({ type: 'link_send', link, to: 'n', data: full })));
    expect(tally(sent.map(codeOf))).toEqual({ ok: RELAY_LINK_MAX_TO_NEW, LINK_FULL: 6 });
    // The link holds RELAY_LINK_MAX_BYTES in all: a side filled to the byte leaves no room for the proof (a sender
    // towards N can spoil a link, as a racing hello does; N makes a fresh offer, relay.md §14.2).
    expect(codeOf(await n.raw({ type: 'link_send', link, to: 'e', data: systemRandom(132) }))).toBe('LINK_FULL');
    const other = systemRandom(16);
    await n.request({ type: 'link_open', link: other });
    await n.request({ type: 'link_send', link: other, to: 'e', data: systemRandom(132) });
    expect(codeOf(await n.raw({ type: 'link_send', link: other, to: 'e', data: systemRandom(132) }))).toBe('LINK_FULL');
    // N reads exactly what was stored: 44 messages, seq 1..44, none of the refused ones.
    await n.request({ type: 'link_listen', link, side: 'n' });
    const got = await n.waitFor('link_deliver', RELAY_LINK_MAX_TO_NEW);
    expect(got.map((p) => p.seq)).toEqual(Array.from({ length: RELAY_LINK_MAX_TO_NEW }, (_, i) => i + 1));
    await new Promise((resolve) => setTimeout(resolve, 100)); // a surplus push would show up here
    expect(n.pushes.filter((p) => p.type === 'link_deliver')).toHaveLength(RELAY_LINK_MAX_TO_NEW);
    await expectHealthy(relay, baseline);
  });

  it('sends and listens on links that do not exist are NO_LINK and no strike; the flood is rate limited at its sender', async () => {
    const relay = await target(['--connection-rate', '50', '--connection-burst', '100']);
    const baseline = await residentBytes(relay);
    const pair = await LegitimatePair.open(relay.url);
    const mallory = track(await TestClient.login(relay.url, undefined, attackerAddress(0)));
    const codes: string[] = [];
    const exchange = await underAttack(pair, 20, async () => {
      for (let round = 0; round < 4; round++) {
        const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => mallory.raw(i % 2 === 0
          ? { type: 'link_send', link: systemRandom(16), to: 'n', data: systemRandom(64) }
          : { type: 'link_listen', link: systemRandom(16), side: 'e' })));
        codes.push(...answers.map(codeOf));
      }
    });
    expect(exchange).toMatchObject({ acked: 20, refused: [], delivered: 20 });
    expect(codes).toContain('NO_LINK');
    expect(codes).toContain('RATE_LIMITED');
    // Under a loaded machine the relay may also drop the flooding connection (4008, its requests then end CLOSED): allowed.
    expect([...new Set(codes)].filter((c) => !['NO_LINK', 'RATE_LIMITED', 'CLOSED'].includes(c))).toEqual([]);
    if (!codes.includes('CLOSED')) {
      // NO_LINK is not a strike: 120 of them did not close the connection (maxStrikes is 10).
      expect(codeOf(await mallory.raw({ type: 'link_listen', link: systemRandom(16), side: 'e' }))).toMatch(/NO_LINK|RATE_LIMITED/);
    }
    await expectHealthy(relay, baseline);
  });

  it('a third party racing E: the relay delivers both hellos in the order stored, and N keeps the first', async () => {
    const relay = await target();
    const n = track(await TestClient.login(relay.url));
    const e = track(await TestClient.login(relay.url));
    const mallory = track(await TestClient.login(relay.url, undefined, attackerAddress(0)));
    const created = createLinkOffer({ relayUrl: relay.url, random: systemRandom });
    const link = decodeLinkOffer(created.offer).linkId;
    await n.request({ type: 'link_open', link });
    await n.request({ type: 'link_listen', link, side: 'n' });
    // Mallory photographed the QR code and is faster than E.
    const racer = acceptLinkOffer({ offer: created.offer, random: systemRandom });
    const honest = acceptLinkOffer({ offer: created.offer, random: systemRandom });
    await mallory.request({ type: 'link_send', link, to: 'n', data: racer.hello });
    await e.request({ type: 'link_send', link, to: 'n', data: honest.hello });
    const pushes = (await n.waitFor('link_deliver', 2)) as RelayLinkDeliver[];
    expect(pushes.map((p) => [p.seq, p.data])).toEqual([[1, racer.hello], [2, honest.hello]]);
    const first = receiveLinkHello(created.link, pushes[0]!.data as Bytes);
    expect(first.sas).toBe(racer.sas);
    expect(first.sas).not.toBe(honest.sas); // the users see different digits: the link ends (protocol.md §12.4.8)
    let second: unknown;
    try {
      receiveLinkHello(first.link, pushes[1]!.data);
    } catch (err) {
      second = err;
    }
    expect(isProtocolError(second, 'DUPLICATE_MESSAGE')).toBe(true);
    // Mallory cannot read N's side nor write E's: those are the owner's.
    expect(codeOf(await mallory.raw({ type: 'link_listen', link, side: 'n' }))).toBe('NO_LINK');
    expect(codeOf(await mallory.raw({ type: 'link_send', link, to: 'e', data: systemRandom(132) }))).toBe('NO_LINK');
  });
});
