/**
 * The prekey lifecycle of this device (protocol.md §4.3–§4.6 for the keys,
 * relay.md for the directory): the first publication, and topping the
 * one-time prekeys up when the relay reports them low — reconciled with what
 * the relay still holds, so fetches by a token holder can never push the
 * state past its caps (client.md §5.3).
 */
import { MAX_KEM_PREKEYS, MAX_ONE_TIME_PREKEYS, SIGNED_PREKEY_GRACE_PERIOD } from '../../constants.js';
import type { RandomSource } from '../../crypto/index.js';
import { redact } from '../../crypto/redact.js';
import type { IdentityKeyPair } from '../../identity/identity-key.js';
import { encodePreKeyState } from '../../identity/prekey-state-codec.js';
import {
  addKemPreKeys, addOneTimePreKeys, createPreKeyState, preKeyUpload, pruneRetiredPreKeys, rotateSignedPreKey, type PreKeyState,
} from '../../identity/prekeys.js';
import { put } from '../../store/index.js';
import { encodeKemPreKey, encodeOneTimePreKey, encodeSignedPreKey } from '../../wire/prekeys.js';
import type { ClientContext } from '../context.js';
import { isClientError } from '../errors.js';
import type { PreKeyCounts, PreKeyUpload } from '../transport/relay-api.js';

/** One-time prekeys of each kind kept published; replenished up to this when the relay says "low". */
export const ONE_TIME_PREKEY_TARGET = 50;
export const KEM_PREKEY_TARGET = 20;
/**
 * How long a one-time prekey the relay has handed out (and no session used)
 * is kept, counted from when the device first sees it gone from the relay:
 * the relay's longest envelope TTL (relay.md ttlSeconds), after which no
 * initial message built on it can still be delivered. The caps bound it
 * sooner: at most cap − target such keys are kept, oldest dropped first.
 */
export const FETCHED_PREKEY_MAX_AGE = 30 * 24 * 60 * 60 * 1000;

/**
 * How often the signed prekey and the last-resort KEM prekey are replaced
 * (protocol.md §4.6, client.md §5.3). Not shorter than the grace period, so
 * a retired pair always gets its whole grace before the next rotation.
 */
export const SIGNED_PREKEY_ROTATION_INTERVAL = SIGNED_PREKEY_GRACE_PERIOD;

/** When each held one-time prekey was first seen gone from the relay (ids → ms), per kind. */
export interface FetchedPreKeys {
  readonly oneTime: ReadonlyMap<number, number>;
  readonly kem: ReadonlyMap<number, number>;
}

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

/**
 * Which held keys (ascending ids) the relay no longer has, and which of them
 * to keep. The relay hands out the oldest first (relay.md §2.1), so the
 * `held − published` lowest ids are the fetched ones; they are kept until
 * FETCHED_PREKEY_MAX_AGE after first seen gone, and at most `cap − target` of
 * them (the newest).
 */
function reconcileKind<T extends { readonly id: number }>(
  held: readonly T[], published: number, seen: ReadonlyMap<number, number>, now: number, keep: number,
): { held: T[]; seen: Map<number, number> } {
  const gone = Math.max(0, held.length - Math.max(0, published));
  const fetched = held.slice(0, gone);
  const stillPublished = held.slice(gone);
  const nextSeen = new Map<number, number>();
  const kept: T[] = [];
  for (const k of fetched) {
    const since = seen.get(k.id) ?? now;
    if (now - since >= FETCHED_PREKEY_MAX_AGE) continue;
    kept.push(k);
    nextSeen.set(k.id, since);
  }
  const dropped = kept.splice(0, Math.max(0, kept.length - keep));
  for (const k of dropped) nextSeen.delete(k.id);
  return { held: [...kept, ...stillPublished], seen: nextSeen };
}

/**
 * Reconciles the held one-time prekeys with the relay's counts (dropping
 * fetched keys that expired or exceed the caps), then tops them up to the
 * targets. Never exceeds a cap, so never throws INVALID_STATE.
 */
