/**
 * The client's sections of the provisioning payload (protocol.md §12.4.6,
 * spec/client.md §10.4): contacts as contact entries, the groups (for the new
 * device to show; it joins through their admins), settings, and — as the
 * contact entry of our own account — how the new device reaches its siblings.
 */
import { equalBytes, fromHex, utf8, type Bytes } from '../../crypto/index.js';
import type { DeviceList } from '../../identity/index.js';
import { encodeDeviceList } from '../../identity/index.js';
import type { LinkPayload } from '../../wire/index.js';
import { decodeContactEntry, encodeContactEntry, type ContactEntry, type DeviceAddress } from '../../wire/client/contact-entry.js';
import { decodeLinkGroupEntry, encodeLinkGroupEntry, type LinkGroupEntry } from '../../wire/client/link-group.js';
import type { ClientContext } from '../context.js';
import { contactEntries } from '../devices/index.js';
import { groupInfo } from '../groups/state.js';

/** The one setting sent today: the display name, UTF-8. */
export const DISPLAY_NAME_SETTING = 'displayName';

/**
 * The payload for device `deviceId` of `list`. `token` is the token we
 * registered for the new device: with our mailbox, it is how the new device
 * reaches us; our other siblings' addresses travel with the tokens they gave
 * us (bearer tokens, client.md §10.2), so it can announce itself to them too.
 */
export function buildLinkPayload(ctx: ClientContext, p: { list: DeviceList; deviceId: number; token: Bytes; history?: Bytes }): LinkPayload {
  const accountKey = ctx.identity.publicKey;
  const siblings: DeviceAddress[] = [{ key: accountKey, mailbox: ctx.mailbox as Bytes, token: p.token }];
  for (const s of ctx.account?.siblings ?? []) {
    if (s.mailbox !== undefined && s.token !== undefined) siblings.push({ key: s.key, mailbox: s.mailbox, token: s.token });
  }
  const own: ContactEntry = {
    accountKey, relay: ctx.relayUrl, deviceList: encodeDeviceList(p.list), devices: siblings, verified: true, blocked: false,
    ...(ctx.displayName !== undefined && { name: ctx.displayName }),
  };
  return {
    account: accountKey, deviceList: encodeDeviceList(p.list), deviceId: p.deviceId,
    contacts: [own, ...contactEntries(ctx)].map(encodeContactEntry),
    groups: groupEntries(ctx).map(encodeLinkGroupEntry),
    settings: ctx.displayName === undefined ? [] : [{ name: DISPLAY_NAME_SETTING, value: utf8(ctx.displayName) }],
    ...(p.history !== undefined && { history: p.history }),
  };
}

function groupEntries(ctx: ClientContext): LinkGroupEntry[] {
  return ctx.groups.ids().map((id) => {
    const g = groupInfo(ctx, id);
    return { id: fromHex(id), name: g.name, channel: g.mode === 'channel', admin: g.admin };
  });
}

/** What the new device takes from a verified payload. */
export interface ReceivedPayload {
  readonly contacts: ContactEntry[];
  /** Our siblings' addresses, from the entry of our own account. */
  readonly siblings: DeviceAddress[];
  readonly groups: LinkGroupEntry[];
  readonly displayName?: string;
}

/** Splits the payload's entries (each already bounded by its codec; a bad one is MALFORMED and ends the link). */
export function readLinkPayload(payload: LinkPayload): ReceivedPayload {
  const entries = payload.contacts.map(decodeContactEntry);
  const own = entries.filter((e) => equalBytes(e.accountKey, payload.account));
  const name = payload.settings.find((s) => s.name === DISPLAY_NAME_SETTING);
  return {
    contacts: entries.filter((e) => !equalBytes(e.accountKey, payload.account)),
    siblings: own.flatMap((e) => e.devices),
    groups: payload.groups.map(decodeLinkGroupEntry),
    ...(name !== undefined && { displayName: new TextDecoder().decode(name.value) }), // shown only: bad bytes become U+FFFD
  };
}
