/**
 * The prekey lifecycle of this device (protocol.md §4.3–§4.6 for the keys,
 * relay.md for the directory): the first publication, and topping the
 * one-time prekeys up when the relay reports them low.
 */
import type { RandomSource } from '../../crypto/index.js';
import {
  addKemPreKeys, addOneTimePreKeys, createPreKeyState, encodePreKeyState, preKeyUpload, type IdentityKeyPair, type PreKeyState,
} from '../../identity/index.js';
import { put } from '../../store/index.js';
import { encodeKemPreKey, encodeOneTimePreKey, encodeSignedPreKey } from '../../wire/prekeys.js';
import type { ClientContext } from '../context.js';
import type { PreKeyUpload } from '../transport/relay-api.js';

/** One-time prekeys of each kind kept published; replenished up to this when the relay says "low". */
export const ONE_TIME_PREKEY_TARGET = 50;
export const KEM_PREKEY_TARGET = 20;

export function newPreKeyState(identity: IdentityKeyPair, random: RandomSource, now: number): PreKeyState {
  return createPreKeyState({ identity, now, random, oneTimePreKeys: ONE_TIME_PREKEY_TARGET, kemPreKeys: KEM_PREKEY_TARGET });
}

/** Everything we hold, encoded for the relay (first publication, or after the relay lost it). */
export function fullUpload(state: PreKeyState, identity: IdentityKeyPair): PreKeyUpload {
  const u = preKeyUpload(state, identity.publicKey);
  return {
    signedPreKey: encodeSignedPreKey(u.signedPreKey),
    lastResortKemPreKey: encodeKemPreKey(u.lastResortKemPreKey),
    oneTimePreKeys: u.oneTimePreKeys.map(encodeOneTimePreKey),
    kemOneTimePreKeys: u.kemPreKeys.map(encodeKemPreKey),
  };
}

/** Tops the one-time prekeys up to the targets, given how many the relay still has. */
export function replenish(
  state: PreKeyState, identity: IdentityKeyPair, published: { oneTime: number; kem: number }, random: RandomSource, now: number,
): { state: PreKeyState; upload: PreKeyUpload } {
  const a = addOneTimePreKeys(state, Math.max(0, ONE_TIME_PREKEY_TARGET - published.oneTime), random);
  const b = addKemPreKeys(a.state, identity, Math.max(0, KEM_PREKEY_TARGET - published.kem), now, random);
  return { state: b.state, upload: { oneTimePreKeys: a.preKeys.map(encodeOneTimePreKey), kemOneTimePreKeys: b.preKeys.map(encodeKemPreKey) } };
}

/** Publishes everything once per store; afterwards only replenishes. */
export async function publishPreKeys(ctx: ClientContext): Promise<void> {
  const published = await ctx.store.get('identity', 'published');
  if (published !== undefined) return replenishPreKeys(ctx);
  await ctx.relay.publishPreKeys(fullUpload(ctx.preKeys, ctx.identity));
  await ctx.store.write([put('identity', 'published', Uint8Array.of(1))]);
}

/** Asks the relay how many one-time prekeys remain; commits new ones before uploading them. */
export async function replenishPreKeys(ctx: ClientContext): Promise<void> {
  const counts = await ctx.relay.preKeyCounts();
  const { upload } = await ctx.lane.run(async () => {
    const r = replenish(ctx.preKeys, ctx.identity, counts, ctx.random, ctx.now());
    if (r.upload.oneTimePreKeys.length + r.upload.kemOneTimePreKeys.length === 0) return r;
    await ctx.store.write([put('prekeys', 'state', encodePreKeyState(r.state))]);
    ctx.preKeys = r.state;
    return r;
  });
  if (upload.oneTimePreKeys.length + upload.kemOneTimePreKeys.length > 0) await ctx.relay.publishPreKeys(upload);
}
