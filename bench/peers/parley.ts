/**
 * Parley under the benchmark, once with the pure @noble provider and once
 * with the node:crypto provider, through the public APIs of src/ratchet,
 * src/handshake and src/group. Workloads whose module does not exist yet are
 * reported as "not yet available" (never with made-up figures).
 */
import {
  generateX25519KeyPair, nobleProvider, systemRandom, useCryptoProvider, type Bytes, type CryptoProvider,
} from '../../src/crypto/index.js';
import { nodeCryptoProvider } from '../../src/node/index.js';
import {
  createGroup, groupDecrypt, groupEncrypt, groupSend, joinGroup, prepareSend, processDistribution, type GroupSession,
} from '../../src/group/index.js';
import { initiatePqxdh, respondPqxdh } from '../../src/handshake/index.js';
import { buildPreKeyBundle, createPreKeyState, generateIdentityKeyPair, type IdentityKeyPair, type PreKeyState } from '../../src/identity/index.js';
import {
  initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState, type RatchetVersion,
} from '../../src/ratchet/index.js';
import { decodeInitialMessage, decodePreKeyBundle, encodeInitialMessage, encodePreKeyBundle } from '../../src/wire/index.js';
import type { Prepare } from '../harness.js';
import { payload, type Peer, type WorkloadSizes } from '../peer.js';
import { parleyVersion } from '../versions.js';

export interface ParleyPeers {
  readonly peers: readonly Peer[];
  /** Why some Parley workloads are missing, if they are. */
  readonly missing?: string;
}

interface Pair {
  alice: RatchetState;
  bob: RatchetState;
}

/**
 * Two ratchet states as PQXDH leaves them (shared secret, Bob's signed prekey as his first ratchet key), after one
 * round trip; version 3 runs the post-quantum ratchet (spec/protocol.md §6.9), 2 is the classic Double Ratchet.
 */
function ratchetPair(version: RatchetVersion): Pair {
  const sharedSecret = systemRandom(32);
  const associatedData = systemRandom(64);
  const bobKey = generateX25519KeyPair(systemRandom);
  let alice = initSender({ sharedSecret, peerRatchetKey: bobKey.publicKey, associatedData, random: systemRandom, version });
  let bob = initReceiver({ sharedSecret, ownRatchetKeyPair: bobKey, associatedData, version });
  const first = ratchetEncrypt(alice, payload(10, 0), systemRandom);
  alice = first.state;
  bob = ratchetDecrypt(bob, first.message, systemRandom).state;
  const reply = ratchetEncrypt(bob, payload(10, 1), systemRandom);
  bob = reply.state;
  alice = ratchetDecrypt(alice, reply.message, systemRandom).state;
  return { alice, bob };
}

interface Responder {
  readonly identity: IdentityKeyPair;
  readonly preKeys: PreKeyState;
  /** The encoded bundle the relay would serve. */
  readonly bundle: Bytes;
}

/** A device with one one-time prekey and one one-time KEM prekey, and its published bundle. */
function responder(): Responder {
  const identity = generateIdentityKeyPair(systemRandom);
  const preKeys = createPreKeyState({ identity, now: Date.now(), random: systemRandom, oneTimePreKeys: 1, kemPreKeys: 1 });
  return { identity, preKeys, bundle: encodePreKeyBundle(buildPreKeyBundle(preKeys, identity.publicKey)) };
}

/**
 * The initiator decodes the bundle, runs PQXDH, encrypts the first message and
 * encodes the initial message; the responder decodes it, runs PQXDH and
 * decrypts the first message.
 */
function setUpSession(alice: IdentityKeyPair, bob: Responder, plaintext: Bytes): void {
  const initiated = initiatePqxdh({ identity: alice, bundle: decodePreKeyBundle(bob.bundle), random: systemRandom });
  const aliceState = initSender({
    sharedSecret: initiated.sharedSecret, peerRatchetKey: initiated.ratchetPublicKey,
    associatedData: initiated.associatedData, random: systemRandom,
  });
  const first = ratchetEncrypt(aliceState, plaintext, systemRandom);
  const wire = encodeInitialMessage({ ...initiated.initialHeader, message: first.message });
  const received = decodeInitialMessage(wire);
  const responded = respondPqxdh({ identity: bob.identity, preKeys: bob.preKeys, header: received });
  const bobState = initReceiver({
    sharedSecret: responded.sharedSecret, ownRatchetKeyPair: responded.signedPreKeyPair, associatedData: responded.associatedData,
  });
  ratchetDecrypt(bobState, received.message, systemRandom);
}

