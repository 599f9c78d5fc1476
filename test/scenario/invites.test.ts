/**
 * Single-use invitations against a real relay process (issue 11, "Tokens";
 * client.md §4.2): the token an invitation showed is replaced by a dedicated
 * one after the hello and retires after its grace, so a leaked invitation
 * admits no one; a second acceptor learns the invitation was used — from the
 * inviter while the token is in its grace, from the relay after.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { INVITE_TOKEN_GRACE_MS } from '../../src/client/contacts/tokens.js';
import { isClientError } from '../../src/client/errors.js';
import { equalBytes } from '../../src/crypto/index.js';
import { loadOrCreateKeyFile, nodeWebSocketFactory, SqliteStore } from '../../src/node/index.js';
import { parseInvite } from '../../src/wire/client/invite.js';
import { TestClient } from '../relay/client.js';
import { until } from '../relay/harness.js';
import { openClient, startRelayProcess, tempDir, text, type RelayProcess } from './helpers.js';

const tmp = tempDir('parley-invites-');
const open: Client[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
});

afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined);
  await relay.stop();
  tmp.remove();
});

async function client(name: string): Promise<Client> {
  const c = await openClient(join(tmp.dir, name), relay.url, name);
  open.push(c);
  return c;
}

/** A client whose clock the test moves (the inviter, whose upkeep retires tokens). */
async function clientOnClock(name: string, clock: { now: number }): Promise<Client> {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const store = SqliteStore.open({ path: join(dir, 'store.db'), key: loadOrCreateKeyFile(join(dir, 'store.key')) });
  const c = await Client.open({
    relay: relay.url, store, webSocket: nodeWebSocketFactory, displayName: name, backoff: { baseMs: 20, maxMs: 300 }, now: () => clock.now,
  });
  open.push(c);
  await c.ready();
  return c;
}

/** What the relay answers a bundle fetch with the invitation's own token: 'ok' or its refusal code. */
async function bundleWith(inviteText: string): Promise<string> {
  const invite = parseInvite(inviteText);
  const probe = await TestClient.connect(relay.url);
  try {
    const o = await probe.raw({ type: 'bundle', mailbox: invite.mailbox, token: invite.token });
    return o.type === 'ok' ? 'ok' : o.code;
  } finally {
    probe.ws.close();
  }
}

describe('single-use invitations (client.md §4.2)', () => {
  const clock = { now: Date.now() };
  let alice: Client;
  let bob: Client;
  let inviteText: string;
  let aliceAtBob: string;
  let bobAtAlice: string;

  beforeAll(async () => {
    alice = await clientOnClock('alice', clock);
    bob = await client('bob');
    const added = alice.next('contact-added');
    ({ text: inviteText } = await alice.createInvite());
    aliceAtBob = (await bob.acceptInvite(inviteText)).id;
    bobAtAlice = (await added).contact.id;
  });

  it('after the hello the acceptor is given a dedicated token, and the invitation token is no longer how it reaches the inviter', async () => {
    const inviteToken = parseInvite(inviteText).token;
    await until(() => !equalBytes(bob.contact(aliceAtBob).token as Uint8Array, inviteToken));
    expect(equalBytes(alice.contact(bobAtAlice).ourToken as Uint8Array, inviteToken)).toBe(false);
    const got = alice.next('message');
    await bob.send(aliceAtBob, { type: 'text', text: 'with my dedicated token' });
    expect(text(await got)).toBe('with my dedicated token');
  });

  it('someone else accepting the used invitation within its grace is answered invite-refused, and neither side keeps a contact', async () => {
    const carol = await client('carol');
    const refused = carol.next('invite-refused');
    const aliceAtCarol = await carol.acceptInvite(inviteText);
    expect((await refused).contact.id).toBe(aliceAtCarol.id);
    expect(carol.contacts()).toHaveLength(0);
    expect(alice.contacts().map((c) => c.id)).toEqual([bobAtAlice]);
  });

  it('after its grace the invitation token is revoked at the relay: a new acceptor fails INVITE_INVALID and keeps nothing; the contact still gets through', async () => {
    expect(await bundleWith(inviteText)).toBe('ok'); // still in its grace
    clock.now += INVITE_TOKEN_GRACE_MS;
    alice.interruptConnection(); // the next connection's setup runs the upkeep
    while ((await bundleWith(inviteText)) === 'ok') await new Promise((r) => setTimeout(r, 50)); // each probe takes a prekey: not too often
    expect(await bundleWith(inviteText)).toBe('TOKEN_REFUSED');

    const dave = await client('dave');
    const failure = await dave.acceptInvite(inviteText).then(() => undefined, (e: unknown) => e);
    expect(isClientError(failure, 'INVITE_INVALID')).toBe(true);
    expect(dave.contacts()).toHaveLength(0);

    const got = alice.next('message');
    await bob.send(aliceAtBob, { type: 'text', text: 'after the retirement' });
    expect(text(await got)).toBe('after the retirement');
  });
});
