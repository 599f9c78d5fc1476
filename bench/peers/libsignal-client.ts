/**
 * @signalapp/libsignal-client (Rust core behind a Node-API bridge), driven
 * through its public API only: PQXDH with a Kyber/ML-KEM prekey (its bundles
 * require one), the Double Ratchet, and Sender Keys.
 */
import { randomUUID } from 'node:crypto';
import * as Signal from '@signalapp/libsignal-client';
import { payload, type Peer } from '../peer.js';
import { packageVersion } from '../versions.js';
import {
  MemoryIdentityStore, MemoryKyberPreKeyStore, MemoryPreKeyStore, MemorySenderKeyStore, MemorySessionStore,
  MemorySignedPreKeyStore,
} from './libsignal-client-stores.js';

export interface Party {
  readonly address: Signal.ProtocolAddress;
  readonly identity: Signal.IdentityKeyPair;
  readonly sessions: MemorySessionStore;
  readonly identities: MemoryIdentityStore;
  readonly preKeys: MemoryPreKeyStore;
  readonly signedPreKeys: MemorySignedPreKeyStore;
  readonly kyberPreKeys: MemoryKyberPreKeyStore;
  readonly senderKeys: MemorySenderKeyStore;
}

let nextId = 1;

export function party(name: string): Party {
  const identity = Signal.IdentityKeyPair.generate();
  return {
    address: Signal.ProtocolAddress.new(name, 1),
    identity,
    sessions: new MemorySessionStore(),
    identities: new MemoryIdentityStore(identity.privateKey, nextId++ & 0x3fff),
    preKeys: new MemoryPreKeyStore(),
    signedPreKeys: new MemorySignedPreKeyStore(),
    kyberPreKeys: new MemoryKyberPreKeyStore(),
    senderKeys: new MemorySenderKeyStore(),
  };
}

/** Fresh one-time, signed and Kyber prekeys for `owner`, stored, and the bundle that publishes them. */
export async function bundle(owner: Party): Promise<Signal.PreKeyBundle> {
  const id = nextId++;
  const preKey = Signal.PrivateKey.generate();
  const signedPreKey = Signal.PrivateKey.generate();
  const signedSig = owner.identity.privateKey.sign(signedPreKey.getPublicKey().serialize());
  const kem = Signal.KEMKeyPair.generate();
  const kemSig = owner.identity.privateKey.sign(kem.getPublicKey().serialize());
  await owner.preKeys.savePreKey(id, Signal.PreKeyRecord.new(id, preKey.getPublicKey(), preKey));
  await owner.signedPreKeys.saveSignedPreKey(id, Signal.SignedPreKeyRecord.new(id, Date.now(), signedPreKey.getPublicKey(), signedPreKey, signedSig));
  await owner.kyberPreKeys.saveKyberPreKey(id, Signal.KyberPreKeyRecord.new(id, Date.now(), kem, kemSig));
  return Signal.PreKeyBundle.new(
    await owner.identities.getLocalRegistrationId(), owner.address.deviceId(), id, preKey.getPublicKey(), id,
    signedPreKey.getPublicKey(), signedSig, owner.identity.publicKey, id, kem.getPublicKey(), kemSig,
  );
}

export async function encrypt(from: Party, to: Party, plaintext: Uint8Array<ArrayBuffer>): Promise<Signal.CiphertextMessage> {
  return Signal.signalEncrypt(plaintext, to.address, from.address, from.sessions, from.identities);
}

export async function decrypt(to: Party, from: Party, message: Signal.CiphertextMessage): Promise<Uint8Array> {
  if (message.type() === Signal.CiphertextMessageType.PreKey) {
    return Signal.signalDecryptPreKey(
      Signal.PreKeySignalMessage.deserialize(message.serialize()), from.address, to.address, to.sessions,
      to.identities, to.preKeys, to.signedPreKeys, to.kyberPreKeys,
    );
  }
  return Signal.signalDecrypt(Signal.SignalMessage.deserialize(message.serialize()), from.address, to.address, to.sessions, to.identities);
}

