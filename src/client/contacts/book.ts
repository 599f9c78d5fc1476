/** Contacts by id, with an index by identity key: the cache of `contacts/<id>` (spec/client.md §4.3). */
import { toHex, type Bytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';

export class ContactBook {
  readonly #byId = new Map<string, Contact>();
  readonly #byKey = new Map<string, string>();

  constructor(contacts: readonly Contact[]) {
    for (const c of contacts) this.set(c);
  }

  get(id: string): Contact | undefined {
    return this.#byId.get(id);
  }

  byIdentityKey(key: Bytes): Contact | undefined {
    const id = this.#byKey.get(toHex(key));
    return id === undefined ? undefined : this.#byId.get(id);
  }

  all(): Contact[] {
    return [...this.#byId.values()];
  }

  delete(id: string): void {
    const old = this.#byId.get(id);
    if (old === undefined) return;
    this.#byKey.delete(toHex(old.identityKey));
    this.#byId.delete(id);
  }

  set(c: Contact): void {
    const old = this.#byId.get(c.id);
    if (old !== undefined) this.#byKey.delete(toHex(old.identityKey));
    this.#byId.set(c.id, c);
    this.#byKey.set(toHex(c.identityKey), c.id);
  }
}