/** Alice's group with `others` members besides her, her sender key created, and Bob (the first member) holding it. */
function groupWith(others: number): { alice: GroupSession; bob: GroupSession } {
  const aliceIdentity = generateIdentityKeyPair(systemRandom);
  const identities = Array.from({ length: others }, () => generateIdentityKeyPair(systemRandom).publicKey);
  const created = createGroup({
    identity: aliceIdentity, mode: 'group', members: identities.map((identityKey) => ({ identityKey, role: 'member' as const })),
    random: systemRandom,
  });
  const bobKey = identities[0] as Bytes;
  let bob = joinGroup(bobKey, aliceIdentity.publicKey, created.welcome);
  const prepared = prepareSend(created.session, systemRandom);
  const toBob = prepared.distributions.find((d) => d.recipient.every((b, i) => b === bobKey[i]));
  if (toBob === undefined) throw new Error('no distribution for the member');
  bob = processDistribution(bob, aliceIdentity.publicKey, toBob.payload).session;
  return { alice: prepared.session, bob };
}

/** Installs `provider` around both the preparation and the timed run. */
function withProvider(provider: CryptoProvider, prepare: Prepare): Prepare {
  return async () => {
    useCryptoProvider(provider);
    const run = await prepare();
    return () => {
      useCryptoProvider(provider);
      return run();
    };
  };
}

/** Parley under `provider`; the 1:1 workloads run ratchet `version` (2, the classic ratchet, unless told). */
export function parleyPeer(name: string, provider: CryptoProvider, sizes: WorkloadSizes, version: RatchetVersion = 2): Peer {
  return {
    name,
    version: `${parleyVersion()} (${provider.name} provider)`,
    setupNote: version === 3
      ? 'PQ on: PQXDH with ML-KEM-1024 and the ML-KEM-768 ratchet (version 3 sessions, the default)'
      : 'PQ on: PQXDH with ML-KEM-1024; classic ratchet (version 2)',
    sizes,

    sessionSetup: (count) => withProvider(provider, async () => {
      const alice = generateIdentityKeyPair(systemRandom);
      const bobs = Array.from({ length: count }, responder);
      const plaintext = payload(100, 0);
      return () => {
        for (const bob of bobs) setUpSession(alice, bob, plaintext);
        return count;
      };
    }),

    oneWay: (messages, size) => withProvider(provider, async () => {
      const pair = ratchetPair(version);
      const plaintext = payload(size, 2);
      return () => {
        const sent: Bytes[] = [];
        for (let i = 0; i < messages; i++) {
          const r = ratchetEncrypt(pair.alice, plaintext, systemRandom);
          pair.alice = r.state;
          sent.push(r.message);
        }
        for (const m of sent) pair.bob = ratchetDecrypt(pair.bob, m, systemRandom).state;
        return messages;
      };
    }),

    groupMessages: (messages, size) => withProvider(provider, async () => {
      const g = groupWith(1);
      const plaintext = payload(size, 4);
      return () => {
        for (let i = 0; i < messages; i++) {
          const sent = groupEncrypt(g.alice, plaintext);
          g.alice = sent.session;
          g.bob = groupDecrypt(g.bob, sent.message).session;
        }
        return messages;
      };
    }),

    groupSenderCost: (members, rotations) => withProvider(provider, async () => {
      // One real ratchet session, used as every member's starting state (the per-member cost does not
      // depend on key values); a fresh sender key each rotation, as after a member leaves (§8.9).
      let alice = groupWith(members - 1).alice;
      const pairwise = ratchetPair(version).alice;
      const plaintext = payload(100, 5);
      return () => {
        for (let r = 0; r < rotations; r++) {
          const sent = groupSend({ ...alice, senderKey: null, pendingRecipients: [] }, plaintext, systemRandom);
          for (const d of sent.distributions) ratchetEncrypt(pairwise, d.payload, systemRandom);
          alice = sent.session;
        }
        return rotations;
      };
    }),

    pingPong: (messages, size) => withProvider(provider, async () => {
      const pair = ratchetPair(version);
      const plaintext = payload(size, 3);
      return () => {
        for (let i = 0; i < messages; i++) {
          if (i % 2 === 0) {
            const r = ratchetEncrypt(pair.alice, plaintext, systemRandom);
            pair.alice = r.state;
            pair.bob = ratchetDecrypt(pair.bob, r.message, systemRandom).state;
          } else {
            const r = ratchetEncrypt(pair.bob, plaintext, systemRandom);
            pair.bob = r.state;
            pair.alice = ratchetDecrypt(pair.alice, r.message, systemRandom).state;
          }
        }
        return messages;
      };
    }),
  };
}

export async function parleyPeers(): Promise<ParleyPeers> {
  return {
    peers: [
      // Version 3, what sessions run by default: the fair match for libsignal-client, which always runs its PQ ratchet.
      parleyPeer('Parley (noble)', nobleProvider, { sessions: 20, oneWay: 5_000, pingPong: 300, group: 2_000 }, 3),
      parleyPeer('Parley (node)', nodeCryptoProvider, { sessions: 100, oneWay: 10_000, pingPong: 2_000, group: 5_000 }, 3),
    ],
  };
}
