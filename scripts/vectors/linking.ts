/**
 * spec/vectors/linking.json (format: spec/test-vectors.md §Linking): one
 * whole linking exchange (protocol.md §12.4) from fixed seeds — the offer,
 * every channel message, the X25519 output, transcript hashes, both
 * direction keys, the SAS, the proof, the payload and its chunk — computed
 * here from the labels and checked against src/linking; a relay's own hello
 * and the SAS it yields; and step sequences each end refuses with the code
 * §12.4.7 prescribes.
 */
import {
  LINK_CHUNK_SIZE, LINK_KEYS_INFO, LINK_MAX_HISTORY_SIZE, LINK_MAX_PAYLOAD_SIZE, LINK_PROOF_LABEL, LINK_SAS_DIGITS, LINK_TRANSCRIPT_LABEL,
  LINK_VERSION,
} from '../../src/constants.js';
import { aeadSeal, concatBytes, equalBytes, hkdf, sha256, sign, toHex, uintToBytes, utf8, x25519, x25519PublicKey, type Bytes } from '../../src/crypto/index.js';
import { encodeDeviceList, identityKeyPairFromSeed, signDeviceList } from '../../src/identity/index.js';
import { acceptLinkOffer, confirmLinkSas, createLinkOffer, proveLinkDevice, receiveLinkHello, receiveLinkProof, sealLinkPayload } from '../../src/linking/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeLinkMessage, encodeLinkPayload, encodeLinkProofBody, type LinkPayload } from '../../src/wire/index.js';
import { LOW_ORDER_U, expectOutcome, flipBit, withField, type Expected } from './_negative.js';
import { runLinkSteps, scriptedRandom, type LinkStep } from './_linking-steps.js';

const FILE = 'linking';
export const SEED = new Uint8Array(32).fill(0x1c);
export const RELAY_URL = 'wss://relay.example/v1';
const T0 = 1_767_225_600_000;
const hex = toHex;

function check(name: string, ours: Bytes | string, theirs: Bytes | string): void {
  const same = typeof ours === 'string' ? ours === theirs : equalBytes(ours, theirs as Bytes);
  if (!same) throw new Error(`${FILE}: ${name} differs from src/linking`);
}

/** §12.4.3 from the spec's formulas. */
function schedule(dh: Bytes, linkId: Bytes, offer: Bytes, hello: Bytes): { th1: Bytes; kNE: Bytes; kEN: Bytes; sasBytes: Bytes; sas: string } {
  const th1 = sha256(concatBytes(utf8(LINK_TRANSCRIPT_LABEL), offer, hello));
  const okm = hkdf(dh, linkId, concatBytes(utf8(LINK_KEYS_INFO), th1), 70);
  const sasBytes = okm.slice(64, 70);
  const n = sasBytes.reduce((acc, b) => acc * 256 + b, 0);
  return { th1, kNE: okm.slice(0, 32), kEN: okm.slice(32, 64), sasBytes, sas: String(n % 10 ** LINK_SAS_DIGITS).padStart(LINK_SAS_DIGITS, '0') };
}

const nonce = (seq: number): Bytes => concatBytes(new Uint8Array(8), uintToBytes(seq, 4));

