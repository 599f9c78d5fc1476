/**
 * spec/vectors/device-list.json (format: spec/test-vectors.md §Device lists):
 * an account's chain of signed device lists (protocol.md §12) — creation,
 * two additions, a revocation — and a fork; the signed bytes, signatures and
 * hashes are computed here from the labels and the encoders, and checked
 * against src/identity. Negative cases: lists refused when opened (§12.2)
 * and lists refused by the chain rule (§12.3), each with the code the spec
 * prescribes.
 */
import { DEVICE_LIST_HASH_LABEL, DEVICE_LIST_SIGNATURE_LABEL, MAX_DEVICES_PER_ACCOUNT } from '../../src/constants.js';
import { concatBytes, ed25519PublicKey, sha256, sign, toHex, utf8, type Bytes } from '../../src/crypto/index.js';
import { advanceDeviceList, identityKeyPairFromSeed, openDeviceList, type DeviceList } from '../../src/identity/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { encodeDeviceListBody, encodeSignedDeviceList, type DeviceEntry, type DeviceListBody } from '../../src/wire/index.js';
import { expectOutcome, flipBit, mixedOrder, withField, type Expected } from './_negative.js';

const FILE = 'device-list';
export const SEED = new Uint8Array(32).fill(0x16);

function signed(seed: Bytes, body: DeviceListBody): { body: Bytes; signature: Bytes; bytes: Bytes; hash: Bytes } {
  const b = encodeDeviceListBody(body);
  const signature = sign(seed, concatBytes(utf8(DEVICE_LIST_SIGNATURE_LABEL), b));
  return { body: b, signature, bytes: encodeSignedDeviceList({ body: b, signature }), hash: sha256(concatBytes(utf8(DEVICE_LIST_HASH_LABEL), b)) };
}

