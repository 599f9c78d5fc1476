/**
 * Session record rules (spec/protocol.md §7.2, §7.4): which session sends,
 * which are kept, and how a new session from an initial message is installed.
 * Pure functions over immutable records.
 */
import { MAX_ARCHIVED_SESSIONS } from '../constants.js';
import { compareBytes, equalBytes, type Bytes } from '../crypto/index.js';
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
  if (record.current === old) return { current: updated, archived: record.archived };
  return { current: record.current, archived: record.archived.map((s) => (s === old ? updated : s)) };
}

function archive(archived: readonly SessionState[], session: SessionState): readonly SessionState[] {
  return [session, ...archived].slice(0, MAX_ARCHIVED_SESSIONS);
}

/**
 * Installs a session created by a sender's initiation (ours or the peer's).
 * §7.4: a pending initiation of ours that has heard nothing keeps its place
 * against a peer's initiation with a larger base key; otherwise the newer wins.
 */
export function installSession(record: SessionRecord, session: SessionState): SessionRecord {
  const current = record.current;
  if (current === null) return { current: session, archived: record.archived };
  const keepCurrent = session.role === 'responder'
    && current.role === 'initiator'
    && !current.received
    && compareBytes(current.base, session.base) < 0;
  if (keepCurrent) return { current, archived: archive(record.archived, session) };
  return { current: session, archived: archive(record.archived, current) };
}