/** A session in steady state: bundle processed, first message delivered, one reply received. */
async function pair(): Promise<{ alice: Party; bob: Party }> {
  const alice = party(`alice-${nextId++}`);
  const bob = party(`bob-${nextId++}`);
  await Signal.processPreKeyBundle(await bundle(bob), bob.address, alice.address, alice.sessions, alice.identities);
  await decrypt(bob, alice, await encrypt(alice, bob, payload(10, 0)));
  await decrypt(alice, bob, await encrypt(bob, alice, payload(10, 1)));
  return { alice, bob };
}

function kemDescription(): string {
  const pub = Signal.KEMKeyPair.generate().getPublicKey().serialize();
  return `Kyber prekey required in every bundle (KEM key type byte 0x${(pub[0] ?? 0).toString(16).padStart(2, '0')}, ${pub.length - 1}-byte public key)`;
}

export function libsignalClientPeer(): Peer {
  return {
    name: 'libsignal-client',
    version: packageVersion('@signalapp/libsignal-client'),
    setupNote: `PQ on: ${kemDescription()}`,
    sizes: { sessions: 100, oneWay: 2_000, pingPong: 1_000, group: 2_000 },

    sessionSetup: (count) => async () => {
      const alice = party('alice');
      const bobs: { bob: Party; bundle: Signal.PreKeyBundle }[] = [];
      for (let i = 0; i < count; i++) {
        const bob = party(`bob-${i}`);
        bobs.push({ bob, bundle: await bundle(bob) });
      }
      const first = payload(100, 0);
      return async () => {
        for (const { bob, bundle: b } of bobs) {
          await Signal.processPreKeyBundle(b, bob.address, alice.address, alice.sessions, alice.identities);
          await decrypt(bob, alice, await encrypt(alice, bob, first));
        }
        return count;
      };
    },

    oneWay: (messages, size) => async () => {
      const { alice, bob } = await pair();
      const plaintext = payload(size, 2);
      return async () => {
        const sent: Signal.CiphertextMessage[] = [];
        for (let i = 0; i < messages; i++) sent.push(await encrypt(alice, bob, plaintext));
        for (const m of sent) await decrypt(bob, alice, m);
        return messages;
      };
    },

    pingPong: (messages, size) => async () => {
      const { alice, bob } = await pair();
      const plaintext = payload(size, 3);
      return async () => {
        for (let i = 0; i < messages; i++) {
          const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
          await decrypt(to, from, await encrypt(from, to, plaintext));
        }
        return messages;
      };
    },

    groupMessages: (messages, size) => async () => {
      const alice = party('alice');
      const bob = party('bob');
      const distributionId = randomUUID();
      const skdm = await Signal.SenderKeyDistributionMessage.create(alice.address, distributionId, alice.senderKeys);
      await Signal.processSenderKeyDistributionMessage(alice.address, Signal.SenderKeyDistributionMessage.deserialize(skdm.serialize()), bob.senderKeys);
      const plaintext = payload(size, 4);
      return async () => {
        for (let i = 0; i < messages; i++) {
          const c = await Signal.groupEncrypt(alice.address, distributionId, alice.senderKeys, plaintext);
          await Signal.groupDecrypt(alice.address, bob.senderKeys, c.serialize());
        }
        return messages;
      };
    },

    groupSenderCost: (members, rotations) => async () => {
      // One real session, cloned to every other member's address: the per-member cost does not depend on key values.
      const { alice, bob } = await pair();
      const record = (await alice.sessions.getSession(bob.address))?.serialize();
      if (record === undefined) throw new Error('no session');
      const memberParties: Party[] = [];
      for (let i = 0; i < members - 1; i++) {
        const m = { ...bob, address: Signal.ProtocolAddress.new(`member-${i}`, 1) };
        await alice.sessions.saveSession(m.address, Signal.SessionRecord.deserialize(record));
        await alice.identities.saveIdentity(m.address, bob.identity.publicKey);
        memberParties.push(m);
      }
      const plaintext = payload(100, 5);
      return async () => {
        for (let r = 0; r < rotations; r++) {
          const distributionId = randomUUID();
          const skdm = (await Signal.SenderKeyDistributionMessage.create(alice.address, distributionId, alice.senderKeys)).serialize();
          for (const m of memberParties) await encrypt(alice, m, skdm);
          await Signal.groupEncrypt(alice.address, distributionId, alice.senderKeys, plaintext);
        }
        return rotations;
      };
    },
  };
}
