/**
 * Linking a device (protocol.md §12.4): the honest exchange, the SAS, and
 * every refusal of §12.4.7 with its code — each failed step leaving the
 * caller's state as it was.
 */
import { describe, expect, it } from 'vitest';
import { LINK_CHUNK_SIZE, LINK_MAX_HISTORY_SIZE, LINK_MAX_PAYLOAD_SIZE } from '../../../src/constants.js';
import { sign, toHex, type Bytes } from '../../../src/crypto/index.js';
import { encodeDeviceList, signDeviceList } from '../../../src/identity/index.js';
import {
  acceptLinkOffer, confirmLinkSas, proveLinkDevice, receiveLinkChunk, receiveLinkHello, receiveLinkProof, sealLinkPayload, type NewDeviceLink,
} from '../../../src/linking/index.js';
import { encodeLinkMessage, encodeLinkPayload, encodeLinkProofBody } from '../../../src/wire/index.js';
import { errorCodeOf } from '../../property/ratchet-harness.js';
import { forgeChunks, forgeProof, makeAccount, payloadFor, runLink } from './link-fixture.js';

const PROOF_LABEL = new TextEncoder().encode('Parley_Link_Proof_v1');
const a = makeAccount(0x41);
const x = runLink(a, { contacts: [new Uint8Array([1, 2])], groups: [new Uint8Array(3)], settings: [{ name: 'theme', value: new Uint8Array([1]) }], history: new Uint8Array(LINK_CHUNK_SIZE + 10) });
const existing = receiveLinkProof(confirmLinkSas(x.existingAfterHello), x.proof).link;

/** Feeds the chunks in order from `link`, returning the last state and result. */
function feed(link: NewDeviceLink, chunks: readonly Bytes[]): ReturnType<typeof receiveLinkChunk> {
  let out: ReturnType<typeof receiveLinkChunk> = { link, result: null };
  for (const c of chunks) out = receiveLinkChunk(out.link, c);
  return out;
}

describe('linking: the honest exchange', () => {
  it('both screens show the same 6-digit SAS and the new device ends with the payload and a list naming it', () => {
    expect(x.sasNew).toMatch(/^\d{6}$/);
    expect(x.sasNew).toBe(x.sasExisting);
    expect(x.chunks.length).toBe(2);
    expect(toHex(x.result.payload.account)).toBe(toHex(a.account.publicKey));
    expect(x.result.deviceList.devices.map((d) => [d.id, toHex(d.key)])).toContainEqual([2, toHex(a.newDevice.publicKey)]);
    expect(x.result.payload.history?.length).toBe(LINK_CHUNK_SIZE + 10);
    expect(x.result.payload.settings).toEqual([{ name: 'theme', value: new Uint8Array([1]) }]);
  });

  it('states holding channel keys print redacted', () => {
    expect(JSON.stringify(x.newAfterProof)).toBe('"[NewDeviceLink]"');
    expect(JSON.stringify(x.existingAfterHello)).toBe('"[ExistingDeviceLink]"');
    expect(JSON.stringify(confirmLinkSas(x.existingAfterHello))).toBe('"[ExistingDeviceLink]"');
    expect(JSON.stringify(confirmLinkSas(receiveLinkHello(x.newInitial, x.hello).link))).toBe('"[NewDeviceLink]"');
    expect(JSON.stringify(existing)).toBe('"[ExistingDeviceLink]"');
  });
});

describe('linking: the SAS and its confirmation', () => {
  it('a relay that substitutes its own hello gets other SAS digits, and the proof then fails at the existing device', () => {
    const attacker = acceptLinkOffer({ offer: x.offer, random: makeAccount(0x42).random });
    const fooled = receiveLinkHello(x.newInitial, attacker.hello);
    expect(fooled.sas).not.toBe(x.sasExisting);
    // A user who confirms anyway on the new device still proves nothing to the real existing device.
    const proof = proveLinkDevice(confirmLinkSas(fooled.link), a.newDevice).proof;
    expect(errorCodeOf(() => receiveLinkProof(confirmLinkSas(x.existingAfterHello), proof))).toBe('DECRYPT_FAILED');
  });

  it('a second hello (a racing party or a replay) is refused and the first one stands', () => {
    const greeted = receiveLinkHello(x.newInitial, x.hello).link;
    const racer = acceptLinkOffer({ offer: x.offer, random: makeAccount(0x43).random });
    expect(errorCodeOf(() => receiveLinkHello(greeted, racer.hello))).toBe('DUPLICATE_MESSAGE');
    expect(errorCodeOf(() => receiveLinkHello(greeted, x.hello))).toBe('DUPLICATE_MESSAGE');
    expect(greeted.keys!.sas).toBe(x.sasExisting);
  });

  it('nothing secret moves before the user confirms: no proof, no payload, no SAS before the hello', () => {
    const greeted = receiveLinkHello(x.newInitial, x.hello).link;
    expect(errorCodeOf(() => proveLinkDevice(greeted, a.newDevice))).toBe('INVALID_STATE');
    const unconfirmed = receiveLinkProof(x.existingAfterHello, x.proof).link;
    expect(errorCodeOf(() => sealLinkPayload(unconfirmed, payloadFor(a, a.newDevice.publicKey)))).toBe('INVALID_STATE');
    expect(errorCodeOf(() => confirmLinkSas(x.newInitial))).toBe('INVALID_STATE');
    expect(errorCodeOf(() => sealLinkPayload(confirmLinkSas(x.existingAfterHello), payloadFor(a, a.newDevice.publicKey)))).toBe('INVALID_STATE');
  });
});

