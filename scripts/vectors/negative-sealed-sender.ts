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
import { expectOutcome, flipBit, hex, LOW_ORDER_U, mixedOrder, offCurve, readLoose, type Expected } from './_negative.js';

export const SEED = new Uint8Array(32).fill(0x73); // 's'
const CONTENT = utf8('Parley negative sealed-sender vector');
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
  const mixed = mixedOrder(sender.publicKey);
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
    cases: cases.map(([name, envelope, expected]) => ({
      name, envelope: hex(envelope), expected: expectOutcome('negative-sealed-sender', name, expected, () => unseal({ identity: recipient, envelope })),
    })),
  };
}
