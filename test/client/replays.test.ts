/**
 * A hostile relay replays an old envelope after its chain is forgotten
 * (spec/client.md §7.1): the recipient drops it silently — no message-lost,
 * no heal, no second message.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import type { RelayRequest } from '../../src/wire/relay-frames.js';
import { TestClient } from '../relay/client.js';
import { befriend, openRecordingClient, relayPerFile, text } from '../scenario/helpers.js';

const file = relayPerFile('parley-replay-');
const { tmp, open } = file;


type SendRequest = Extract<RelayRequest, { type: 'send' }>;

/** A client whose outgoing `send` requests are recorded (what a relay sees and could replay). */
async function recordingClient(name: string, sent: SendRequest[]): Promise<Client> {
  const client = await openRecordingClient(join(tmp.dir, name), file.relay.url, name, (r) => { if (r.type === 'send') sent.push(r); });
  open.push(client);
  return client;
}

describe('replayed envelopes', () => {
  it('an old envelope replayed after its chain is forgotten is dropped: no message-lost, no heal, no second message', async () => {
    const sent: SendRequest[] = [];
    const alice = await recordingClient('alice', sent);
    const bobSent: SendRequest[] = [];
    const bob = await recordingClient('bob', bobSent);
    const { bAtA, aAtB } = await befriend(alice, bob);
    let got = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'first' });
    expect(text(await got)).toBe('first');
    const captured = sent[sent.length - 1] as SendRequest;
    // More round trips than MAX_PREVIOUS_RECEIVING_CHAINS: Bob's ratchet forgets the chain `first` came on.
    for (let i = 0; i < 40; i++) {
      const back = alice.next('message');
      await bob.send(aAtB, { type: 'text', text: `back ${i}` });
      await back;
      got = bob.next('message');
      await alice.send(bAtA, { type: 'text', text: `more ${i}` });
      await got;
    }
    const events: string[] = [];
    bob.on('message', (m) => events.push(`message ${text(m)}`));
    bob.on('message-lost', () => events.push('message-lost'));
    bob.on('tampered', () => events.push('tampered'));
    const bobBefore = bobSent.length;
    // The relay replays the captured envelope (same bytes, Bob's mailbox and token).
    const hostile = await TestClient.connect(file.relay.url);
    await hostile.request({ type: 'send', mailbox: captured.mailbox, token: captured.token, data: captured.data });
    hostile.ws.close();
    // A marker sent after the replay: once it is in, the replay was processed (one mailbox, in order).
    const marker = bob.next('message', (m) => text(m) === 'marker');
    await alice.send(bAtA, { type: 'text', text: 'marker' });
    await marker;
    // Bob answers: a heal (a send on a new session) would have gone out before or with it.
    const answer = alice.next('message', (m) => text(m) === 'answer');
    await bob.send(aAtB, { type: 'text', text: 'answer' });
    await answer;
    expect(events).toEqual(['message marker']);
    expect(bobSent.length).toBe(bobBefore + 1);
  }, 60_000);
});
