/**
 * Linked devices through `npx parley chat` (spec/client.md §10.4, §10.5):
 * three processes against a real relay process — Alice's primary, Alice's
 * laptop (a new profile) and Bob. The laptop offers with `/link`, the primary
 * links it with `/link <offer>`, both users compare the link codes and answer
 * `y`; `/devices` lists both; the laptop and Bob chat (Alice's primary sees
 * what the laptop sent); `/revoke 2` removes the laptop, and Bob's next
 * message reaches the primary only.
 */
import { describe, expect, it } from 'vitest';
import { chatProcess, type Chat } from './chat-process.js';
import { relayPerFile } from './helpers.js';

const file = relayPerFile('parley-link-cli-');

const chat = (profile: string): Chat => chatProcess(file.relay.url, file.tmp.dir, profile);

describe('parley chat: /link, /devices, /revoke', () => {
  it('links a laptop to Alice, chats from both of her devices, then revokes the laptop', async () => {
    const alice = chat('alice');
    const bob = chat('bob');
    const laptop = chat('laptop');
    await Promise.all([alice.waitFor(/^\* ready as alice$/), bob.waitFor(/^\* ready as bob$/), laptop.waitFor(/^\* ready as laptop$/)]);
    alice.type('/invite');
    const [, invite] = await alice.waitFor(/^invite: (parley:\S+)$/);
    bob.type(`/accept ${invite ?? ''}`);
    await alice.waitFor(/^\* bob added as a contact$/);

    laptop.type('/link');
    const [, offer] = await laptop.waitFor(/^link offer: (parley-link:\S+)$/);
    alice.type(`/link ${offer ?? ''}`);
    const [[, codeAtAlice], [, codeAtLaptop]] = await Promise.all([alice.waitFor(/^link code: (\d{6}) /), laptop.waitFor(/^link code: (\d{6}) /)]);
    expect(codeAtAlice).toBe(codeAtLaptop);
    alice.type('y');
    laptop.type('y');
    await alice.waitFor(/^\* device 2 linked$/);
    await laptop.waitFor(/^\* linked: device 2 of account [0-9a-f]{8}, 1 contact\(s\), 0 group\(s\)$/);
    await bob.waitFor(/^\* alice: 1 device\(s\) added, 0 removed$/);

    laptop.type('/devices');
    await laptop.waitFor(/^ {2}1 [0-9a-f]{16} primary$/);
    await laptop.waitFor(/^ {2}2 [0-9a-f]{16} \(this device\)$/);
    alice.type('/devices');
    await alice.waitFor(/^ {2}1 [0-9a-f]{16} primary \(this device\)$/);

    laptop.type('/msg bob hello from the laptop');
    await bob.waitFor(/^alice: hello from the laptop$/);
    await alice.waitFor(/^\(you, another device\) → bob: hello from the laptop$/);
    bob.type('/msg alice hello to both');
    await alice.waitFor(/^bob: hello to both$/);
    await laptop.waitFor(/^bob: hello to both$/);

    laptop.type('/revoke 1');
    await laptop.waitFor(/^error: NOT_PRIMARY/);
    alice.type('/revoke 2');
    await alice.waitFor(/^\* device 2 revoked \(1 left\)$/);
    await bob.waitFor(/^\* alice: 0 device\(s\) added, 1 removed$/);
    bob.type('/msg alice after the revocation');
    await alice.waitFor(/^bob: after the revocation$/);
    // Bob sent one envelope, to the primary only (the laptop is no longer listed at Bob): nothing is on its way to the laptop.
    expect(laptop.lines.some((l) => l.includes('after the revocation'))).toBe(false);

    for (const c of [alice, bob, laptop]) c.type('/quit');
    expect(await alice.exit).toBe(0);
    expect(await bob.exit).toBe(0);
    expect(await laptop.exit).toBe(0);
  }, 300_000);
});
