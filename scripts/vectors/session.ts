/**
 * spec/vectors/session.json: one whole session, from Bob's bundle to the
 * first replies — PQXDH into the Double Ratchet, session messages (§7.2),
 * sealed envelopes (§7.3) — with the serialized state of both parties after
 * every step: identity and prekey state (§4.7), ratchet states (§6.7) and
 * session records (§7.1). Format: spec/test-vectors.md §Session.
 *
 * Each party draws everything from its own seeded source, in the order the
 * protocol gives: Alice her identity seed, then per operation; Bob his
 * identity seed, his prekey state (§4.6 creation order), then per operation.
 */
import { toHex, utf8, type RandomSource } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import {
  buildPreKeyBundle, createPreKeyState, encodeIdentityKeyPair, encodePreKeyState, identityKeyPairFromSeed,
  type IdentityKeyPair, type PreKeyState,
} from '../../src/identity/index.js';
import { encodeRatchetState } from '../../src/ratchet/index.js';
import {
  EMPTY_RECORD, encodeSessionRecord, seal, sessionDecrypt, sessionEncrypt, startSession, unseal, type SessionRecord,
} from '../../src/session/index.js';
import { encodePreKeyBundle } from '../../src/wire/index.js';

export const ALICE_SEED = new Uint8Array(32).fill(0xa1);
export const BOB_SEED = new Uint8Array(32).fill(0xb0);
export const CREATED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** The script: who sends which plaintext, in order; each message is delivered before the next is sent. */
export const SCRIPT: readonly { readonly from: 'alice' | 'bob'; readonly text: string }[] = [
  { from: 'alice', text: 'Hello Bob, this is the first message of a new session.' },
  { from: 'alice', text: 'A second one before you answer: the PQXDH header repeats.' },
  { from: 'bob', text: 'Hello Alice: my first reply, after a DH ratchet step.' },
  { from: 'alice', text: 'Now my messages are ordinary ratchet messages.' },
  { from: 'bob', text: 'And mine follow a new chain.' },
];

interface Party {
  readonly identity: IdentityKeyPair;
  readonly random: RandomSource;
  preKeys: PreKeyState;
  record: SessionRecord;
}

const hex = toHex;

function unusedPreKeys(identity: IdentityKeyPair): PreKeyState {
  return createPreKeyState({ identity, now: CREATED_AT, random: seededRandom(new Uint8Array(32)), oneTimePreKeys: 0, kemPreKeys: 0 });
}

function records(p: Party): Record<string, unknown> {
  return {
    sessionRecord: hex(encodeSessionRecord(p.record)),
    ratchetState: p.record.current === null ? null : hex(encodeRatchetState(p.record.current.ratchet)),
  };
}

export default function sessionVectors(): unknown {
  const aliceRandom = seededRandom(ALICE_SEED);
  const bobRandom = seededRandom(BOB_SEED);
  const aliceIdentity = identityKeyPairFromSeed(aliceRandom(32));
  const bobIdentity = identityKeyPairFromSeed(bobRandom(32));
  const bobPreKeys = createPreKeyState({ identity: bobIdentity, now: CREATED_AT, random: bobRandom, oneTimePreKeys: 1, kemPreKeys: 1 });
  const parties = {
    // Alice's prekey state is never consulted (every message to her is k = 2): made from a source of its own, not written out.
    alice: { identity: aliceIdentity, random: aliceRandom, preKeys: unusedPreKeys(aliceIdentity), record: EMPTY_RECORD } as Party,
    bob: { identity: bobIdentity, random: bobRandom, preKeys: bobPreKeys, record: EMPTY_RECORD } as Party,
  };
  const bundle = buildPreKeyBundle(bobPreKeys, bobIdentity.publicKey);
  const initialState = {
    aliceIdentity: hex(encodeIdentityKeyPair(aliceIdentity)),
    bobIdentity: hex(encodeIdentityKeyPair(bobIdentity)),
    bobPreKeys: hex(encodePreKeyState(bobPreKeys)),
  };
  // Alice starts the session from the bundle (§7.2 Sending): PQXDH, then initSender.
  parties.alice.record = startSession({ record: EMPTY_RECORD, identity: aliceIdentity, bundle, random: aliceRandom, version: 2 });
  const afterStart = records(parties.alice);
  const steps = SCRIPT.map(({ from, text }) => {
    const sender = parties[from];
    const receiver = parties[from === 'alice' ? 'bob' : 'alice'];
    const plaintext = utf8(text);
    const sent = sessionEncrypt(sender.record, plaintext, sender.random);
    sender.record = sent.record;
    const envelope = seal({ identity: sender.identity, recipientIdentityKey: receiver.identity.publicKey, content: sent.message, random: sender.random });
    const opened = unseal({ identity: receiver.identity, envelope });
    const got = sessionDecrypt({
      record: receiver.record, identity: receiver.identity, preKeys: receiver.preKeys, peer: opened.senderIdentityKey, message: opened.content, random: receiver.random,
    });
    if (hex(got.plaintext) !== hex(plaintext)) throw new Error('vector generator: a message does not decrypt');
    receiver.record = got.record;
    receiver.preKeys = got.preKeys;
    return {
      from, plaintext: hex(plaintext), sessionMessage: hex(sent.message), envelope: hex(envelope), newSession: got.newSession,
      sender: records(sender),
      receiver: { ...records(receiver), preKeys: got.newSession ? hex(encodePreKeyState(receiver.preKeys)) : null },
    };
  });
  return {
    description: 'One session from a prekey bundle to the first replies: PQXDH, Double Ratchet, session messages, sealed envelopes and every serialized state (spec/protocol.md §4.7, §5–§7)',
    parameters: { aliceSeed: hex(ALICE_SEED), bobSeed: hex(BOB_SEED), createdAt: CREATED_AT },
    bundle: hex(encodePreKeyBundle(bundle)),
    initialState,
    afterStart,
    steps,
  };
}
