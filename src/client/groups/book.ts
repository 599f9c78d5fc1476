/**
 * The groups this client is in, decoded: a record (name, roster, our group
 * token, owed distributions, rotation epoch) and the src/group session. The
 * map mirrors `groups/<gid hex>`; it changes only after the store write it
 * mirrors has succeeded.
 */
import type { Bytes } from '../../crypto/index.js';
import type { GroupSession } from '../../group/index.js';
import type { Store } from '../../store/index.js';
import type { GroupRecord } from '../../wire/client/group-control.js';
import { ClientError } from '../errors.js';
import { loadedFeatures, loadFeatures } from '../features.js';

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
  /** Groups ready to send when last noted (readiness.ts): `group-ready` fires when one joins this set. */
  readonly #ready = new Set<string>();
  /** Our identity key: readiness counts every member but us. */
  readonly #self: Bytes;

  constructor(self: Bytes) {
    this.#self = self;
  }

  /**
   * Loads the stored groups; those stored ready are noted ready, so opening emits no `group-ready`. With no
   * group stored, the features are not imported (../features.ts).
   */
  async load(store: Store): Promise<void> {
    const stored = await store.list('groups');
    if (stored.length === 0) return;
    const { decodeGroup } = await loadFeatures();
    for (const { key, value } of stored) {
      this.#groups.set(key, decodeGroup(value));
      this.noteReady(key);
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
    this.#ready.delete(id);
  }

  /** Records whether group `id` is ready now (false if gone); true iff it was not when last noted. */
  noteReady(id: string): boolean {
    const g = this.#groups.get(id);
    // A group in the book means the features are loaded (../features.ts).
    const ready = g !== undefined && loadedFeatures()!.isGroupReady(this.#self, g);
    const turned = ready && !this.#ready.has(id);
    if (ready) this.#ready.add(id);
    else this.#ready.delete(id);
    return turned;
  }

  isNotedReady(id: string): boolean {
    return this.#ready.has(id);
  }
}
