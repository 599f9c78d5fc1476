/**
 * Blindness (relay.md §11): a real encrypted conversation — Double Ratchet
 * messages in sealed-sender envelopes — goes through a SQLite relay; then the
 * relay's files are scanned byte for byte: no plaintext, and no identity key
 * of the sealed sender. A control envelope sent in clear shows the scan finds
 * what is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { equalBytes, generateEd25519KeyPair, generateX25519KeyPair, systemRandom, type Bytes } from '../../src/crypto/index.js';
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../src/ratchet/index.js';
import { seal, unseal } from '../../src/session/index.js';
import type { TestClient } from './client.js';
import { bytesOf, connect, login, publishAll, relay, tempDir, textOf } from './harness.js';

function contains(haystack: Buffer, needle: Bytes): boolean {
  return haystack.indexOf(Buffer.from(needle)) !== -1;
}

/** Every file under the relay's data directory (the database, its WAL, the blob store's tree), concatenated. */
function relayFiles(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir, { withFileTypes: true }).map((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? relayFiles(path) : readFileSync(path);
  }));
}

describe('relay blindness', () => {
  it('stores no plaintext and no sealed sender identity of a real encrypted conversation', async () => {
    const dataDir = tempDir();
    const r = await relay({ dataDir });
    const aliceId = generateEd25519KeyPair(systemRandom);
    const bob = await login(r.url);
    await publishAll(bob, 5, 2); // Bob is a directory owner: his own identity key is stored, by design.
    const toBob = await bob.invite();
    const alice = await login(r.url, aliceId); // Alice only receives here: she registers a token, publishes nothing.
    const toAlice = await alice.invite();
    const sender = await connect(r.url); // sealed sends go over an unauthenticated connection

    const sharedSecret = systemRandom(32);
    const associatedData = systemRandom(64);
    const bobRatchetKey = generateX25519KeyPair(systemRandom);
    let a: RatchetState = initSender({ sharedSecret, peerRatchetKey: bobRatchetKey.publicKey, associatedData, random: systemRandom });
    let b: RatchetState = initReceiver({ sharedSecret, ownRatchetKeyPair: bobRatchetKey, associatedData });
    const plaintexts: string[] = [];

    const deliver = async (from: typeof aliceId, fromState: RatchetState, to: TestClient, ref: typeof toBob, text: string): Promise<RatchetState> => {
      const { state, message } = ratchetEncrypt(fromState, bytesOf(text), systemRandom);
      const envelope = seal({ identity: from, recipientIdentityKey: to.identity.publicKey, content: message, random: systemRandom });
      await sender.request({ type: 'send', ...ref, data: envelope });
      plaintexts.push(text);
      return state;
    };
    const receive = async (to: TestClient, state: RatchetState, expectedSender: Bytes): Promise<{ state: RatchetState; text: string }> => {
      const d = (await to.waitFor('deliver', to.deliveries().length))[to.deliveries().length - 1]!;
      const opened = unseal({ identity: to.identity, envelope: d.data });
      expect(equalBytes(opened.senderIdentityKey, expectedSender)).toBe(true);
      const out = ratchetDecrypt(state, opened.content, systemRandom);
      return { state: out.state, text: textOf(out.plaintext) };
    };

    for (let round = 0; round < 5; round++) {
      const toB = `PLAINTEXT-MARKER alice->bob ${round} meet at the usual place`;
      a = await deliver(aliceId, a, bob, toBob, toB);
      await bob.waitFor('deliver', round + 1);
      const rb = await receive(bob, b, aliceId.publicKey);
      b = rb.state;
      expect(rb.text).toBe(toB);
      const toA = `PLAINTEXT-MARKER bob->alice ${round} agreed`;
      b = await deliver(bob.identity, b, alice, toAlice, toA);
      await alice.waitFor('deliver', round + 1);
      const ra = await receive(alice, a, bob.identity.publicKey);
      a = ra.state;
      expect(ra.text).toBe(toA);
    }
    // Leave half of Bob's envelopes unacknowledged (still stored), ack the rest.
    await bob.request({ type: 'ack', ids: bob.deliveries().slice(0, 2).map((d) => d.eid) });

    // Control: an envelope sent in clear is found by the same scan.
    const control = bytesOf('CONTROL-CLEARTEXT-ENVELOPE');
    await sender.request({ type: 'send', ...toBob, data: control });

    const scan = (files: Buffer): void => {
      expect(contains(files, control)).toBe(true);
      expect(contains(files, bytesOf('PLAINTEXT-MARKER'))).toBe(false);
      for (const p of plaintexts) expect(contains(files, bytesOf(p))).toBe(false);
      expect(contains(files, aliceId.publicKey)).toBe(false);
      expect(contains(files, toBob.token)).toBe(false);
      expect(contains(files, toAlice.token)).toBe(false);
    };
    scan(relayFiles(dataDir)); // live: the WAL holds the recent writes
    await r.close();
    scan(relayFiles(dataDir)); // after the final checkpoint
  });
});
