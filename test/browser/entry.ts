/**
 * Runs in Chromium (bundled by esbuild for platform "browser"): the core of
 * Parley with the platform's crypto.getRandomValues, and the sealed-sender and
 * ratchet vectors reproduced byte for byte. Exposed as window.parleySelfTest.
 */
import { fromHex, systemRandom, toHex, utf8 } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { buildPreKeyBundle, createPreKeyState, generateIdentityKeyPair, identityKeyPairFromSeed, safetyNumber } from '../../src/identity/index.js';
import { EMPTY_RECORD, seal, sessionDecrypt, sessionEncrypt, startSession, unseal } from '../../src/session/index.js';

interface SealedVectors {
  parameters: { senderSeed: string; recipientSeed: string };
  envelopes: { randomSeed: string; content: string; envelope: string }[];
}

function conversation(): string[] {
  const alice = generateIdentityKeyPair(systemRandom);
  const bob = generateIdentityKeyPair(systemRandom);
  let bobPreKeys = createPreKeyState({ identity: bob, now: Date.now(), random: systemRandom, oneTimePreKeys: 2, kemPreKeys: 2 });
  let aliceRecord = startSession({ record: EMPTY_RECORD, identity: alice, bundle: buildPreKeyBundle(bobPreKeys, bob.publicKey), random: systemRandom });
  let bobRecord = EMPTY_RECORD;
  const received: string[] = [];
  for (let i = 0; i < 6; i++) {
    const fromAlice = i % 2 === 0;
    const text = `${fromAlice ? 'alice' : 'bob'} ${i}`;
    if (fromAlice) {
      const out = sessionEncrypt(aliceRecord, utf8(text), systemRandom);
      aliceRecord = out.record;
      const opened = unseal({ identity: bob, envelope: seal({ identity: alice, recipientIdentityKey: bob.publicKey, content: out.message, random: systemRandom }) });
      const r = sessionDecrypt({ record: bobRecord, identity: bob, preKeys: bobPreKeys, peer: opened.senderIdentityKey, message: opened.content, random: systemRandom });
      bobRecord = r.record;
      bobPreKeys = r.preKeys;
      received.push(new TextDecoder().decode(r.plaintext));
    } else {
      const out = sessionEncrypt(bobRecord, utf8(text), systemRandom);
      bobRecord = out.record;
      const r = sessionDecrypt({ record: aliceRecord, identity: alice, preKeys: bobPreKeys, peer: bob.publicKey, message: out.message, random: systemRandom });
      aliceRecord = r.record;
      received.push(new TextDecoder().decode(r.plaintext));
    }
  }
  received.push(safetyNumber(alice.publicKey, bob.publicKey) === safetyNumber(bob.publicKey, alice.publicKey) ? 'safety numbers agree' : 'safety numbers differ');
  return received;
}

function sealedVectors(v: SealedVectors): string[] {
  const sender = identityKeyPairFromSeed(fromHex(v.parameters.senderSeed));
  const recipient = identityKeyPairFromSeed(fromHex(v.parameters.recipientSeed));
  return v.envelopes.map((e) => toHex(seal({
    identity: sender, recipientIdentityKey: recipient.publicKey, content: fromHex(e.content), random: seededRandom(fromHex(e.randomSeed)),
  })));
}

declare global {
  interface Window { parleySelfTest: (sealed: SealedVectors) => { conversation: string[]; sealed: string[]; userAgent: string } }
}

window.parleySelfTest = (sealed) => ({ conversation: conversation(), sealed: sealedVectors(sealed), userAgent: navigator.userAgent });