export default function deviceListVectors(): unknown {
  // Drawn in order from the source seeded with SEED: the account seed (32), then five device seeds (32 each).
  const random = seededRandom(SEED);
  const accountSeed = random(32);
  const account = ed25519PublicKey(accountSeed);
  const deviceKeys = Array.from({ length: 5 }, () => ed25519PublicKey(random(32)));
  const device = (id: number): DeviceEntry => ({ id, key: deviceKeys[id - 1] as Bytes, createdAt: 1_767_225_600_000 + id * 60_000 });
  const zero = new Uint8Array(32);

  const history: Array<{ name: string; body: DeviceListBody }> = [];
  const lists = new Map<string, ReturnType<typeof signed>>();
  const add = (name: string, parent: string | null, version: number, devices: DeviceEntry[]): void => {
    const body = { account, version, previous: parent === null ? zero : lists.get(parent)!.hash, createdAt: 1_767_225_600_000 + version, devices };
    history.push({ name, body });
    lists.set(name, signed(accountSeed, body));
  };
  add('v1 phone', null, 1, [device(1)]);
  add('v2 phone laptop', 'v1 phone', 2, [device(1), device(2)]);
  add('v3 phone laptop browser', 'v2 phone laptop', 3, [device(1), device(2), device(3)]);
  add('v4 laptop revoked', 'v3 phone laptop browser', 4, [device(1), device(3)]);
  add('v2 fork: phone tablet', 'v1 phone', 2, [device(1), device(4)]);

  const opened = new Map<string, DeviceList>();
  const chain = history.map(({ name, body }) => {
    const l = lists.get(name)!;
    const list = openDeviceList(l.bytes);
    if (toHex(list.hash) !== toHex(l.hash)) throw new Error(`${FILE}: ${name}: hash differs from src/identity`);
    opened.set(name, list);
    return {
      name, version: body.version, devices: body.devices.map((d) => ({ id: d.id, key: toHex(d.key), createdAt: d.createdAt })),
      body: toHex(l.body), signature: toHex(l.signature), signed: toHex(l.bytes), hash: toHex(l.hash),
    };
  });

  const base = history[0]!.body;
  const refusedOpen: Array<[string, Bytes, Expected]> = [
    ['a flipped signature bit', flipBit(lists.get('v1 phone')!.bytes, lists.get('v1 phone')!.bytes.length - 1), 'BAD_SIGNATURE'],
    ['signed by a device key instead of the account key', encodeSignedDeviceList({ body: lists.get('v1 phone')!.body, signature: sign(random(32), concatBytes(utf8(DEVICE_LIST_SIGNATURE_LABEL), lists.get('v1 phone')!.body)) }), 'BAD_SIGNATURE'],
    ['device ids not ascending', signed(accountSeed, { ...base, devices: [device(2), device(1)] }).bytes, 'MALFORMED'],
    ['one device key twice', signed(accountSeed, { ...base, devices: [device(1), { ...device(2), key: deviceKeys[0]! }] }).bytes, 'MALFORMED'],
    ['no device', signed(accountSeed, { ...base, devices: [] }).bytes, 'MALFORMED'],
    [`${MAX_DEVICES_PER_ACCOUNT + 1} devices`, signed(accountSeed, { ...base, devices: Array.from({ length: MAX_DEVICES_PER_ACCOUNT + 1 }, (_, i) => ({ id: i, key: deviceKeys[0]!, createdAt: 0 })) }).bytes, 'MALFORMED'],
    ['version 0', signed(accountSeed, { ...base, version: 0 }).bytes, 'MALFORMED'],
    ['version 1 with a non-zero previous hash', signed(accountSeed, { ...base, previous: new Uint8Array(32).fill(1) }).bytes, 'MALFORMED'],
    ['version 2 with a zero previous hash', signed(accountSeed, { ...base, version: 2 }).bytes, 'MALFORMED'],
    ['a device key of mixed order (A + T8)', signed(accountSeed, { ...base, devices: [{ ...device(1), key: mixedOrder(deviceKeys[0]!) }] }).bytes, 'INVALID_KEY'],
    ['version 2 of the envelope', withField(lists.get('v1 phone')!.bytes, 'v', 2), 'UNSUPPORTED_VERSION'],
  ];
  const open = refusedOpen.map(([name, bytes, expected]) => ({
    name, signed: toHex(bytes), expected: expectOutcome(FILE, name, expected, () => openDeviceList(bytes)),
  }));

  const steps: Array<[string, string | null, string, Expected]> = [
    ['first list seen', null, 'v1 phone', 'ok'],
    ['direct successor', 'v1 phone', 'v2 phone laptop', 'ok'],
    ['the same list again', 'v2 phone laptop', 'v2 phone laptop', 'ok'],
    ['revocation follows its predecessor', 'v3 phone laptop browser', 'v4 laptop revoked', 'ok'],
    ['an older list (a relay serving the past)', 'v3 phone laptop browser', 'v2 phone laptop', 'STALE_EPOCH'],
    ['a gap (v2 withheld)', 'v1 phone', 'v3 phone laptop browser', 'FUTURE_EPOCH'],
    ['two lists of one version', 'v2 phone laptop', 'v2 fork: phone tablet', 'EPOCH_FORK'],
    ['a successor of the other branch', 'v2 fork: phone tablet', 'v3 phone laptop browser', 'EPOCH_FORK'],
  ];
  const follow = steps.map(([name, known, next, expected]) => ({
    name, known, next,
    expected: expectOutcome(FILE, name, expected, () => advanceDeviceList(known === null ? null : opened.get(known)!, opened.get(next)!)),
  }));

  return {
    parameters: {
      seed: toHex(SEED), account: toHex(account), signatureLabel: DEVICE_LIST_SIGNATURE_LABEL, hashLabel: DEVICE_LIST_HASH_LABEL,
      maxDevices: MAX_DEVICES_PER_ACCOUNT,
    },
    chain,
    negative: { open, follow },
  };
}
