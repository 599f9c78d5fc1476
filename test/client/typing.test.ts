/**
 * Typing indicators leave no gaps in the ratchet (spec/client.md §2.3): 2,000
 * of them sent while the contact is offline (the relay drops them all), then
 * a message, which decrypts without a heal.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { befriend, openClient, relayPerFile, text } from '../scenario/helpers.js';

const file = relayPerFile('parley-typing-', [
  '--mailbox-rate', '100000', '--mailbox-burst', '100000', '--address-rate', '100000', '--address-burst', '100000',
  '--connection-rate', '100000', '--connection-burst', '100000',
]);
const { tmp, open } = file;


describe('typing indicators', () => {
  it('2,000 typing indicators dropped by the relay, then a message: it decrypts, no heal', async () => {
    const alice = await openClient(join(tmp.dir, 'alice'), file.relay.url, 'alice');
    open.push(alice);
    let bob = await openClient(join(tmp.dir, 'bob'), file.relay.url, 'bob');
    const { bAtA } = await befriend(alice, bob);
    let got = bob.next('message');
    await alice.send(bAtA, { type: 'text', text: 'before' });
    await got;
    await bob.close();
    for (let i = 0; i < 2000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => alice.sendTyping(bAtA, (i + j) % 2 === 0)));
    }
    const events: string[] = [];
    bob = await openClient(join(tmp.dir, 'bob'), file.relay.url, 'bob', (c) => {
      c.on('message', (m) => events.push(`message ${text(m)}`));
      c.on('message-lost', (e) => events.push(`message-lost ${e.reason}`));
      c.on('tampered', (e) => events.push(`tampered ${e.reason}`));
    });
    open.push(bob);
    got = bob.next('message', (m) => text(m) === 'after');
    const lost = bob.next('message-lost');
    await alice.send(bAtA, { type: 'text', text: 'after' });
    await Promise.race([got, lost]);
    expect(events).toEqual(['message after']);
    // Bob sees typing live, too.
    const typing = bob.next('typing');
    await alice.sendTyping(bAtA, true);
    expect((await typing).active).toBe(true);
  }, 120_000);
});
