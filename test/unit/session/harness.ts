/** Two or more devices with identities and prekeys, for session tests. */
import { type Bytes, type RandomSource } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/testing/index.js';
import {
  buildPreKeyBundle, consumePreKeys, createPreKeyState, generateIdentityKeyPair, type IdentityKeyPair, type PreKeyState,
} from '../../../src/identity/index.js';
import { EMPTY_RECORD, type SessionRecord } from '../../../src/session/index.js';
import type { PreKeyBundle } from '../../../src/wire/index.js';

export interface Device {
  readonly name: string;
  readonly identity: IdentityKeyPair;
  preKeys: PreKeyState;
  /** Session record per peer name. */
  records: Map<string, SessionRecord>;
  readonly random: RandomSource;
}

export function makeDevice(name: string, seedByte: number, oneTime = 3): Device {
  const random = seededRandom(new Uint8Array(32).fill(seedByte));
  const identity = generateIdentityKeyPair(random);
  const preKeys = createPreKeyState({ identity, now: 1_700_000_000_000, random, oneTimePreKeys: oneTime, kemPreKeys: oneTime });
  return { name, identity, preKeys, records: new Map(), random };
}

/** The bundle a relay would hand out, removing the one-time keys it contains as the relay does. */
export function fetchBundle(d: Device): PreKeyBundle {
  const bundle = buildPreKeyBundle(d.preKeys, d.identity.publicKey);
  return bundle;
}

export function recordOf(d: Device, peer: Device): SessionRecord {
  return d.records.get(peer.name) ?? EMPTY_RECORD;
}

export const text = (s: string): Bytes => new TextEncoder().encode(s);
export const str = (b: Bytes): string => new TextDecoder().decode(b);
export { consumePreKeys };
