/**
 * Two contacts of one account become one (spec/client.md §10.1): a contact
 * known only by a device key (we accepted that device's invitation, or it
 * accepted ours, before its account was known) is merged into the account's
 * contact once that device is attributed to the account — the account's
 * accepted list names it and the device vouched for it by announcing itself.
 * The account's contact keeps its id, verification and token; it gains the
 * device's address (if it has none yet), the merged contact's name if it has
 * none, and the merged id in `merged`, so an id the app holds resolves to it,
 * and so do the merged contact's stored messages and issued tokens. Sessions
 * are per device key: nothing to move.
 */
import { MAX_MERGED_CONTACT_IDS } from '../../constants.js';
import { equalBytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { attributedKeys, deviceFirst } from '../contacts/book.js';
import { del } from '../../store/index.js';
import type { ClientContext } from '../context.js';
import type { InboundEffects } from '../inbound/effects.js';
import { deviceAddress, withDeviceAddress } from './addresses.js';

/**
 * `c` with every contact it absorbs merged in; the absorbed contacts' deletions and `contact-merged` events are
 * appended to the envelope's effects (the caller writes and sets `c` itself, in the same batch).
 */
export function absorbing(ctx: ClientContext, c: Contact, fx: InboundEffects): Contact {
  const absorbed = absorbedBy(ctx, c);
  if (absorbed.length === 0) return c;
  const merged = absorbed.reduce(mergeContact, c);
  fx.writes.push(...absorbed.map((o) => del('contacts', o.id)));
  fx.apply.push(() => { for (const o of absorbed) ctx.contacts.delete(o.id); });
  for (const o of absorbed) fx.events.push(['contact-merged', { from: o.id, into: merged }]);
  return merged;
}

/**
 * The contacts `c` absorbs: known only by a device key attributed to `c` (not its account key), not blocked — a
 * blocked one stays as the user left it.
 */
export function absorbedBy(ctx: ClientContext, c: Contact): Contact[] {
  const devices = attributedKeys(c).filter((k) => !equalBytes(k, c.identityKey));
  return ctx.contacts.all().filter((o) => o.id !== c.id && !o.blocked && devices.some((k) => deviceFirst(o, k)));
}

/** `into` with `from` merged into it. */
export function mergeContact(into: Contact, from: Contact): Contact {
  const key = from.identityKey;
  const withAddress = deviceAddress(into, key)?.token === undefined && from.token !== undefined
    ? withDeviceAddress(into, key, from.mailbox, from.token) : into;
  const merged = [...(into.merged ?? []), from.id, ...(from.merged ?? [])].slice(-MAX_MERGED_CONTACT_IDS);
  return {
    ...withAddress,
    merged,
    createdAt: Math.min(into.createdAt, from.createdAt),
    ...(into.name === undefined && from.name !== undefined && { name: from.name }),
    ...(into.ourToken === undefined && from.ourToken !== undefined && { ourToken: from.ourToken }),
  };
}
