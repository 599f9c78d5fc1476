/**
 * The `session` part of spec/vectors/pq-ratchet.json: one version 3 session
 * from Bob's prekey bundle (protocol.md §5, §6.9, §7.2) — startSession with
 * version 3, Alice's initial message (its `v` is 3, bound into SK through TH),
 * Bob's first reply — with both parties' serialized states after each step.
 * The approach of session.ts, with seeds of its own and without sealing
 * (§7.3 does not depend on the version); session.json stays version 2.
 */
import { toHex, utf8, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import {
  buildPreKeyBundle, createPreKeyState, encodeIdentityKeyPair, encodePreKeyState, identityKeyPairFromSeed, type IdentityKeyPair, type PreKeyState,
} from '../../src/identity/index.js';
import { encodeRatchetState } from '../../src/ratchet/index.js';
import { EMPTY_RECORD, encodeSessionRecord, sessionDecrypt, sessionEncrypt, startSession, type SessionRecord } from '../../src/session/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { decodeInitialMessage, decodeRatchetMessage, decodeSessionMessage, encodePreKeyBundle } from '../../src/wire/index.js';

export const SESSION_ALICE_SEED = new Uint8Array(32).fill(0xa3);
export const SESSION_BOB_SEED = new Uint8Array(32).fill(0xb3);
export const CREATED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z, as session.json

export const SESSION_SCRIPT: readonly { readonly from: 'alice' | 'bob'; readonly text: string }[] = [
  { from: 'alice', text: 'Hello Bob: a version 3 session, with the post-quantum ratchet.' },
  { from: 'bob', text: 'Hello Alice: my first reply, in your version.' },
];

interface Party { readonly identity: IdentityKeyPair; readonly random: RandomSource; preKeys: PreKeyState | null; record: SessionRecord }

function states(p: Party): Record<string, string | null> {
  return {
    sessionRecord: toHex(encodeSessionRecord(p.record)),
    ratchetState: p.record.current === null ? null : toHex(encodeRatchetState(p.record.current.ratchet)),
  };
}

/** The `v` of the message a session message carries: the initial message's, or the ratchet message's. */
export function innerVersion(sessionMessage: Bytes): number {
  const m = decodeSessionMessage(sessionMessage);
  return m.kind === 'initial' ? (decodeInitialMessage(m.body).version as number) : decodeRatchetMessage(m.body).version;
}

export function pqSessionVectors(): unknown {
  const aliceRandom = seededRandom(SESSION_ALICE_SEED);
  const bobRandom = seededRandom(SESSION_BOB_SEED);
  const alice: Party = { identity: identityKeyPairFromSeed(aliceRandom(32)), random: aliceRandom, preKeys: null, record: EMPTY_RECORD };
  const bobIdentity = identityKeyPairFromSeed(bobRandom(32));
  const bobPreKeys = createPreKeyState({ identity: bobIdentity, now: CREATED_AT, random: bobRandom, oneTimePreKeys: 1, kemPreKeys: 1 });
  const bob: Party = { identity: bobIdentity, random: bobRandom, preKeys: bobPreKeys, record: EMPTY_RECORD };
  const bundle = buildPreKeyBundle(bobPreKeys, bobIdentity.publicKey);
  alice.record = startSession({ record: EMPTY_RECORD, identity: alice.identity, bundle, random: aliceRandom, version: 3 });
  const afterStart = states(alice);
  const steps = SESSION_SCRIPT.map(({ from, text }) => {
    const [sender, receiver] = from === 'alice' ? [alice, bob] : [bob, alice];
    const plaintext = utf8(text);
    const sent = sessionEncrypt(sender.record, plaintext, sender.random);
    sender.record = sent.record;
    const got = sessionDecrypt({
      record: receiver.record, identity: receiver.identity, preKeys: receiver.preKeys ?? bobPreKeys,
      peer: sender.identity.publicKey, message: sent.message, random: receiver.random,
    });
    if (toHex(got.plaintext) !== toHex(plaintext)) throw new Error('vector generator: a version 3 session message does not decrypt');
    if (innerVersion(sent.message) !== 3) throw new Error('vector generator: a message of the session is not version 3');
    receiver.record = got.record;
    if (receiver === bob) bob.preKeys = got.preKeys;
    return {
      from, plaintext: toHex(plaintext), sessionMessage: toHex(sent.message), version: innerVersion(sent.message), newSession: got.newSession,
      sender: states(sender), receiver: { ...states(receiver), preKeys: got.newSession ? toHex(encodePreKeyState(got.preKeys)) : null },
    };
  });
  return {
    parameters: { aliceSeed: toHex(SESSION_ALICE_SEED), bobSeed: toHex(SESSION_BOB_SEED), createdAt: CREATED_AT },
    bundle: toHex(encodePreKeyBundle(bundle)),
    initialState: {
      aliceIdentity: toHex(encodeIdentityKeyPair(alice.identity)),
      bobIdentity: toHex(encodeIdentityKeyPair(bobIdentity)),
      bobPreKeys: toHex(encodePreKeyState(bobPreKeys)),
    },
    afterStart,
    steps,
  };
}
