/** Session-layer decoders fed arbitrary bytes and mutated valid encodings throw only ProtocolError. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { isProtocolError } from '../../src/errors.js';
import { decodeSessionRecord, encodeSessionRecord, sessionEncrypt, startSession } from '../../src/session/index.js';
import { decodeSealedEnvelope, decodeSessionMessage } from '../../src/wire/index.js';
import { fetchBundle, makeDevice, recordOf, text } from '../unit/session/harness.js';
import { fcParams } from './fc.js';

const alice = makeDevice('alice', 21);
const bob = makeDevice('bob', 22);
const record = startSession({ record: recordOf(alice, bob), identity: alice.identity, bundle: fetchBundle(bob), random: alice.random });
const validRecord = encodeSessionRecord(record);
const validMessage = sessionEncrypt(record, text('hello'), alice.random).message;

function onlyProtocolErrors(decode: (b: Uint8Array) => unknown) {
  return (bytes: Uint8Array) => {
    try {
      decode(bytes);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  };
}

const mutated = (valid: Uint8Array) =>
  fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.nat({ max: valid.length })).map(([i, x, cut]) => {
    const m = valid.slice(0, Math.max(cut, i + 1));
    m[i] = (m[i] as number) ^ x;
    return m;
  });

describe('session decoders', () => {
  for (const [name, decode, valid] of [
    ['session record', decodeSessionRecord, validRecord],
    ['session message', decodeSessionMessage, validMessage],
    ['sealed envelope', decodeSealedEnvelope, validMessage],
  ] as const) {
    it(`${name}: arbitrary bytes and mutations throw only ProtocolError`, () => {
      fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(valid)), onlyProtocolErrors(decode)), fcParams(300));
    });
  }
});
