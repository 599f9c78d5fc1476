/**
 * Bytes per message and PQ epochs along a scripted conversation (issue 17):
 * Parley through the session layer (startSession / sessionEncrypt /
 * sessionDecrypt, version 2 or 3) with the sealed envelope the relay stores,
 * and libsignal-client 0.103 through its public API (SPQR always on there).
 */
import * as Signal from '@signalapp/libsignal-client';
import { systemRandom, type Bytes } from '../src/crypto/index.js';
import { buildPreKeyBundle, createPreKeyState, generateIdentityKeyPair, type IdentityKeyPair } from '../src/identity/index.js';
import type { RatchetVersion } from '../src/ratchet/index.js';
import {
  EMPTY_RECORD, seal, sessionDecrypt, sessionEncrypt, startSession, StaticSecretCache, type SessionRecord,
} from '../src/session/index.js';
import { SEALED_PADDING_MIN_LENGTH } from '../src/constants.js';
import { decodeInitialMessage, decodeSessionMessage, paddedLength } from '../src/wire/index.js';
import type { ScriptedMessage, Side } from './pq-conversation.js';
import { bundle, decrypt, encrypt, party, type Party } from './peers/libsignal-client.js';

const random = systemRandom;

/** One Parley message: its sizes at each layer and the PQ epoch its header carries. */
export interface ParleyMessage {
  /** The ratchet message (§6.6), inside an initial message while the initiator has not heard back. */
  readonly ratchet: number;
  /** The session message (§7.2): what is padded. */
  readonly session: number;
  /** paddedLength(session) with the sealed floor (§3.1, §7.3 step 5): what seal() pads the session message to. */
  readonly padded: number;
  /** The sealed envelope (§7.3): what the relay stores and forwards. */
  readonly envelope: number;
  readonly initial: boolean;
  /** The sender's PQ epoch, the `e` its header carries (§6.9.2); 0 for version 2. */
  readonly epoch: number;
}

interface ParleySide {
  readonly identity: IdentityKeyPair;
  record: SessionRecord;
  readonly staticSecrets: StaticSecretCache;
}

function ratchetLength(message: Bytes): { length: number; initial: boolean } {
  const m = decodeSessionMessage(message);
  return m.kind === 'initial' ? { length: decodeInitialMessage(m.body).message.length, initial: true } : { length: m.body.length, initial: false };
}

/** Runs `script` on a fresh Parley session of `version` (Alice initiates), delivering each message at once, in order. */
export function parleyTrace(script: readonly ScriptedMessage[], version: RatchetVersion): ParleyMessage[] {
  const aliceIdentity = generateIdentityKeyPair(random);
  const bobIdentity = generateIdentityKeyPair(random);
  let preKeys = createPreKeyState({ identity: bobIdentity, now: Date.now(), random, oneTimePreKeys: 1, kemPreKeys: 1 });
  const sides: Record<Side, ParleySide> = {
    alice: {
      identity: aliceIdentity, staticSecrets: new StaticSecretCache(),
      record: startSession({ record: EMPTY_RECORD, identity: aliceIdentity, bundle: buildPreKeyBundle(preKeys, bobIdentity.publicKey), random, version }),
    },
    bob: { identity: bobIdentity, staticSecrets: new StaticSecretCache(), record: EMPTY_RECORD },
  };
  return script.map(({ from, payload }) => {
    const [sender, receiver] = from === 'alice' ? [sides.alice, sides.bob] : [sides.bob, sides.alice];
    const sent = sessionEncrypt(sender.record, payload, random);
    sender.record = sent.record;
    const envelope = seal({
      identity: sender.identity, recipientIdentityKey: receiver.identity.publicKey, content: sent.message, random, staticSecrets: sender.staticSecrets,
    });
    // Bob's prekeys serve both directions: only an initial message reads them, and only Alice sends those.
    const received = sessionDecrypt({
      record: receiver.record, identity: receiver.identity, preKeys, peer: sender.identity.publicKey, message: sent.message, random,
    });
    receiver.record = received.record;
    preKeys = from === 'alice' ? received.preKeys : preKeys;
    const { length, initial } = ratchetLength(sent.message);
    return {
      ratchet: length, session: sent.message.length, padded: paddedLength(sent.message.length, SEALED_PADDING_MIN_LENGTH), envelope: envelope.length,
      initial, epoch: sender.record.current?.ratchet.pq?.epoch ?? 0,
    };
  });
}

/** One libsignal-client message: its serialized size and, for a SignalMessage, its SPQR field. */
export interface LibsignalMessage {
  readonly serialized: number;
  /** The SignalMessage's pq_ratchet bytes (SPQR message); undefined for a PreKeySignalMessage, which does not expose it. */
  readonly spqr?: number;
  /** The same SignalMessage without its pq_ratchet field: what it would weigh without SPQR. */
  readonly withoutSpqr?: number;
  /** SignalMessage.messageVersion() (4 once SPQR runs). */
  readonly version?: number;
  /** The SPQR epoch the message carries (its header's second field, an LEB128 varint after the version byte). */
  readonly epoch?: number;
}

function leb128At(bytes: Uint8Array, offset: number): number | undefined {
  let value = 0;
  for (let i = offset, shift = 0; i < bytes.length && shift < 35; i++, shift += 7) {
    value += ((bytes[i] as number) & 0x7f) * 2 ** shift;
    if (((bytes[i] as number) & 0x80) === 0) return value;
  }
  return undefined;
}

/**
 * What a pq_ratchet field of `length` bytes adds to a SignalMessage, measured
 * through the library rather than assumed: two messages built with
 * SignalMessage._new that differ only in that field (key values and counters
 * do not matter, being the same in both).
 */
const spqrFieldCost = new Map<number, number>();
function spqrFieldBytes(length: number): number {
  const known = spqrFieldCost.get(length);
  if (known !== undefined) return known;
  const key = Signal.PrivateKey.generate().getPublicKey();
  const build = (pq: number): number => Signal.SignalMessage._new(4, new Uint8Array(32), key, 7, 3, new Uint8Array(48), key, key, new Uint8Array(pq)).serialize().length;
  const cost = build(length) - build(0);
  spqrFieldCost.set(length, cost);
  return cost;
}

/** Runs `script` on a fresh libsignal-client session (Alice processes Bob's bundle), delivering each message at once. */
export async function libsignalTrace(script: readonly ScriptedMessage[]): Promise<LibsignalMessage[]> {
  const sides: Record<Side, Party> = { alice: party('alice'), bob: party('bob') };
  await Signal.processPreKeyBundle(await bundle(sides.bob), sides.bob.address, sides.alice.address, sides.alice.sessions, sides.alice.identities);
  const out: LibsignalMessage[] = [];
  for (const { from, payload } of script) {
    const [sender, receiver] = from === 'alice' ? [sides.alice, sides.bob] : [sides.bob, sides.alice];
    const c = await encrypt(sender, receiver, new Uint8Array(payload));
    await decrypt(receiver, sender, c);
    const serialized = c.serialize();
    if (c.type() !== Signal.CiphertextMessageType.Whisper) {
      out.push({ serialized: serialized.length });
      continue;
    }
    const m = Signal.SignalMessage.deserialize(serialized);
    const spqr = m.pqRatchet();
    out.push({
      serialized: serialized.length, spqr: spqr.length, withoutSpqr: serialized.length - spqrFieldBytes(spqr.length), epoch: leb128At(spqr, 1), version: m.messageVersion(),
    });
  }
  return out;
}
