/**
 * Session record rules (spec/protocol.md §7.2, §7.4): which session sends,
 * which are kept, and how a new session from an initial message is installed.
 * Pure functions over immutable records.
 */
import { MAX_ARCHIVED_SESSIONS, MAX_RETIRED_BASES } from '../constants.js';
import { compareBytes, equalBytes, redact, type Bytes } from '../crypto/index.js';
import type { SessionRecord, SessionState } from './session-state.js';

/** The sessions of a record in the order they are tried for decryption: current, then archived newest first. */
export function sessionsInTrialOrder(record: SessionRecord): SessionState[] {
  return record.current === null ? [...record.archived] : [record.current, ...record.archived];
}

/** The session (current or archived) whose base key is `base`, if any. */
export function findByBase(record: SessionRecord, base: Bytes): SessionState | undefined {
  return sessionsInTrialOrder(record).find((s) => equalBytes(s.base, base));
}

/** Replaces `old` (identified by object identity) with `updated`, keeping its place. */
export function replaceSession(record: SessionRecord, old: SessionState, updated: SessionState): SessionRecord {
  if (record.current === old) return redact({ ...record, current: updated }, 'SessionRecord');
  return redact({ ...record, archived: record.archived.map((s) => (s === old ? updated : s)) }, 'SessionRecord');
}

/** True if `base` names a session this record has dropped: its initial messages are replays. */
export function isRetired(record: SessionRecord, base: Bytes): boolean {
  return record.retired.some((r) => equalBytes(r, base));
}

/** Puts `session` first among the archived; the oldest beyond the bound is dropped and its base key retired. */
function archive(record: SessionRecord, current: SessionState | null, session: SessionState): SessionRecord {
  const all = [session, ...record.archived];
  const dropped = all.slice(MAX_ARCHIVED_SESSIONS).map((s) => s.base);
  return redact({
    current,
    archived: all.slice(0, MAX_ARCHIVED_SESSIONS),
    retired: [...dropped, ...record.retired].slice(0, MAX_RETIRED_BASES),
  }, 'SessionRecord');
}

/**
 * Moves the current session to the archived ones (§7.1, client.md §5.7): it
 * still decrypts late messages but never sends again, so the next send starts
 * a new session. For a state that may have been restored from a backup, whose
 * sending chain would derive message keys (and nonces) already used.
 */
export function archiveCurrent(record: SessionRecord): SessionRecord {
  return record.current === null ? record : archive(record, null, record.current);
}

/**
 * Installs a session created by a sender's initiation (ours or the peer's).
 * §7.4: a pending initiation of ours that has heard nothing keeps its place
 * against a peer's initiation with a larger base key; otherwise the newer wins.
 */
export function installSession(record: SessionRecord, session: SessionState): SessionRecord {
  const current = record.current;
  if (current === null) return redact({ ...record, current: session }, 'SessionRecord');
  const keepCurrent = session.role === 'responder'
    && current.role === 'initiator'
    && !current.received
    && compareBytes(current.base, session.base) < 0;
  return keepCurrent ? archive(record, current, session) : archive(record, session, current);
}