export function replenish(
  state: PreKeyState, identity: IdentityKeyPair, published: PreKeyCounts, random: RandomSource, now: number,
  fetched: FetchedPreKeys = { oneTime: new Map(), kem: new Map() },
): { state: PreKeyState; upload: PreKeyUpload; fetched: FetchedPreKeys; changed: boolean } {
  const ot = reconcileKind(state.oneTimePreKeys, published.oneTime, fetched.oneTime, now, MAX_ONE_TIME_PREKEYS - ONE_TIME_PREKEY_TARGET);
  const kem = reconcileKind(state.kemPreKeys, published.kem, fetched.kem, now, MAX_KEM_PREKEYS - KEM_PREKEY_TARGET);
  const reconciled = redact({ ...state, oneTimePreKeys: ot.held, kemPreKeys: kem.held }, 'PreKeyState');
  const wantOt = Math.min(Math.max(0, ONE_TIME_PREKEY_TARGET - published.oneTime), MAX_ONE_TIME_PREKEYS - ot.held.length);
  const wantKem = Math.min(Math.max(0, KEM_PREKEY_TARGET - published.kem), MAX_KEM_PREKEYS - kem.held.length);
  const a = addOneTimePreKeys(reconciled, Math.max(0, wantOt), random);
  const b = addKemPreKeys(a.state, identity, Math.max(0, wantKem), now, random);
  const changed = wantOt > 0 || wantKem > 0
    || ot.held.length !== state.oneTimePreKeys.length || kem.held.length !== state.kemPreKeys.length
    || !sameSeen(ot.seen, fetched.oneTime) || !sameSeen(kem.seen, fetched.kem);
  return {
    state: b.state,
    upload: { oneTimePreKeys: a.preKeys.map(encodeOneTimePreKey), kemOneTimePreKeys: b.preKeys.map(encodeKemPreKey) },
    fetched: { oneTime: ot.seen, kem: kem.seen },
    changed,
  };
}

function sameSeen(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  return a.size === b.size && [...a].every(([id, t]) => b.get(id) === t);
}

/** Publishes everything once per store; afterwards only replenishes. */
export async function publishPreKeys(ctx: ClientContext): Promise<void> {
  const published = await ctx.store.get('identity', 'published');
  if (published !== undefined) return replenishPreKeys(ctx);
  await ctx.relay.publishPreKeys(fullUpload(ctx.preKeys, ctx.identity));
  await ctx.store.write([
    put('identity', 'published', Uint8Array.of(1)), put('prekeys', 'published-signed', encodeId(ctx.preKeys.signedPreKey.id)),
  ]);
}

/**
 * Asks the relay how many one-time prekeys remain, reconciles, and commits
 * the new state (with the fetched-key record) before uploading the new keys.
 */
export function replenishPreKeys(ctx: ClientContext): Promise<void> {
  // One at a time (ClientContext.upkeep): concurrent ones would both top up from the same counts.
  const next = (ctx.upkeep.replenishing ?? Promise.resolve()).catch(() => undefined).then(() => replenishOnce(ctx));
  ctx.upkeep.replenishing = next;
  return next;
}

async function replenishOnce(ctx: ClientContext): Promise<void> {
  const counts = await ctx.relay.preKeyCounts();
  const { upload } = await ctx.lane.run(async () => {
    const r = replenish(ctx.preKeys, ctx.identity, counts, ctx.random, ctx.now(), await loadFetched(ctx));
    if (!r.changed) return r;
    await ctx.store.write([put('prekeys', 'state', encodePreKeyState(r.state)), put('prekeys', 'fetched', encodeFetched(r.fetched))]);
    ctx.preKeys = r.state;
    return r;
  });
  if (upload.oneTimePreKeys.length + upload.kemOneTimePreKeys.length > 0) await ctx.relay.publishPreKeys(upload);
}

