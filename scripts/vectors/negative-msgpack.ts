/**
 * spec/vectors/negative-msgpack.json: decoder rejections (protocol.md §3), one
 * case per rule, each through a real decoder (format: spec/test-vectors.md
 * §Negative vectors). The generic rules are shown on the one-time prekey of
 * §4.5 (a small map with a uint, a bin and `v`); the state envelope on the
 * identity state of §4.7; the bounds and kinds of §7.2 on a session message.
 * Valid encodings, and the versions they carry, come from the current
 * encoders, so the cases follow version changes.
 */
import { MAX_BUNDLE_SIZE, MSGPACK_MAX_DEPTH, MSGPACK_MAX_MAP_LENGTH } from '../../src/constants.js';
import { x25519PublicKey, type Bytes } from '../../src/crypto/index.js';
import { identityKeyPairFromSeed, encodeIdentityKeyPair } from '../../src/identity/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeMsgpack, encodeOneTimePreKey, encodeSessionMessage, MAX_SESSION_MESSAGE_SIZE } from '../../src/wire/index.js';
import { readMsgpack } from '../../src/wire/msgpack-reader.js';
import { bytesOf, hex, mp, readLoose, type Expected } from './_negative.js';

const WIDE = { maxDepth: 8, maxArrayLength: 64, maxMapLength: 64, maxItems: 256 };

export const SEED = new Uint8Array(32).fill(0x4d); // 'M'

interface DecoderCase { name: string; decoder: string; input: string; padTo?: number; expected: Expected }

const utf8Bytes = (s: string): number[] => [...new TextEncoder().encode(s)];

/** The one-time prekey map with its three entries written from raw parts (each an encoded key and value). */
function prekeyMap(entries: readonly (readonly number[])[], header: readonly number[] = mp.fixmap(entries.length)): Bytes {
  return bytesOf([header, ...entries]);
}

