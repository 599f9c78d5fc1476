/**
 * The primary catches up with its own list at the relay (spec/client.md
 * §10.4, §10.5): it publishes list n+1 (durable) before it commits it, so a
 * crash or a failed store write in between leaves the relay one list ahead.
 * Before signing the next list it fetches the lists above its own; each that
 * verifies under our account key and chains from the list we hold is ours —
 * we signed it and lost it — and is committed as if we had just signed it.
 * Anything else (a fork, a gap, a list that does not open) is a
 * `device-list-conflict`, as for a peer's list, and the change is refused:
 * signing over it would fork the chain at every peer.
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import { isProtocolError } from '../../errors.js';
import { advanceDeviceList, openDeviceList, type DeviceList } from '../../identity/index.js';
import type { ClientContext } from '../context.js';
import { commitOwnList, ownList } from '../devices/index.js';
import { ClientError } from '../errors.js';

/**
 * Adopts the lists of our account the relay holds above ours, oldest first. Runs in the list lane (listLane),
 * before a list is signed. A device such a list names whose address we never learned stays listed (devices()
 * shows it) until the user revokes it: its link never completed.
 */
export async function adoptRelayLists(ctx: ClientContext): Promise<void> {
  const fetch = ctx.relay.fetchDeviceLists;
  if (fetch === undefined) return; // a transport without the directory has no list we could have lost there
  const account = ctx.identity.publicKey;
  const since = ownList(ctx)?.version ?? 0;
  const fetched = await fetch.call(ctx.relay, account, since).catch(noListYet);
  for (const bytes of fetched) {
    const known = ownList(ctx) ?? null;
    const next = openOwn(ctx, bytes, account);
    if (known !== null && next.version <= known.version) continue; // a relay that answers more than asked: ours already
    refuseUnchained(ctx, known, next);
    await commitOwnList(ctx, bytes);
  }
}

/** An account that never published a list (a single-device account) is NO_DEVICE_LIST at the relay: nothing to adopt. */
function noListYet(e: unknown): readonly Bytes[] {
  if (e instanceof ClientError && e.code === 'RELAY_ERROR' && e.details['relayCode'] === 'NO_DEVICE_LIST') return [];
  throw e;
}

function openOwn(ctx: ClientContext, bytes: Bytes, account: Bytes): DeviceList {
  try {
    const list = openDeviceList(bytes);
    if (!equalBytes(list.account, account)) return conflict(ctx, 'UNTRUSTED_IDENTITY');
    return list;
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    return conflict(ctx, e.code);
  }
}

/** The next list must follow ours by protocol.md §12.3 — from nothing, only version 1 does (its previous is all zero, checked when it opened). */
function refuseUnchained(ctx: ClientContext, known: DeviceList | null, next: DeviceList): void {
  if (known === null && next.version !== 1) conflict(ctx, 'FUTURE_EPOCH');
  try {
    advanceDeviceList(known, next);
  } catch (e) {
    if (!isProtocolError(e)) throw e;
    conflict(ctx, e.code);
  }
}

function conflict(ctx: ClientContext, reason: string): never {
  ctx.events.emit('device-list-conflict', { account: toHex(ctx.identity.publicKey), reason });
  throw new ClientError('DEVICE_LIST_CONFLICT', 'the relay holds a list of our account that does not follow ours: no list is signed over it', { reason });
}
