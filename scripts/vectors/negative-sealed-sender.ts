/**
 * spec/vectors/negative-sealed-sender.json: opening hostile sealed envelopes
 * (protocol.md §7.3, one code per failure; format: spec/test-vectors.md
 * §Negative vectors). Envelopes are sealed by the current implementation and
 * then changed; the mixed-order and off-curve senders are sealed by a sender
 * that writes a bad identity key into `s` while using its real private key.
 */
import { utf8, type Bytes } from '../../src/crypto/index.js';
import { identityKeyPairFromSeed } from '../../src/identity/index.js';
import { seal, unseal } from '../../src/session/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack } from '../../src/wire/index.js';
import { addPoints, decodePoint, encodePoint } from '../../test/property/ed25519-points.js';
import { flipBit, hex, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x73); // 's'
const CONTENT = utf8('Parley negative sealed-sender vector');
const ORDER_8 = decodePoint(Uint8Array.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'.match(/../g)!.map((b) => parseInt(b, 16))));
const LOW_ORDER_U = Uint8Array.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'.match(/../g)!.map((b) => parseInt(b, 16)));

/** The smallest y ≥ 2 that is no curve point's y (the same as negative-keys.json's "not on the curve"). */
function offCurve(): Bytes {
  for (let y = 2; ; y++) {
    const e = new Uint8Array(32);
    e[0] = y;
    try {
      decodePoint(e);
    } catch {
      return e;
    }
  }
}

export default function negativeSealedSender(): unknown {
  // Drawn in order: sender seed (32), recipient seed (32), a third party's seed (32), then one 32-byte source seed per sealed envelope.
  const random = seededRandom(SEED);
  const sender = identityKeyPairFromSeed(random(32));
  const recipient = identityKeyPairFromSeed(random(32));
  const other = identityKeyPairFromSeed(random(32));
  const sealWith = (identity: { publicKey: Bytes; privateKey: Bytes }, to: Bytes): { randomSeed: Bytes; envelope: Bytes } => {
    const randomSeed = random(32);
    return { randomSeed, envelope: seal({ identity, recipientIdentityKey: to, content: CONTENT, random: seededRandom(randomSeed) }) };
  };
  const valid = sealWith(sender, recipient.publicKey);
  const fields = readLoose(valid.envelope);
  const change = (key: string, value: unknown): Bytes => encodeMsgpack({ ...fields, [key]: value });
  const mixed = encodePoint(addPoints(decodePoint(sender.publicKey), ORDER_8));
  const cases: [string, Bytes, Expected][] = [
    ['valid', valid.envelope, 'ok'],
    ['version + 1', change('v', (fields['v'] as number) + 1), 'UNSUPPORTED_VERSION'],
    ['truncated', valid.envelope.slice(0, -1), 'MALFORMED'],
    ['ephemeral key of low order: all-zero DH', change('e', LOW_ORDER_U), 'INVALID_KEY'],
    ['ephemeral key with bit 255 set: not canonical', change('e', flipBit(fields['e'] as Bytes, 31, 7)), 'INVALID_KEY'],
    ['s bit flipped', change('s', flipBit(fields['s'] as Bytes, 0)), 'DECRYPT_FAILED'],
    ['c bit flipped', change('c', flipBit(fields['c'] as Bytes, -1)), 'DECRYPT_FAILED'],
    ['sealed to another recipient', sealWith(sender, other.publicKey).envelope, 'DECRYPT_FAILED'],
    ['sender identity key A + T8 (mixed order) in s', sealWith({ publicKey: mixed, privateKey: sender.privateKey }, recipient.publicKey).envelope, 'INVALID_KEY'],
    ['sender identity key off the curve in s', sealWith({ publicKey: offCurve(), privateKey: sender.privateKey }, recipient.publicKey).envelope, 'INVALID_KEY'],
  ];
  return {
    parameters: { seed: hex(SEED), senderSeed: hex(sender.privateKey), recipientSeed: hex(recipient.privateKey), otherSeed: hex(other.privateKey), content: hex(CONTENT) },
    cases: cases.map(([name, envelope, expected]) => {
      let got: Expected = 'ok';
      try {
        unseal({ identity: recipient, envelope });
      } catch (e) {
        got = (e as { code: Expected }).code;
      }
      if (got !== expected) throw new Error(`negative-sealed-sender: ${name} gave ${got}, the spec says ${expected}`);
      return { name, envelope: hex(envelope), expected };
    }),
  };
}
