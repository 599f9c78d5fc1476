/**
 * Property 6 (issue 2), identity and handshake part: every decoder of src/wire
 * prekeys, the initial message, the prekey and identity state decoders, the
 * safety-number payload check, and respondPqxdh on decoded mutated messages,
 * throw nothing but ProtocolError; the prekey state given to respondPqxdh is
 * never changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bytes } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { isProtocolError } from '../../src/errors.js';
import { initiatePqxdh, respondPqxdh } from '../../src/handshake/index.js';
import {
  buildPreKeyBundle, compareScannedPayload, createPreKeyState, decodeIdentityKeyPair, decodePreKeyState, encodeIdentityKeyPair,
  encodePreKeyState, generateIdentityKeyPair, scannablePayload,
} from '../../src/identity/index.js';
import {
  decodeInitialMessage, decodeKemPreKey, decodeOneTimePreKey, decodePreKeyBundle, decodeSignedPreKey, encodeInitialMessage, encodeKemPreKey,
  encodeOneTimePreKey, encodePreKeyBundle, encodeSignedPreKey,
} from '../../src/wire/index.js';
import { fcParams } from './fc.js';

const random = seededRandom(new Uint8Array(32).fill(11));
const alice = generateIdentityKeyPair(random);
const bob = generateIdentityKeyPair(random);
const state = createPreKeyState({ identity: bob, now: 1_700_000_000_000, random, oneTimePreKeys: 2, kemPreKeys: 1 });
const bundle = buildPreKeyBundle(state, bob.publicKey);
const init = initiatePqxdh({ identity: alice, bundle, random });
const initial = encodeInitialMessage({ ...init.initialHeader, message: Uint8Array.of(1, 2, 3) });
const stateBytes = encodePreKeyState(state);

const decoders: Record<string, { decode: (b: Bytes) => unknown; valid: Bytes }> = {
  signedPreKey: { decode: decodeSignedPreKey, valid: encodeSignedPreKey(bundle.signedPreKey) },
  kemPreKey: { decode: decodeKemPreKey, valid: encodeKemPreKey(bundle.kemPreKey) },
  oneTimePreKey: { decode: decodeOneTimePreKey, valid: encodeOneTimePreKey(bundle.oneTimePreKey!) },
  bundle: { decode: decodePreKeyBundle, valid: encodePreKeyBundle(bundle) },
  initialMessage: { decode: decodeInitialMessage, valid: initial },
  identityState: { decode: decodeIdentityKeyPair, valid: encodeIdentityKeyPair(bob) },
  preKeyState: { decode: decodePreKeyState, valid: stateBytes },
  safetyPayload: { decode: (b) => compareScannedPayload(alice.publicKey, bob.publicKey, b), valid: scannablePayload(bob.publicKey, alice.publicKey) },
};

function onlyProtocolErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(isProtocolError(e), String(e)).toBe(true);
  }
}

type Mutation = { kind: 'set'; at: number; value: number; head: boolean } | { kind: 'truncate'; at: number } | { kind: 'append'; bytes: Uint8Array };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255), head: fc.boolean() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

/** `head` mutations hit the first 96 bytes, where map keys and small fields live (large keys dominate otherwise). */
function mutate(bytes: Bytes, mutations: readonly Mutation[]): Bytes {
  let out = bytes.slice();
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'set') out[m.at % (m.head ? Math.min(96, out.length) : out.length)] = m.value;
    else if (m.kind === 'truncate') out = out.slice(0, m.at % out.length);
    else out = Uint8Array.from([...out, ...m.bytes]);
  }
  return out;
}

describe('identity and handshake decoders throw only ProtocolError', () => {
  for (const [name, { decode, valid }] of Object.entries(decoders)) {
    it(`${name}: arbitrary bytes`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyProtocolErrors(() => decode(bytes))), fcParams(150));
    });
    it(`${name}: mutated valid encodings`, () => {
      expect(() => decode(valid)).not.toThrow();
      fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (ms) => onlyProtocolErrors(() => decode(mutate(valid, ms)))), fcParams(name === 'preKeyState' ? 40 : 100));
    });
  }

  it('respondPqxdh on mutated initial messages: only ProtocolError, state untouched', () => {
    fc.assert(fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (ms) => {
      onlyProtocolErrors(() => respondPqxdh({ identity: bob, preKeys: state, header: decodeInitialMessage(mutate(initial, ms)) }));
    }), fcParams(60));
    expect(encodePreKeyState(state)).toEqual(stateBytes);
  });
});
