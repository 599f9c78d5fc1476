/** Relay authentication (relay.md §3–§4): challenge binding, replay refusal, mailbox ids. */
import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, fromHex, generateEd25519KeyPair, sign, systemRandom, verify } from '../../src/crypto/index.js';
import { authPayload, deriveMailboxId, deriveRelayId, hashToken } from '../../relay/auth.js';
import { CLOSE_REPLACED } from '../../relay/close-codes.js';
import { addPoints, bigintToLe, challenge, decodePoint, encodePoint, L, mod, secretScalar } from '../property/ed25519-points.js';
import { connect, login, relay } from './harness.js';

const ORDER_8 = '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05';

describe('relay authentication', () => {
  it('authenticates a device and returns its mailbox id, stable across connections and opaque', async () => {
    const r = await relay();
    const id = generateEd25519KeyPair(systemRandom);
    const a = await login(r.url, id);
    a.close();
    const b = await login(r.url, id);
    expect(a.mailbox).toHaveLength(16);
    expect(equalBytes(a.mailbox!, b.mailbox!)).toBe(true);
    // Opaque: not a prefix of (or a plain hash of) the key.
    expect(equalBytes(a.mailbox!, id.publicKey.slice(0, 16))).toBe(false);
    const other = await relay();
    const c = await login(other.url, id);
    expect(equalBytes(c.mailbox!, a.mailbox!)).toBe(false);
  });

  it('refuses a signature replayed on another connection of the same relay (AUTH_FAILED)', async () => {
    const r = await relay();
    const id = generateEd25519KeyPair(systemRandom);
    const first = await connect(r.url);
    const signature = sign(id.privateKey, authPayload(first.challenge.relayId, first.challenge.nonce, id.publicKey));
    await expect(first.request({ type: 'auth', identityKey: id.publicKey, signature })).resolves.toMatchObject({ re: 'auth' });
    const second = await connect(r.url);
    expect(equalBytes(second.challenge.nonce, first.challenge.nonce)).toBe(false);
    await expect(second.request({ type: 'auth', identityKey: id.publicKey, signature })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('refuses a signature made for another relay (AUTH_FAILED)', async () => {
    const r1 = await relay();
    const r2 = await relay();
    const id = generateEd25519KeyPair(systemRandom);
    const c1 = await connect(r1.url);
    const c2 = await connect(r2.url);
    expect(equalBytes(c1.challenge.relayId, c2.challenge.relayId)).toBe(false);
    // Even with the same nonce, the relay id differs: sign for r1, present to r2.
    const signature = sign(id.privateKey, authPayload(c1.challenge.relayId, c2.challenge.nonce, id.publicKey));
    await expect(c2.request({ type: 'auth', identityKey: id.publicKey, signature })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('refuses a signature by another key, and a second auth on one connection', async () => {
    const r = await relay();
    const c = await connect(r.url);
    const id = generateEd25519KeyPair(systemRandom);
    const mallory = generateEd25519KeyPair(systemRandom);
    const forged = sign(mallory.privateKey, authPayload(c.challenge.relayId, c.challenge.nonce, id.publicKey));
    await expect(c.request({ type: 'auth', identityKey: id.publicKey, signature: forged })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await c.auth();
    await expect(c.auth()).rejects.toMatchObject({ code: 'ALREADY_AUTHENTICATED' });
  });

  it('refuses a mixed-order identity key A + T8 whose signature the cofactored rule accepts: one key cannot open a second mailbox (AUTH_FAILED)', async () => {
    const r = await relay();
    const c = await connect(r.url);
    const id = generateEd25519KeyPair(systemRandom);
    const nonce = generateEd25519KeyPair(systemRandom);
    const mixed = encodePoint(addPoints(decodePoint(id.publicKey), decodePoint(fromHex(ORDER_8))));
    const payload = authPayload(c.challenge.relayId, c.challenge.nonce, mixed);
    const s = mod(secretScalar(nonce.privateKey) + challenge(nonce.publicKey, mixed, payload) * secretScalar(id.privateKey), L);
    const signature = concatBytes(nonce.publicKey, bigintToLe(s));
    expect(verify(mixed, payload, signature)).toBe(true); // VERIFY alone accepts it (protocol.md §2)
    await expect(c.request({ type: 'auth', identityKey: mixed, signature })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(c.auth()).resolves.toBeDefined(); // the connection may try again, with a valid key
  });

  it('requires authentication for owner operations (AUTH_REQUIRED)', async () => {
    const r = await relay();
    const c = await connect(r.url);
    for (const body of [
      { type: 'counts' }, { type: 'ack', ids: [1] }, { type: 'token_add', token: systemRandom(16) },
      { type: 'token_revoke', token: systemRandom(16) }, { type: 'publish', oneTime: [], kemOneTime: [] },
    ] as const) {
      await expect(c.request(body)).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    }
  });

  it('closes the older connection with 4005 when the same identity authenticates again', async () => {
    const r = await relay();
    const id = generateEd25519KeyPair(systemRandom);
    const a = await login(r.url, id);
    await login(r.url, id);
    await expect(a.closed).resolves.toMatchObject({ code: CLOSE_REPLACED });
  });

  it('derives ids byte-exactly as relay.md §3–§5 states', () => {
    const secret = new Uint8Array(32).fill(7);
    const key = new Uint8Array(32).fill(9);
    expect(deriveRelayId(secret)).toHaveLength(32);
    expect(deriveMailboxId(secret, key)).toHaveLength(16);
    expect(hashToken(new Uint8Array(16))).toHaveLength(32);
    expect(authPayload(new Uint8Array(32), new Uint8Array(32), key)).toHaveLength(20 + 96);
  });
});
