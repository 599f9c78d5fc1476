/**
 * The groups this client is in, decoded: a record (name, roster, our group
 * token, owed distributions, rotation epoch) and the src/group session. The
 * map mirrors `groups/<gid hex>`; it changes only after the store write it
 * mirrors has succeeded.
 */
import { decodeGroupSession, type GroupSession } from '../../group/index.js';
import type { Store } from '../../store/index.js';
import { decodeGroupRecord, type GroupRecord } from '../../wire/client/group-control.js';
import { ClientError } from '../errors.js';

export interface Group {
  readonly record: GroupRecord;
  readonly session: GroupSession;
}

export class GroupBook {
  readonly #groups = new Map<string, Group>();
  /** Groups whose roster broadcast is scheduled: member tokens arriving together go out in one roster. */
  readonly rosterDue = new Set<string>();
  /** Change resends already made, as `gid:member:theirEpoch:ourEpoch` (client.md §6.5): each is made once. */
  readonly answered = new Set<string>();

  async load(store: Store): Promise<void> {
    for (const { key, value } of await store.list('groups')) {
      const record = decodeGroupRecord(value);
      this.#groups.set(key, { record, session: decodeGroupSession(record.session) });
    }
  }

  ids(): string[] {
    return [...this.#groups.keys()];
  }

  entries(): [string, Group][] {
    return [...this.#groups.entries()];
  }

  find(id: string): Group | undefined {
    return this.#groups.get(id);
  }

  get(id: string): Group {
    const g = this.#groups.get(id);
    if (g === undefined) throw new ClientError('UNKNOWN_GROUP', 'no such group', { group: id });
    return g;
  }

  set(id: string, g: Group): void {
    this.#groups.set(id, g);
  }

  delete(id: string): void {
    this.#groups.delete(id);
  }
}