export default function linkingVectors(): unknown {
  // Drawn in order from the source seeded with SEED.
  const random = seededRandom(SEED);
  const [accountSeed, primarySeed, newDeviceSeed, newEphemeral] = [random(32), random(32), random(32), random(32)];
  const linkId = random(16);
  const [existingEphemeral, relayEphemeral, strangerSeed] = [random(32), random(32), random(32)];
  const [account, primary, newDevice, stranger] = [accountSeed, primarySeed, newDeviceSeed, strangerSeed].map(identityKeyPairFromSeed) as [
    ReturnType<typeof identityKeyPairFromSeed>, ReturnType<typeof identityKeyPairFromSeed>, ReturnType<typeof identityKeyPairFromSeed>,
    ReturnType<typeof identityKeyPairFromSeed>,
  ];

  // §12.4.1–3 through src/linking, then recomputed.
  const created = createLinkOffer({ relayUrl: RELAY_URL, random: scriptedRandom([newEphemeral, linkId]) });
  const accepted = acceptLinkOffer({ offer: created.offer, random: scriptedRandom([existingEphemeral]) });
  const dh = x25519(existingEphemeral, x25519PublicKey(newEphemeral));
  const k = schedule(dh, linkId, created.offer, accepted.hello);
  check('hello', accepted.hello, encodeLinkMessage({ kind: 1, ephemeralKey: x25519PublicKey(existingEphemeral) }));
  check('th1', k.th1, accepted.link.keys!.transcript);
  check('kNE', k.kNE, accepted.link.keys!.newToExisting);
  check('kEN', k.kEN, accepted.link.keys!.existingToNew);
  check('sas', k.sas, accepted.sas);
  const greeted = receiveLinkHello(created.link, accepted.hello);
  check('sas (new device)', k.sas, greeted.sas);

  // §12.4.4: the proof.
  const proofSignature = sign(newDeviceSeed, concatBytes(utf8(LINK_PROOF_LABEL), k.th1));
  const proofBody = encodeLinkProofBody({ deviceKey: newDevice.publicKey, signature: proofSignature });
  const proof = encodeLinkMessage({ kind: 2, ciphertext: aeadSeal(k.kNE, nonce(0), proofBody, k.th1) });
  check('proof', proof, proveLinkDevice(confirmLinkSas(greeted.link), newDevice).proof);
  const th2 = sha256(concatBytes(utf8(LINK_TRANSCRIPT_LABEL), k.th1, proof));

  // §12.4.5–6: the payload in one chunk.
  const v1 = signDeviceList({ account, previous: null, devices: [{ id: 1, key: primary.publicKey, createdAt: T0 }], createdAt: T0 });
  const v2 = signDeviceList({ account, previous: v1, devices: [...v1.devices, { id: 2, key: newDevice.publicKey, createdAt: T0 + 1 }], createdAt: T0 + 1 });
  const payload: LinkPayload = {
    account: account.publicKey, deviceList: encodeDeviceList(v2), deviceId: 2,
    contacts: [utf8('contact record 1'), utf8('contact record 2')], groups: [utf8('group record 1')],
    settings: [{ name: 'notifications', value: new Uint8Array([1]) }, { name: 'theme', value: utf8('dark') }],
    history: utf8('recent history records'),
  };
  const payloadBytes = encodeLinkPayload(payload);
  const ad = concatBytes(th2, uintToBytes(0, 4), uintToBytes(1, 4), uintToBytes(payloadBytes.length, 4));
  const chunk = encodeLinkMessage({ kind: 3, index: 0, count: 1, length: payloadBytes.length, ciphertext: aeadSeal(k.kEN, nonce(0), payloadBytes, ad) });
  const existingProved = receiveLinkProof(confirmLinkSas(accepted.link), proof).link;
  check('chunk', chunk, sealLinkPayload(existingProved, payload).chunks[0]!);

  // A relay answering the offer itself: the new device's SAS differs.
  const relayHello = encodeLinkMessage({ kind: 1, ephemeralKey: x25519PublicKey(relayEphemeral) });
  const relaySas = schedule(x25519(relayEphemeral, x25519PublicKey(newEphemeral)), linkId, created.offer, relayHello).sas;
  if (relaySas === k.sas) throw new Error(`${FILE}: the relay's SAS equals the honest one; pick another seed`);
  check('relay sas', relaySas, receiveLinkHello(created.link, relayHello).sas);

  const chunkWith = (bytes: Bytes, key = k.kEN): Bytes => {
    const a = concatBytes(th2, uintToBytes(0, 4), uintToBytes(1, 4), uintToBytes(bytes.length, 4));
    return encodeLinkMessage({ kind: 3, index: 0, count: 1, length: bytes.length, ciphertext: aeadSeal(key, nonce(0), bytes, a) });
  };
  const proofWith = (body: Bytes, key = k.kNE): Bytes => encodeLinkMessage({ kind: 2, ciphertext: aeadSeal(key, nonce(0), body, k.th1) });
  const smallOrder = new Uint8Array(32);
  smallOrder[0] = 1;
  const nonCanonicalU = fromLe(2n ** 255n - 19n);
  const strangerList = signDeviceList({ account: stranger, previous: null, devices: [{ id: 2, key: newDevice.publicKey, createdAt: T0 }], createdAt: T0 });
  const H = ['hello', hex(accepted.hello)] as LinkStep;
  const ready: LinkStep[] = [H, ['confirm'], ['prove']];

  const newDevice_: Array<[string, LinkStep[], Expected]> = [
    ['the honest exchange', [...ready, ['chunk', hex(chunk)]], 'ok'],
    ['a hello with a low-order key', [['hello', hex(encodeLinkMessage({ kind: 1, ephemeralKey: LOW_ORDER_U }))]], 'INVALID_KEY'],
    ['a hello with a non-canonical key (u = p)', [['hello', hex(encodeLinkMessage({ kind: 1, ephemeralKey: nonCanonicalU }))]], 'INVALID_KEY'],
    ['a hello of version 2', [['hello', hex(withField(accepted.hello, 'v', 2))]], 'UNSUPPORTED_VERSION'],
    ['a second hello (a party racing the existing device)', [H, ['hello', hex(relayHello)]], 'DUPLICATE_MESSAGE'],
    ['the hello replayed', [H, H], 'DUPLICATE_MESSAGE'],
    ['the proof before the user confirmed the SAS', [H, ['prove']], 'INVALID_STATE'],
    ['a chunk before the hello', [['chunk', hex(chunk)]], 'INVALID_STATE'],
    ['a chunk before the proof', [H, ['confirm'], ['chunk', hex(chunk)]], 'INVALID_STATE'],
    ['the proof sent back to the new device', [...ready, ['chunk', hex(proof)]], 'INVALID_STATE'],
    ['a chunk with a flipped tag bit', [...ready, ['chunk', hex(flipBit(chunk, -1))]], 'DECRYPT_FAILED'],
    ['a chunk sealed under the new-to-existing key', [...ready, ['chunk', hex(chunkWith(payloadBytes, k.kNE))]], 'DECRYPT_FAILED'],
    ['the chunk replayed after the payload completed', [...ready, ['chunk', hex(chunk)], ['chunk', hex(chunk)]], 'DUPLICATE_MESSAGE'],
    ['a chunk announcing a payload over LINK_MAX_PAYLOAD_SIZE', [...ready, ['chunk', hex(withField(chunk, 'l', LINK_MAX_PAYLOAD_SIZE + 1))]], 'OVERSIZE'],
    ['a chunk whose count does not fit its length', [...ready, ['chunk', hex(withField(chunk, 'n', 2))]], 'MALFORMED'],
    ['a payload whose list another account signed', [...ready, ['chunk', hex(chunkWith(encodeLinkPayload({ ...payload, deviceList: encodeDeviceList(strangerList) })))]], 'UNTRUSTED_IDENTITY'],
    ['a payload whose list names this device under another id', [...ready, ['chunk', hex(chunkWith(encodeLinkPayload({ ...payload, deviceId: 1 })))]], 'NOT_A_MEMBER'],
  ];
  const P = ['proof', hex(proof)] as LinkStep;
  const strangerSignature = sign(strangerSeed, concatBytes(utf8(LINK_PROOF_LABEL), k.th1));
  const existing_: Array<[string, LinkStep[], Expected]> = [
    ['the honest exchange', [['confirm'], P, ['seal', hex(payloadBytes)]], 'ok'],
    ['a proof with a flipped tag bit', [['confirm'], ['proof', hex(flipBit(proof, -1))]], 'DECRYPT_FAILED'],
    ['a proof sealed under the existing-to-new key', [['confirm'], ['proof', hex(proofWith(proofBody, k.kEN))]], 'DECRYPT_FAILED'],
    ['a proof whose signature another key made', [['confirm'], ['proof', hex(proofWith(encodeLinkProofBody({ deviceKey: newDevice.publicKey, signature: strangerSignature })))]], 'BAD_SIGNATURE'],
    ['a proof naming a small-order device key', [['confirm'], ['proof', hex(proofWith(encodeLinkProofBody({ deviceKey: smallOrder, signature: proofSignature })))]], 'INVALID_KEY'],
    ['the proof replayed', [['confirm'], P, P], 'DUPLICATE_MESSAGE'],
    ['its own hello reflected back', [['confirm'], ['proof', hex(accepted.hello)]], 'INVALID_STATE'],
    ['the payload before the user confirmed the SAS', [P, ['seal', hex(payloadBytes)]], 'INVALID_STATE'],
    ['the payload before the proof', [['confirm'], ['seal', hex(payloadBytes)]], 'INVALID_STATE'],
    ['the payload sealed twice', [['confirm'], P, ['seal', hex(payloadBytes)], ['seal', hex(payloadBytes)]], 'INVALID_STATE'],
    ['a payload with a history over LINK_MAX_HISTORY_SIZE', [['confirm'], P, ['sealHistory', LINK_MAX_HISTORY_SIZE + 1]], 'OVERSIZE'],
    ['a payload whose list does not name the proven device', [['confirm'], P, ['seal', hex(encodeLinkPayload({ ...payload, deviceList: encodeDeviceList(v1), deviceId: 1 }))]], 'INVALID_STATE'],
  ];
  const ctx = { newEphemeral, linkId, existingEphemeral, offer: created.offer, relayUrl: RELAY_URL, newDeviceSeed, payload: payloadBytes };
  const cases = (side: 'new' | 'existing', list: Array<[string, LinkStep[], Expected]>): unknown[] => list.map(([name, steps, expected]) => ({
    name, steps, expected: expectOutcome(FILE, name, expected, () => runLinkSteps(side, ctx, steps)),
  }));

  return {
    parameters: {
      seed: hex(SEED), relayUrl: RELAY_URL, version: LINK_VERSION, transcriptLabel: LINK_TRANSCRIPT_LABEL, keysInfo: LINK_KEYS_INFO,
      proofLabel: LINK_PROOF_LABEL, sasDigits: LINK_SAS_DIGITS, chunkSize: LINK_CHUNK_SIZE, maxPayloadSize: LINK_MAX_PAYLOAD_SIZE,
      maxHistorySize: LINK_MAX_HISTORY_SIZE,
    },
    inputs: {
      accountSeed: hex(accountSeed), primarySeed: hex(primarySeed), newDeviceSeed: hex(newDeviceSeed), newEphemeralPrivate: hex(newEphemeral),
      linkId: hex(linkId), existingEphemeralPrivate: hex(existingEphemeral), relayEphemeralPrivate: hex(relayEphemeral), strangerSeed: hex(strangerSeed),
    },
    exchange: {
      offer: hex(created.offer), hello: hex(accepted.hello), sharedSecret: hex(dh), transcript: hex(k.th1),
      newToExistingKey: hex(k.kNE), existingToNewKey: hex(k.kEN), sasBytes: hex(k.sasBytes), sas: k.sas,
      newDeviceKey: hex(newDevice.publicKey), proofSignature: hex(proofSignature), proofBody: hex(proofBody), proof: hex(proof),
      payloadTranscript: hex(th2), payload: hex(payloadBytes), chunkAssociatedData: hex(ad), chunks: [hex(chunk)],
    },
    relaySubstitution: { hello: hex(relayHello), sasNew: relaySas, sasExisting: k.sas },
    negative: { newDevice: cases('new', newDevice_), existingDevice: cases('existing', existing_) },
  };
}

function fromLe(n: bigint): Bytes {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
