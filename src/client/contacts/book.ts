/**
 * Contacts by id, with two indexes (spec/client.md §4.3, §10.1): by account
 * key (`identityKey`) and by every **listed** device key — the keys of the
 * contact's accepted device list, or its identity key when it has none. A
 * message is taken only from a listed device (byDeviceKey), so a revoked
 * device drops out of the index the moment the new list is committed.
 */
import { toHex, type Bytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { openedList } from '../devices/list-cache.js';

/** The device keys a contact's account lists: its accepted list's, or its identity key alone. */
export function listedKeys(c: Contact): Bytes[] {
  return c.deviceList === undefined ? [c.identityKey] : openedList(c.deviceList).devices.map((d) => d.key);
}

export class ContactBook {
  readonly #byId = new Map<string, Contact>();
  readonly #byAccount = new Map<string, string>();
  readonly #byDevice = new Map<string, string>();

  constructor(contacts: readonly Contact[]) {
    for (const c of contacts) this.set(c);
  }

  get(id: string): Contact | undefined {
    return this.#byId.get(id);
  }

  /** The contact whose account key, or one of whose listed device keys, is `key`. */
  byIdentityKey(key: Bytes): Contact | undefined {
    const hex = toHex(key);
    return this.#find(this.#byAccount.get(hex) ?? this.#byDevice.get(hex));
  }

  /** The contact whose account key is `key`. */
  byAccountKey(key: Bytes): Contact | undefined {
    return this.#find(this.#byAccount.get(toHex(key)));
  }

  /** The contact that lists device `key` (a sender we may take messages from). */
  byDeviceKey(key: Bytes): Contact | undefined {
    return this.#find(this.#byDevice.get(toHex(key)));
  }

  all(): Contact[] {
    return [...this.#byId.values()];
  }

  delete(id: string): void {
    const old = this.#byId.get(id);
    if (old === undefined) return;
    this.#unindex(old);
    this.#byId.delete(id);
  }

  set(c: Contact): void {
    const old = this.#byId.get(c.id);
    if (old !== undefined) this.#unindex(old);
    this.#byId.set(c.id, c);
    this.#byAccount.set(toHex(c.identityKey), c.id);
    for (const k of listedKeys(c)) this.#byDevice.set(toHex(k), c.id);
  }

  #find(id: string | undefined): Contact | undefined {
    return id === undefined ? undefined : this.#byId.get(id);
  }

  #unindex(c: Contact): void {
    const drop = (map: Map<string, string>, key: Bytes): void => { if (map.get(toHex(key)) === c.id) map.delete(toHex(key)); };
    drop(this.#byAccount, c.identityKey);
    for (const k of listedKeys(c)) drop(this.#byDevice, k);
  }
}
