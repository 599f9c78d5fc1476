/**
 * Issue 9 finding 3: the recipient's rate bucket was charged before the token
 * was checked, so three unauthenticated connections sending wrong-token
 * envelopes made 80% of a legitimate contact's sends fail with RATE_LIMITED,
 * and a blocked contact with its revoked token could do the same. Consent
 * comes before cost now (relay.md §7.3).
 */
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/crypto/index.js';
import { encodeRelayRequest } from '../../../src/wire/index.js';
import { TestClient } from '../client.js';
import { publishAll } from '../harness.js';
import { attackerAddress, wrongTokenSend } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, scrape, target, track, underAttack } from './harness.js';

/** Pipelines `count` frames on one connection, `window` at a time, and returns every answer's code ('ok' or the error). */
async function flood(c: TestClient, count: number, frame: (id: number) => Uint8Array, window = 50): Promise<string[]> {
  const codes: string[] = [];
  for (let sent = 0; sent < count; sent += window) {
    const ids = Array.from({ length: Math.min(window, count - sent) }, (_, i) => 1_000_000 + sent + i);
    const answers = await Promise.all(ids.map((id) => c.rawBytes(frame(id), id)));
    codes.push(...answers.map((a) => (a.type === 'ok' ? 'ok' : a.code)));
  }
  return codes;
}

describe('adversary: consent before cost', () => {
  it('wrong-token and revoked-token floods at a victim mailbox never cost its legitimate contact a single send', async () => {
    const relay = await target();
    const pair = await LegitimatePair.open(relay.url);
    const blocked = await pair.bob.invite(systemRandom(32)); // a contact the victim then blocks
    await pair.bob.request({ type: 'token_revoke', token: blocked.token });
    const baseline = await residentBytes(relay);
    const strangers = await Promise.all([0, 1, 2].map(async (i) => track(await TestClient.connect(relay.url, undefined, attackerAddress(i)))));
    const exBlocked = track(await TestClient.connect(relay.url, undefined, attackerAddress(3)));
    let answers: string[] = [];
    const exchange = await underAttack(pair, 50, async () => {
      const all = await Promise.all([
        ...strangers.map((s) => flood(s, 400, (id) => wrongTokenSend(id, pair.mailbox))),
        flood(exBlocked, 400, (id) => wrongTokenSend(id, pair.mailbox, blocked.token)),
      ]);
      answers = all.flat();
    });
    expect(answers).toHaveLength(1600);
    expect(answers.every((code) => code === 'TOKEN_REFUSED' || code === 'RATE_LIMITED')).toBe(true);
    expect(exchange).toEqual({ acked: 50, refused: [], delivered: 50 });
    // Rate-limit state exists only for the mailbox Alice was admitted to.
    expect((await scrape(relay)).get('parley_relay_rate_limit_keys{table="mailbox_token"}')).toBe(1);
    await expectHealthy(relay, baseline);
  });

  it('a hostile token holder flooding sends and bundle fetches with its own valid token spends only its own share', async () => {
    const relay = await target();
    const pair = await LegitimatePair.open(relay.url);
    await publishAll(pair.bob, 20, 20);
    const [own, invite] = [await pair.bob.invite(systemRandom(32)), await pair.bob.invite(systemRandom(32))];
    const flooder = track(await TestClient.connect(relay.url, undefined, attackerAddress(0)));
    const drainer = track(await TestClient.connect(relay.url, undefined, attackerAddress(1)));
    let answers: string[] = [];
    const exchange = await underAttack(pair, 50, async () => {
      const all = await Promise.all([
        flood(flooder, 600, (id) => wrongTokenSend(id, own.mailbox, own.token)), // a valid token: admitted up to its share
        flood(drainer, 600, (id) => encodeRelayRequest({ type: 'bundle', id, ...invite })),
      ]);
      answers = all.flat();
    });
    expect(answers.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThan(0); // the hostile tokens hit their own limit
    expect(exchange).toEqual({ acked: 50, refused: [], delivered: 50 }); // …and Alice never hit hers
  });
});

