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
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../src/ratchet/index.js';
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

/** Two ratchet states as PQXDH leaves them (shared secret, Bob's signed prekey as his first ratchet key), after one round trip. */
function ratchetPair(): Pair {
  const sharedSecret = systemRandom(32);
  const associatedData = systemRandom(64);
  const bobKey = generateX25519KeyPair(systemRandom);
  let alice = initSender({ sharedSecret, peerRatchetKey: bobKey.publicKey, associatedData, random: systemRandom });
  let bob = initReceiver({ sharedSecret, ownRatchetKeyPair: bobKey, associatedData });
  const first = ratchetEncrypt(alice, payload(10, 0), systemRandom);
  alice = first.state;
  bob = ratchetDecrypt(bob, first.message, systemRandom).state;
  const reply = ratchetEncrypt(bob, payload(10, 1), systemRandom);
  bob = reply.state;
  alice = ratchetDecrypt(alice, reply.message, systemRandom).state;
  return { alice, bob };
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

function parleyPeer(name: string, provider: CryptoProvider, sizes: WorkloadSizes): Peer {
  return {
    name,
    version: `${parleyVersion()} (${provider.name} provider)`,
    setupNote: 'PQ on: PQXDH with ML-KEM-1024',
    sizes,

    oneWay: (messages, size) => withProvider(provider, async () => {
      const pair = ratchetPair();
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

    pingPong: (messages, size) => withProvider(provider, async () => {
      const pair = ratchetPair();
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
      parleyPeer('Parley (noble)', nobleProvider, { sessions: 20, oneWay: 5_000, pingPong: 300, group: 2_000 }),
      parleyPeer('Parley (node)', nodeCryptoProvider, { sessions: 100, oneWay: 10_000, pingPong: 2_000, group: 5_000 }),
    ],
    missing: 'session setup waits for src/handshake, group rows for src/group',
  };
}
