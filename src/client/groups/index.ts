/**
 * Groups and channels (spec/client.md §6): what code outside groups/ calls.
 * Part of the features a client imports on first use (../on-demand.ts,
 * ../features.ts); import it from nowhere else, or a browser bundle's entry
 * takes it back.
 */
import type { Bytes } from '../../crypto/index.js';
import { decodeGroupSession } from '../../group/index.js';
import { decodeGroupRecord } from '../../wire/client/group-control.js';
import type { Group } from './book.js';

export { addMember, createGroupWith, leaveGroup, removeMember } from './admin.js';
export { createChannelInvite, subscribe, unsubscribe } from './channel.js';
export { onGroupControl } from './control.js';
export { onDevicesChanged } from './devices.js';
export { onGroupMessage } from './message.js';
export { isGroupReady } from './readiness.js';
export { resumeRotations } from './rotation.js';
export { sendToGroup } from './send.js';
export { commitGroup, groupInfo } from './state.js';

/** A stored group (`groups/<gid hex>`): its record and the src/group session in it. */
export function decodeGroup(value: Bytes): Group {
  const record = decodeGroupRecord(value);
  return { record, session: decodeGroupSession(record.session) };
}