describe('linking: the proof of possession', () => {
  const link = confirmLinkSas(x.existingAfterHello);
  const transcript = link.keys!.transcript;

  it('verifies the device key over the transcript, once', () => {
    expect(toHex(receiveLinkProof(link, x.proof).deviceKey)).toBe(toHex(a.newDevice.publicKey));
    expect(errorCodeOf(() => receiveLinkProof(existing, x.proof))).toBe('DUPLICATE_MESSAGE');
  });

  it('refuses a tampered proof, a key signed by another key, a small-order key, and a hello or chunk in its place', () => {
    const tampered = x.proof.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(errorCodeOf(() => receiveLinkProof(link, tampered))).toBe('DECRYPT_FAILED');
    const other = makeAccount(0x44).newDevice;
    const wrongSigner = encodeLinkProofBody({ deviceKey: a.newDevice.publicKey, signature: sign(other.privateKey, new Uint8Array([...PROOF_LABEL, ...transcript])) });
    expect(errorCodeOf(() => receiveLinkProof(link, forgeProof(link, wrongSigner)))).toBe('BAD_SIGNATURE');
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    expect(errorCodeOf(() => receiveLinkProof(link, forgeProof(link, encodeLinkProofBody({ deviceKey: identityPoint, signature: new Uint8Array(64) }))))).toBe('INVALID_KEY');
    expect(errorCodeOf(() => receiveLinkProof(link, x.hello))).toBe('INVALID_STATE');
    expect(errorCodeOf(() => receiveLinkProof(link, x.chunks[0]!))).toBe('INVALID_STATE');
  });

  it('a proof made for another link does not open here', () => {
    const other = runLink(makeAccount(0x45));
    expect(errorCodeOf(() => receiveLinkProof(link, other.proof))).toBe('DECRYPT_FAILED');
  });
});

describe('linking: the payload chunks', () => {
  it('refuses chunks out of order, twice, tampered, or before the proof, and keeps the state', () => {
    const start = x.newAfterProof;
    expect(errorCodeOf(() => receiveLinkChunk(start, x.chunks[1]!))).toBe('INVALID_STATE');
    const one = receiveLinkChunk(start, x.chunks[0]!).link;
    expect(errorCodeOf(() => receiveLinkChunk(one, x.chunks[0]!))).toBe('DUPLICATE_MESSAGE');
    expect(errorCodeOf(() => receiveLinkChunk(one, x.hello))).toBe('DUPLICATE_MESSAGE');
    expect(errorCodeOf(() => receiveLinkChunk(one, x.proof))).toBe('INVALID_STATE');
    const tampered = x.chunks[1]!.slice();
    tampered[tampered.length - 5]! ^= 0x80;
    expect(errorCodeOf(() => receiveLinkChunk(one, tampered))).toBe('DECRYPT_FAILED');
    expect(feed(one, [x.chunks[1]!]).result).not.toBeNull();
    const greeted = receiveLinkHello(x.newInitial, x.hello).link;
    expect(errorCodeOf(() => receiveLinkChunk(greeted, x.chunks[0]!))).toBe('INVALID_STATE');
  });

  it('after the last chunk every chunk is a duplicate', () => {
    const done = feed(x.newAfterProof, x.chunks).link;
    for (const c of x.chunks) expect(errorCodeOf(() => receiveLinkChunk(done, c))).toBe('DUPLICATE_MESSAGE');
  });

  it('the sender refuses an oversized payload or history, a list without the proven device, and a second seal', () => {
    const history = new Uint8Array(LINK_MAX_HISTORY_SIZE + 1);
    expect(errorCodeOf(() => sealLinkPayload(existing, payloadFor(a, a.newDevice.publicKey, { history })))).toBe('OVERSIZE');
    const contacts = Array.from({ length: Math.ceil(LINK_MAX_PAYLOAD_SIZE / 60_000) }, () => new Uint8Array(60_000));
    expect(errorCodeOf(() => sealLinkPayload(existing, payloadFor(a, a.newDevice.publicKey, { contacts })))).toBe('OVERSIZE');
    expect(errorCodeOf(() => sealLinkPayload(existing, payloadFor(a, a.primary.publicKey)))).toBe('INVALID_STATE');
    const sent = sealLinkPayload(existing, payloadFor(a, a.newDevice.publicKey)).link;
    expect(errorCodeOf(() => sealLinkPayload(sent, payloadFor(a, a.newDevice.publicKey)))).toBe('INVALID_STATE');
  });

  it('the new device refuses a payload whose list is another account\'s or does not name it', () => {
    const stranger = makeAccount(0x46);
    const foreignList = encodeDeviceList(signDeviceList({ account: stranger.account, previous: null, devices: [{ id: 2, key: a.newDevice.publicKey, createdAt: 0 }], createdAt: 0 }));
    const foreign = encodeLinkPayload({ ...payloadFor(a, a.newDevice.publicKey), deviceList: foreignList });
    expect(errorCodeOf(() => feed(x.newAfterProof, forgeChunks(existing, foreign)))).toBe('UNTRUSTED_IDENTITY');
    const wrongId = encodeLinkPayload({ ...payloadFor(a, a.newDevice.publicKey), deviceId: 1 });
    expect(errorCodeOf(() => feed(x.newAfterProof, forgeChunks(existing, wrongId)))).toBe('NOT_A_MEMBER');
  });

  it('a chunk announcing a payload over the bound is OVERSIZE before any decryption', () => {
    const huge = encodeLinkMessage({ kind: 3, index: 0, count: 1, length: LINK_MAX_PAYLOAD_SIZE + 1, ciphertext: new Uint8Array(16) });
    expect(errorCodeOf(() => receiveLinkChunk(x.newAfterProof, huge))).toBe('OVERSIZE');
  });
});