function oneTimePreKeyCases(publicKey: Bytes): DecoderCase[] {
  const valid = encodeOneTimePreKey({ id: 1 as never, publicKey });
  const version = readLoose(valid)['v'] as number; // the version the current encoder writes
  const v = [...mp.str('v'), ...mp.value(version)];
  const id = (value: readonly number[]) => [...mp.str('id'), ...value];
  const pk = (value: readonly number[]) => [...mp.str('publicKey'), ...value];
  const okId = id([0x01]);
  const okPk = pk(mp.bin8(publicKey));
  const c = (name: string, input: Bytes, expected: Expected, padTo?: number): DecoderCase =>
    ({ name, decoder: 'one-time-prekey', input: hex(input), ...(padTo === undefined ? {} : { padTo }), expected });
  const m = (...entries: (readonly number[])[]): Bytes => prekeyMap(entries);
  const nested = (depth: number): number[] => [...new Array<number>(depth).fill(0x91), 0xc0];
  const wideMap = bytesOf([0xde, 0x00, MSGPACK_MAX_MAP_LENGTH + 1, ...Array.from({ length: MSGPACK_MAX_MAP_LENGTH + 1 }, (_, i) => [...mp.str(`k${i}`), 0xc0]).flat()]);
  return [
    c('valid', valid, 'ok'),
    c('valid, keys in another order', m(okPk, okId, v), 'ok'),
    // input that is not exactly one value
    c('empty input', new Uint8Array(0), 'MALFORMED'),
    c('truncated: last byte missing', valid.slice(0, -1), 'MALFORMED'),
    c('trailing byte after the value', bytesOf([valid, 0xc0]), 'MALFORMED'),
    c('reserved marker 0xc1 as id', m(v, id([0xc1]), okPk), 'MALFORMED'),
    // no floats, no extension types
    c('float64 id (1.0)', m(v, id([0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), okPk), 'MALFORMED'),
    c('float32 id (1.0)', m(v, id([0xca, 0x3f, 0x80, 0, 0]), okPk), 'MALFORMED'),
    c('fixext1 as id', m(v, id([0xd4, 0x01, 0x01]), okPk), 'MALFORMED'),
    c('timestamp extension as id', m(v, id([0xd6, 0xff, 0, 0, 0, 1]), okPk), 'MALFORMED'),
    // shortest encodings only
    c('id 1 as uint8', m(v, id([0xcc, 0x01]), okPk), 'MALFORMED'),
    c('id 1 as uint16', m(v, id([0xcd, 0x00, 0x01]), okPk), 'MALFORMED'),
    c('id 1 as uint32', m(v, id([0xce, 0, 0, 0, 0x01]), okPk), 'MALFORMED'),
    c('id 1 as uint64', m(v, id([0xcf, 0, 0, 0, 0, 0, 0, 0, 0x01]), okPk), 'MALFORMED'),
    c('id 1 as int8', m(v, id([0xd0, 0x01]), okPk), 'MALFORMED'),
    c('id 1 as int64', m(v, id([0xd3, 0, 0, 0, 0, 0, 0, 0, 0x01]), okPk), 'MALFORMED'),
    c('v as uint8', m([...mp.str('v'), 0xcc, version], okId, okPk), 'MALFORMED'),
    c('publicKey as bin16', m(v, okId, pk([0xc5, 0x00, publicKey.length, ...publicKey])), 'MALFORMED'),
    c('publicKey as bin32', m(v, okId, pk([0xc6, 0, 0, 0, publicKey.length, ...publicKey])), 'MALFORMED'),
    c('map as map16', prekeyMap([v, okId, okPk], [0xde, 0x00, 0x03]), 'MALFORMED'),
    c('map as map32', prekeyMap([v, okId, okPk], [0xdf, 0, 0, 0, 0x03]), 'MALFORMED'),
    c('key "id" as str8', m(v, [0xd9, 0x02, ...utf8Bytes('id'), 0x01], okPk), 'MALFORMED'),
    c('key "id" as str16', m(v, [0xda, 0x00, 0x02, ...utf8Bytes('id'), 0x01], okPk), 'MALFORMED'),
    // map keys
    c('duplicate key "id", same value', m(v, okId, okPk, okId), 'MALFORMED'),
    c('duplicate key "id", other value', m(v, okId, okPk, id([0x02])), 'MALFORMED'),
    c('duplicate key "v" (first-wins and last-wins would differ)', m(v, okId, okPk, [...mp.str('v'), ...mp.value(version + 1)]), 'MALFORMED'),
    c('integer map key', m(v, okId, okPk, [0x01, 0xc0]), 'MALFORMED'),
    c('bin map key', m(v, okId, okPk, [0xc4, 0x01, 0x61, 0xc0]), 'MALFORMED'),
    c('map key __proto__', m(v, okId, okPk, [...mp.str('__proto__'), 0x80]), 'MALFORMED'),
    c('map key with invalid UTF-8', m(v, okId, okPk, [0xa2, 0xc3, 0x28, 0xc0]), 'MALFORMED'),
    c('map key with an overlong UTF-8 form', m(v, okId, okPk, [0xa2, 0xc0, 0x80, 0xc0]), 'MALFORMED'),
    c('map key with a UTF-8 surrogate', m(v, okId, okPk, [0xa3, 0xed, 0xa0, 0x80, 0xc0]), 'MALFORMED'),
    // structure
    c('missing key publicKey', m(v, okId), 'MALFORMED'),
    c('unknown key', m(v, okId, okPk, [...mp.str('x'), 0xc0]), 'MALFORMED'),
    c('publicKey as str', m(v, okId, pk([0xd9, 32, ...new Array<number>(32).fill(0x61)])), 'MALFORMED'),
    c('publicKey of 31 bytes', m(v, okId, pk(mp.bin8(publicKey.slice(0, 31)))), 'MALFORMED'),
    c('publicKey of 33 bytes', m(v, okId, pk(mp.bin8(bytesOf([publicKey, 0])))), 'MALFORMED'),
    c('id nil', m(v, id([0xc0]), okPk), 'MALFORMED'),
    c('id true', m(v, id([0xc3]), okPk), 'MALFORMED'),
    c('id −1', m(v, id([0xff]), okPk), 'MALFORMED'),
    c('id 2^32 (above uint32)', m(v, id([0xcf, 0, 0, 0, 0x01, 0, 0, 0, 0]), okPk), 'MALFORMED'),
    c('id 2^53 (outside ±(2^53 − 1))', m(v, id([0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0]), okPk), 'MALFORMED'),
    c('the whole value is an array', bytesOf([0x93, mp.value(version), 0x01, mp.bin8(publicKey)]), 'MALFORMED'),
    // versions
    c('v = current version + 1', m([...mp.str('v'), ...mp.value(version + 1)], okId, okPk), 'UNSUPPORTED_VERSION'),
    c('v = 0', m([...mp.str('v'), 0x00], okId, okPk), 'UNSUPPORTED_VERSION'),
    c('v = −1', m([...mp.str('v'), 0xff], okId, okPk), 'MALFORMED'),
    c('v as str', m([...mp.str('v'), ...mp.str('1')], okId, okPk), 'MALFORMED'),
    // bounds on cost
    c('bin32 declaring 2^32 − 1 bytes', m(v, okId, pk([0xc6, 0xff, 0xff, 0xff, 0xff, 0x00])), 'MALFORMED'),
    c('array32 declaring 2^32 − 1 elements', m(v, okId, pk([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0])), 'MALFORMED'),
    c('map32 declaring 2^32 − 1 entries', bytesOf([0xdf, 0xff, 0xff, 0xff, 0xff, v]), 'MALFORMED'),
    c(`publicKey nested ${MSGPACK_MAX_DEPTH} arrays deep (depth ${MSGPACK_MAX_DEPTH + 1} with the map)`, m(v, okId, pk(nested(MSGPACK_MAX_DEPTH))), 'MALFORMED'),
    c(`map of ${MSGPACK_MAX_MAP_LENGTH + 1} entries`, wideMap, 'MALFORMED'),
    c(`${MAX_BUNDLE_SIZE + 1} bytes (valid, then zero bytes)`, valid, 'OVERSIZE', MAX_BUNDLE_SIZE + 1),
  ];
}

function identityStateCases(seed: Bytes, other: Bytes): DecoderCase[] {
  const identity = identityKeyPairFromSeed(seed);
  const stateVersion = (readMsgpack(encodeIdentityKeyPair(identity), 'vector', WIDE) as unknown[])[0] as number;
  const body = { publicKey: identity.publicKey, privateKey: identity.privateKey };
  const c = (name: string, value: unknown, expected: Expected, padTo?: number): DecoderCase =>
    ({ name, decoder: 'identity-state', input: hex(value instanceof Uint8Array ? value : encodeMsgpack(value)), ...(padTo === undefined ? {} : { padTo }), expected });
  return [
    c('valid', encodeIdentityKeyPair(identity), 'ok'),
    c('STATE_VERSION + 1', [stateVersion + 1, 'identity', body], 'UNSUPPORTED_VERSION'),
    c('another kind', [stateVersion, 'ratchet', body], 'INVALID_STATE'),
    c('two elements', [stateVersion, 'identity'], 'MALFORMED'),
    c('four elements', [stateVersion, 'identity', body, null], 'MALFORMED'),
    c('version as str', [String(stateVersion), 'identity', body], 'MALFORMED'),
    c('kind as bin', [stateVersion, new TextEncoder().encode('identity'), body], 'MALFORMED'),
    c('a map, not an array', { version: stateVersion, kind: 'identity', body }, 'MALFORMED'),
    c('public key of another seed', [stateVersion, 'identity', { ...body, publicKey: identityKeyPairFromSeed(other).publicKey }], 'INVALID_STATE'),
    c('257 bytes (valid, then zero bytes)', encodeIdentityKeyPair(identity), 'OVERSIZE', 257),
  ];
}

function sessionMessageCases(): DecoderCase[] {
  const body = Uint8Array.of(0xc0);
  const valid = encodeSessionMessage({ kind: 'ratchet', body });
  const version = readLoose(valid)['v'] as number;
  const c = (name: string, value: unknown, expected: Expected, padTo?: number): DecoderCase =>
    ({ name, decoder: 'session-message', input: hex(value instanceof Uint8Array ? value : encodeMsgpack(value)), ...(padTo === undefined ? {} : { padTo }), expected });
  return [
    c('valid', valid, 'ok'),
    c('k = 3 (no such kind)', { v: version, k: 3, m: body }, 'MALFORMED'),
    c('k = 0', { v: version, k: 0, m: body }, 'MALFORMED'),
    c('empty m', { v: version, k: 2, m: new Uint8Array(0) }, 'MALFORMED'),
    c(`${MAX_SESSION_MESSAGE_SIZE + 1} bytes`, valid, 'OVERSIZE', MAX_SESSION_MESSAGE_SIZE + 1),
  ];
}

export default function negativeMsgpack(): unknown {
  // Drawn in order: one-time prekey private key (32), identity seed (32), a second identity seed (32).
  const random = seededRandom(SEED);
  const publicKey = x25519PublicKey(random(32));
  const [identitySeed, otherSeed] = [random(32), random(32)];
  return {
    parameters: { seed: hex(SEED), oneTimePreKeyPublicKey: hex(publicKey), identitySeed: hex(identitySeed), otherIdentitySeed: hex(otherSeed) },
    cases: [...oneTimePreKeyCases(publicKey), ...identityStateCases(identitySeed, otherSeed), ...sessionMessageCases()],
  };
}