/**
 * The relay said "low": replenish once this connection's setup is done (it
 * may arrive before the connection counts as authenticated). A loss of the
 * connection meanwhile is not an error: the next connection replenishes.
 */
export function onPreKeysLow(ctx: ClientContext): void {
  void ctx.relay.whenConnected().then(() => replenishPreKeys(ctx)).catch((error: unknown) => {
    if (isClientError(error) && (error.code === 'NOT_CONNECTED' || error.code === 'CLOSED')) return;
    ctx.events.emit('error', { error });
  });
}

// ── rotation (protocol.md §4.6) ──────────────────────────────────────────────

/**
 * Rotates the signed prekey and the last-resort KEM prekey once they are
 * SIGNED_PREKEY_ROTATION_INTERVAL old, prunes the retired pair after its
 * grace period, and publishes the current pair if the relay may not have it
 * yet (`prekeys/published-signed` records the id last published).
 */
export async function rotatePreKeys(ctx: ClientContext): Promise<void> {
  const now = ctx.now();
  await ctx.lane.run(async () => {
    let state = pruneRetiredPreKeys(ctx.preKeys, now);
    if (now >= state.signedPreKey.createdAt + SIGNED_PREKEY_ROTATION_INTERVAL) state = rotateSignedPreKey(state, ctx.identity, now, ctx.random);
    if (state === ctx.preKeys) return;
    await ctx.store.write([put('prekeys', 'state', encodePreKeyState(state))]);
    ctx.preKeys = state;
  });
  const published = await ctx.store.get('prekeys', 'published-signed');
  const current = ctx.preKeys;
  if (published !== undefined && decodeId(published) === current.signedPreKey.id) return;
  const u = fullUpload(current, ctx.identity);
  await ctx.relay.publishPreKeys({
    signedPreKey: u.signedPreKey, lastResortKemPreKey: u.lastResortKemPreKey, oneTimePreKeys: [], kemOneTimePreKeys: [],
  });
  await ctx.store.write([put('prekeys', 'published-signed', encodeId(current.signedPreKey.id))]);
}

function encodeId(id: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, id);
  return out;
}

function decodeId(bytes: Uint8Array): number {
  return bytes.length === 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) : -1;
}

// ── the fetched-key record (store `prekeys/fetched`) ─────────────────────────

async function loadFetched(ctx: ClientContext): Promise<FetchedPreKeys> {
  const bytes = await ctx.store.get('prekeys', 'fetched');
  return bytes === undefined ? { oneTime: new Map(), kem: new Map() } : decodeFetched(bytes);
}

/** u32 one-time count, u32 KEM count, then (u32 id, f64 ms) entries, big-endian. */
export function encodeFetched(f: FetchedPreKeys): Uint8Array {
  const entries = [...f.oneTime, ...f.kem];
  const out = new Uint8Array(8 + entries.length * 12);
  const v = new DataView(out.buffer);
  v.setUint32(0, f.oneTime.size);
  v.setUint32(4, f.kem.size);
  entries.forEach(([id, t], i) => {
    v.setUint32(8 + i * 12, id);
    v.setFloat64(12 + i * 12, t);
  });
  return out;
}

/** Anything unreadable reads as "nothing recorded" (keys are then timed from now). */
export function decodeFetched(bytes: Uint8Array): FetchedPreKeys {
  const empty = { oneTime: new Map<number, number>(), kem: new Map<number, number>() };
  if (bytes.length < 8) return empty;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nOt = v.getUint32(0);
  const nKem = v.getUint32(4);
  if (bytes.length !== 8 + (nOt + nKem) * 12) return empty;
  const read = (from: number, n: number): Map<number, number> => {
    const m = new Map<number, number>();
    for (let i = from; i < from + n; i++) m.set(v.getUint32(8 + i * 12), v.getFloat64(12 + i * 12));
    return m;
  };
  return { oneTime: read(0, nOt), kem: read(nOt, nKem) };
}
