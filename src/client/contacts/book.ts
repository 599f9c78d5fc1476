/**
 * Contacts by id, with two indexes (spec/client.md §4.3, §10.1, §10.2): by
 * account key (`identityKey`) and by every **attributed** device key. A
 * device key is attributed to a contact's account only when the account's
 * accepted list names it AND the device itself vouched for that account
 * (attributedKeys). A list is signed by its account alone and may name any
 * public key, so naming is not enough: without the device's consent an
 * account could take another account's device for its own. A message is
 * taken only from an attributed device (byDeviceKey), so a revoked device
 * drops out of the index the moment the new list is committed. A key two
 * contacts attribute stays with the one that held it first. A contact merged
 * into another (§10.1) is found by its old id too (`merged`).
 */
import { equalBytes, toHex, type Bytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { openedList } from '../devices/list-cache.js';

/** The device keys a contact's account lists: its accepted list's, or its identity key alone. */
export function listedKeys(c: Contact): Bytes[] {
  return c.deviceList === undefined ? [c.identityKey] : openedList(c.deviceList).devices.map((d) => d.key);
}

/**
 * Did device `key` vouch for the contact's account (client.md §10.2)? The account key always does; another device
 * did once we hold its address — recorded only from its own `device` payload carrying this account's list, or
 * from a contact entry of our own sibling (which applies the same rule).
 */
export function vouched(c: Contact, key: Bytes): boolean {
  return equalBytes(key, c.identityKey) || c.devices?.some((d) => d.mailbox !== undefined && equalBytes(d.key, key)) === true;
}

/**
 * A contact known only by device `key` — no list, keyed by that device (a linked device's invitation, §10.1) —
 * whose account we do not know yet: it yields the device to the account that lists it and that it vouches for.
 */
export function deviceFirst(c: Contact, key: Bytes): boolean {
  return c.deviceList === undefined && equalBytes(c.identityKey, key);
}

/** The device keys attributed to a contact's account: listed by its accepted list and vouched. */
export function attributedKeys(c: Contact): Bytes[] {
  return listedKeys(c).filter((k) => vouched(c, k));
}

export class ContactBook {
  readonly #byId = new Map<string, Contact>();
  readonly #byAccount = new Map<string, string>();
  readonly #byDevice = new Map<string, string>();
  /** Ids of contacts merged into another: the id of the one they are now. */
  readonly #merged = new Map<string, string>();

  constructor(contacts: readonly Contact[]) {
    for (const c of contacts) this.set(c);
  }

  /** The contact with this id, or the one it was merged into (client.md §10.1). */
  get(id: string): Contact | undefined {
    return this.#byId.get(id) ?? this.#find(this.#merged.get(id));
  }

  /** The contact whose account key, or one of whose attributed device keys, is `key`. */
  byIdentityKey(key: Bytes): Contact | undefined {
    const hex = toHex(key);
    return this.#find(this.#byAccount.get(hex) ?? this.#byDevice.get(hex));
  }

  /** The contact whose account key is `key`. */
  byAccountKey(key: Bytes): Contact | undefined {
    return this.#find(this.#byAccount.get(toHex(key)));
  }

  /** The contact device `key` is attributed to (a sender we may take messages from). */
  byDeviceKey(key: Bytes): Contact | undefined {
    return this.#find(this.#byDevice.get(toHex(key)));
  }

  all(): Contact[] {
    return [...this.#byId.values()];
  }

  delete(id: string): void {
    const freed = this.#unindex(id);
    this.#byId.delete(id);
    this.#reclaim(freed);
  }

  set(c: Contact): void {
    const freed = this.#unindex(c.id);
    this.#byId.set(c.id, c);
    this.#byAccount.set(toHex(c.identityKey), c.id);
    for (const old of c.merged ?? []) this.#merged.set(old, c.id);
    // First come, first kept: a device another account already holds is not taken over (client.md §10.2); a
    // contact known only by that device yields it to the account it vouched for.
    for (const k of attributedKeys(c)) {
      const holder = this.#find(this.#byDevice.get(toHex(k)));
      if (holder === undefined || (holder.id !== c.id && !deviceFirst(c, k) && deviceFirst(holder, k))) this.#byDevice.set(toHex(k), c.id);
    }
    this.#reclaim(freed);
  }

  #find(id: string | undefined): Contact | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** Drops contact `id`'s index entries; the device keys it held (hex), which another contact may now hold. */
  #unindex(id: string): string[] {
    const c = this.#byId.get(id);
    if (c === undefined) return [];
    if (this.#byAccount.get(toHex(c.identityKey)) === id) this.#byAccount.delete(toHex(c.identityKey));
    const freed: string[] = [];
    for (const k of attributedKeys(c)) {
      const hex = toHex(k);
      if (this.#byDevice.get(hex) !== id) continue;
      this.#byDevice.delete(hex);
      freed.push(hex);
    }
    return freed;
  }

  /** Gives each freed device key to another contact that attributes it, if any. */
  #reclaim(freed: readonly string[]): void {
    for (const hex of freed) {
      if (this.#byDevice.has(hex)) continue;
      const next = this.all().find((c) => attributedKeys(c).some((k) => toHex(k) === hex));
      if (next !== undefined) this.#byDevice.set(hex, next.id);
    }
  }
}
