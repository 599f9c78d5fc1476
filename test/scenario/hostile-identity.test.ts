/**
 * One identity per private key, where a user meets it (protocol.md §4.1,
 * threat model "One identity per private key"): a peer holding one Ed25519
 * key A becomes a contact of a real Client through a real relay process;
 * accepting a second invitation as the mixed-order twin A + T8 — which every
 * X25519 operation treats exactly like A, so before v2 it authenticated as a
 * second identity with its own safety number — is refused as tampered
 * (INVALID_KEY) and makes no second contact.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/client/client.js';
import { fromHex, generateEd25519KeyPair, systemRandom, type Bytes } from '../../src/crypto/index.js';
import type { IdentityKeyPair } from '../../src/identity/index.js';
import { EMPTY_RECORD, sessionEncrypt, startSession } from '../../src/session/index.js';
import { seal } from '../../src/session/sealed-sender.js';
import type { IdentityKey } from '../../src/wire/brands.js';
import { parseInvite } from '../../src/wire/client/invite.js';
import { encodePayload } from '../../src/wire/client/payload.js';
import { encodeRelayEnvelope } from '../../src/wire/client/relay-envelope.js';
import { decodePreKeyBundle } from '../../src/wire/prekeys.js';
import { addPoints, decodePoint, encodePoint } from '../property/ed25519-points.js';
import { connect, login } from '../relay/harness.js';
import { openClient, startRelayProcess, tempDir, type RelayProcess } from './helpers.js';

/** A point of order 8 (canonical encoding). */
const ORDER_8 = '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05';

const tmp = tempDir('parley-hostile-identity-');
let relay: RelayProcess;
let victim: Client;

beforeAll(async () => {
  relay = await startRelayProcess(join(tmp.dir, 'relay'));
  victim = await openClient(join(tmp.dir, 'victim'), relay.url, 'victim');
});

afterAll(async () => {
  await victim.close();
  await relay.stop();
  tmp.remove();
});

/**
 * Accepts `inviteText` as `identity` at the protocol level, as a hostile
 * client would: fetch the bundle with the invitation's token, start a
 * session, send a hello (with a mailbox and token of our own) sealed as `identity`.
 */
async function acceptAs(identity: IdentityKeyPair, mailboxOwner: { mailbox: Bytes; token: Bytes }, inviteText: string): Promise<void> {
  const invite = parseInvite(inviteText);
  const c = await connect(relay.url);
  const got = await c.raw({ type: 'bundle', mailbox: invite.mailbox, token: invite.token });
  if (got.type !== 'ok' || got.result.re !== 'bundle') throw new Error(`bundle refused: ${got.type === 'error' ? got.code : got.result.re}`);
  const record = startSession({ record: EMPTY_RECORD, identity, bundle: decodePreKeyBundle(got.result.bundle), random: systemRandom });
  const hello = encodePayload({ type: 'hello', mailbox: mailboxOwner.mailbox, token: mailboxOwner.token, inviteToken: invite.token });
  const { message } = sessionEncrypt(record, hello, systemRandom);
  const sealed = seal({ identity, recipientIdentityKey: invite.identityKey, content: message, random: systemRandom });
  const sent = await c.raw({ type: 'send', mailbox: invite.mailbox, token: invite.token, data: encodeRelayEnvelope({ kind: 'sealed', data: sealed }) });
  if (sent.type !== 'ok') throw new Error(`send refused: ${sent.code}`);
}

describe('one identity per private key (protocol.md §4.1)', () => {
  it('a contact with key A cannot become a second contact as its mixed-order twin A + T8: the hello is tampered (INVALID_KEY), no contact is added', async () => {
    const a = generateEd25519KeyPair(systemRandom);
    const self = await login(relay.url, a);
    const own = await self.invite();
    const honest: IdentityKeyPair = { publicKey: a.publicKey as IdentityKey, privateKey: a.privateKey };
    const twin: IdentityKeyPair = {
      publicKey: encodePoint(addPoints(decodePoint(a.publicKey), decodePoint(fromHex(ORDER_8)))) as IdentityKey,
      privateKey: a.privateKey,
    };

    const added = victim.next('contact-added');
    await acceptAs(honest, own, (await victim.createInvite()).text);
    expect((await added).contact.identityKey).toEqual(a.publicKey); // the harness makes real contacts

    const tampered = victim.next('tampered');
    const adds: string[] = [];
    const off = victim.on('contact-added', (e) => adds.push(e.contact.id));
    await acceptAs(twin, own, (await victim.createInvite()).text);
    expect((await tampered).reason).toBe('INVALID_KEY');
    off();
    expect(adds).toEqual([]);
    expect(victim.contacts()).toHaveLength(1);
  });
});
