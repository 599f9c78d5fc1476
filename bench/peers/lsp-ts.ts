/**
 * @privacyresearch/libsignal-protocol-typescript (pure TS over WebCrypto),
 * driven through its public API only. It implements X3DH and the Double
 * Ratchet; it has neither a PQ KEM nor Sender Keys, so it has no group rows.
 */
import {
  KeyHelper, SessionBuilder, SessionCipher, SignalProtocolAddress, type DeviceType, type MessageType,
} from '@privacyresearch/libsignal-protocol-typescript';
import { payload, type Peer } from '../peer.js';
import { packageVersion } from '../versions.js';
import { MemoryLspStore } from './lsp-ts-store.js';

interface Party {
  readonly name: string;
  readonly address: SignalProtocolAddress;
  readonly store: MemoryLspStore;
  readonly identityPublic: ArrayBuffer;
}

let nextId = 1;

async function party(name: string): Promise<Party> {
  const identity = await KeyHelper.generateIdentityKeyPair();
  return {
    name,
    address: new SignalProtocolAddress(name, 1),
    store: new MemoryLspStore(identity, KeyHelper.generateRegistrationId()),
    identityPublic: identity.pubKey,
  };
}

async function bundle(owner: Party): Promise<DeviceType> {
  const id = nextId++;
  const identity = await owner.store.getIdentityKeyPair();
  const preKey = await KeyHelper.generatePreKey(id);
  const signedPreKey = await KeyHelper.generateSignedPreKey(identity, id);
  await owner.store.storePreKey(id, preKey.keyPair);
  await owner.store.storeSignedPreKey(id, signedPreKey.keyPair);
  return {
    identityKey: owner.identityPublic,
    registrationId: await owner.store.getLocalRegistrationId(),
    preKey: { keyId: id, publicKey: preKey.keyPair.pubKey },
    signedPreKey: { keyId: id, publicKey: signedPreKey.keyPair.pubKey, signature: signedPreKey.signature },
  };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function encrypt(from: Party, to: Party, plaintext: Uint8Array): Promise<MessageType> {
  return new SessionCipher(from.store, to.address).encrypt(toArrayBuffer(plaintext));
}

async function decrypt(to: Party, from: Party, message: MessageType): Promise<ArrayBuffer> {
  const cipher = new SessionCipher(to.store, from.address);
  if (message.body === undefined) throw new Error('empty message');
  return message.type === 3
    ? cipher.decryptPreKeyWhisperMessage(message.body, 'binary')
    : cipher.decryptWhisperMessage(message.body, 'binary');
}

async function pair(): Promise<{ alice: Party; bob: Party }> {
  const alice = await party(`alice-${nextId++}`);
  const bob = await party(`bob-${nextId++}`);
  await new SessionBuilder(alice.store, bob.address).processPreKey(await bundle(bob));
  await decrypt(bob, alice, await encrypt(alice, bob, payload(10, 0)));
  await decrypt(alice, bob, await encrypt(bob, alice, payload(10, 1)));
  return { alice, bob };
}

export function lspTsPeer(): Peer {
  return {
    name: 'libsignal-protocol-typescript',
    version: packageVersion('@privacyresearch/libsignal-protocol-typescript'),
    setupNote: 'PQ off: X3DH only (no KEM support)',
    sizes: { sessions: 10, oneWay: 300, pingPong: 30, group: 0 },

    sessionSetup: (count) => async () => {
      const alice = await party('alice');
      const bobs: { bob: Party; device: DeviceType }[] = [];
      for (let i = 0; i < count; i++) {
        const bob = await party(`bob-${i}`);
        bobs.push({ bob, device: await bundle(bob) });
      }
      const first = payload(100, 0);
      return async () => {
        for (const { bob, device } of bobs) {
          await new SessionBuilder(alice.store, bob.address).processPreKey(device);
          await decrypt(bob, alice, await encrypt(alice, bob, first));
        }
        return count;
      };
    },

    oneWay: (messages, size) => async () => {
      const { alice, bob } = await pair();
      const plaintext = payload(size, 2);
      return async () => {
        const sent: MessageType[] = [];
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
  };
}
