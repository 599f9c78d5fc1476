/**
 * spec/vectors/ratchet.json: a Double Ratchet conversation with header
 * encryption and out-of-order delivery (format: spec/test-vectors.md §Ratchet).
 *
 * Inputs are drawn from fixed seeds and do not depend on PQXDH: SK, AD and
 * Bob's ratchet key pair come from the parameter seed; each party draws its
 * own randomness (Alice's first ratchet key, header nonces, new ratchet keys)
 * from its own seeded source, in the order spec/protocol.md §6 gives.
 */
import { generateX25519KeyPair, toHex, utf8, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../src/ratchet/index.js';
import { kdfChain } from '../../src/ratchet/chain-key.js';
import { encodeHeader, headerAssociatedData, tryDecryptHeader } from '../../src/ratchet/header.js';
import { deriveBodyKeys } from '../../src/ratchet/message-key.js';
import { deriveInitialKeys } from '../../src/ratchet/root-key.js';
import { decodeRatchetMessage } from '../../src/wire/index.js';

export const PARAMETER_SEED = new Uint8Array(32).fill(0x50);
export const ALICE_SEED = new Uint8Array(32).fill(0x41);
export const BOB_SEED = new Uint8Array(32).fill(0x42);

type Party = 'alice' | 'bob';
export type RatchetEvent = { readonly op: 'send'; readonly message: string } | { readonly op: 'deliver'; readonly message: string };

/** The script: `a3` is Alice's message 3 (in her order of sending), `b0` Bob's first. */
export const SCRIPT: readonly string[] = [
  'send a0', 'send a1', 'send a2',
  'deliver a2', 'deliver a0',
  'send b0', 'send b1',
  'deliver b1',
  'send a3', 'send a4',
  'deliver a4', 'deliver b0', 'deliver a1',
  'send b2', 'send b3',
  'deliver a3', 'deliver b3',
  'send a5', 'send a6',
  'deliver a6', 'deliver b2',
  'send b4',
  'deliver b4', 'deliver a5',
  'send a7', 'send b5',
  'deliver b5', 'deliver a7',
];

/** SK (32), AD (64) and Bob's ratchet key pair, drawn in that order from `seed` (pq-ratchet.ts uses its own seed). */
export function parameters(seed: Bytes = PARAMETER_SEED): { sharedSecret: Bytes; associatedData: Bytes; bobRatchetKey: { publicKey: Bytes; privateKey: Bytes } } {
  const random = seededRandom(seed);
  const sharedSecret = random(32);
  const associatedData = random(64);
  const bobRatchetKey = generateX25519KeyPair(random);
  return { sharedSecret, associatedData, bobRatchetKey };
}

export function plaintextOf(id: string): Bytes {
  return utf8(`Parley ratchet vector message ${id}`);
}

function sendRecord(id: string, sender: Party, before: RatchetState, message: Bytes): Record<string, unknown> {
  const chainKey = before.sendingChainKey as Bytes;
  const headerKey = before.sendingHeaderKey as Bytes;
  const step = kdfChain(chainKey);
  const body = deriveBodyKeys(step.messageKey);
  const { header: encryptedHeader, ciphertext } = decodeRatchetMessage(message);
  const header = tryDecryptHeader(headerKey, encryptedHeader, headerAssociatedData(before.version, before.associatedData), before.version);
  if (header === null) throw new Error('vector generator: own header does not open');
  return {
    id,
    sender,
    plaintext: toHex(plaintextOf(id)),
    sendingRatchetPublicKey: toHex(before.sendingRatchetKey.publicKey),
    receivingRatchetPublicKey: toHex(before.receivingRatchetKey as Bytes),
    previousChainLength: header.previousChainLength,
    messageNumber: header.messageNumber,
    rootKey: toHex(before.rootKey),
    headerKey: toHex(headerKey),
    nextHeaderKey: toHex(before.nextSendingHeaderKey),
    chainKey: toHex(chainKey),
    nextChainKey: toHex(step.chainKey),
    messageKey: toHex(step.messageKey),
    aeadKey: toHex(body.key),
    aeadNonce: toHex(body.nonce),
    header: toHex(encodeHeader(header)),
    headerNonce: toHex(encryptedHeader.subarray(0, 24)),
    encryptedHeader: toHex(encryptedHeader),
    ciphertext: toHex(ciphertext),
    message: toHex(message),
  };
}

export default function generate(): unknown {
  const { sharedSecret, associatedData, bobRatchetKey } = parameters();
  const initial = deriveInitialKeys(sharedSecret);
  const randoms: Record<Party, RandomSource> = { alice: seededRandom(ALICE_SEED), bob: seededRandom(BOB_SEED) };
  const states: Record<Party, RatchetState> = {
    alice: initSender({ sharedSecret, peerRatchetKey: bobRatchetKey.publicKey, associatedData, random: randoms.alice }),
    bob: initReceiver({ sharedSecret, ownRatchetKeyPair: bobRatchetKey, associatedData }),
  };
  const sent = new Map<string, Bytes>();
  const messages: Record<string, unknown>[] = [];
  const events: RatchetEvent[] = [];
  for (const line of SCRIPT) {
    const [op, id] = line.split(' ') as ['send' | 'deliver', string];
    const sender: Party = id.startsWith('a') ? 'alice' : 'bob';
    if (op === 'send') {
      const before = states[sender];
      const out = ratchetEncrypt(before, plaintextOf(id), randoms[sender]);
      states[sender] = out.state;
      sent.set(id, out.message);
      messages.push(sendRecord(id, sender, before, out.message));
    } else {
      const receiver: Party = sender === 'alice' ? 'bob' : 'alice';
      const out = ratchetDecrypt(states[receiver], sent.get(id) as Bytes, randoms[receiver]);
      if (toHex(out.plaintext) !== toHex(plaintextOf(id))) throw new Error(`vector generator: ${id} does not decrypt`);
      states[receiver] = out.state;
    }
    events.push({ op, message: id });
  }
  return {
    description: 'Double Ratchet with header encryption: a conversation with out-of-order delivery (spec/protocol.md §6)',
    parameters: {
      parameterSeed: toHex(PARAMETER_SEED),
      aliceRandomSeed: toHex(ALICE_SEED),
      bobRandomSeed: toHex(BOB_SEED),
      sharedSecret: toHex(sharedSecret),
      associatedData: toHex(associatedData),
      bobRatchetPrivateKey: toHex(bobRatchetKey.privateKey),
      bobRatchetPublicKey: toHex(bobRatchetKey.publicKey),
    },
    initial: {
      rootKey: toHex(initial.rootKey),
      sharedHeaderKey: toHex(initial.sharedHeaderKey),
      sharedNextHeaderKey: toHex(initial.sharedNextHeaderKey),
    },
    events,
    messages,
  };
}
