/**
 * After a restore (spec/client.md §5.7): a store whose RestoreGuard is ahead
 * of it holds session and group state older than what this device last used,
 * whose sending chains would derive message keys — and nonces — already used
 * (protocol.md §6.2). Nothing in it may send again:
 *
 * - every pairwise session is archived (it still decrypts late messages), so
 *   the next send to that peer starts a new session from its bundle;
 * - every group's own sender key is dropped, so the next post creates a new
 *   one and distributes it to every member.
 */
import { archiveCurrent, decodeSessionRecord, encodeSessionRecord } from '../../session/index.js';
import { put, type Store, type StoreWrite } from '../../store/index.js';
import type { ClientContext } from '../context.js';
import { loadedFeatures } from '../features.js';

/** Archives the current session of every stored record, in one batch; before anything loads a record. */
export async function retireRestoredSessions(store: Store): Promise<void> {
  const writes: StoreWrite[] = [];
  for (const { key, value } of await store.list('sessions')) {
    const record = decodeSessionRecord(value);
    if (record.current !== null) writes.push(put('sessions', key, encodeSessionRecord(archiveCurrent(record))));
  }
  if (writes.length > 0) await store.write(writes);
}

/** Drops our sender key in every group (once the groups are loaded). */
export async function dropRestoredSenderKeys(ctx: ClientContext): Promise<void> {
  for (const [id, g] of ctx.groups.entries()) {
    if (g.session.senderKey === null) continue;
    // A group in the book means the features are loaded (features.ts).
    await loadedFeatures()!.commitGroup(ctx, id, { ...g, session: { ...g.session, senderKey: null, pendingRecipients: [] } }, []);
  }
}
