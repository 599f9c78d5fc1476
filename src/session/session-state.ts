/**
 * One session (spec/protocol.md §7.1): a PQXDH handshake followed by a Double
 * Ratchet, plus what the record rules of §7.4 need to know about it.
 */
import { redact, type Bytes } from '../crypto/index.js';
import type { InitialMessageHeader } from '../wire/index.js';
import type { RatchetState } from '../ratchet/index.js';

export type SessionRole = 'initiator' | 'responder';

export interface SessionState {
  /** The peer's Ed25519 identity key. */
  readonly peer: Bytes;
  readonly role: SessionRole;
  /** The initiator's ephemeral key EK_A: identifies the session on both sides. */
  readonly base: Bytes;
  readonly ratchet: RatchetState;
  /** Initiator only: the handshake header repeated on every message until the peer is heard on this session. */
  readonly pending: InitialMessageHeader | null;
  /** True once a message has been decrypted on this session. */
  readonly received: boolean;
}

export interface SessionRecord {
  /** The session used for sending, if any. */
  readonly current: SessionState | null;
  /** Older sessions kept to decrypt late messages, newest first, at most MAX_ARCHIVED_SESSIONS. */
  readonly archived: readonly SessionState[];
  /**
   * Base keys of sessions dropped from the record, newest first, at most
   * MAX_RETIRED_BASES: an initial message naming one is a replay (§7.2).
   */
  readonly retired: readonly Bytes[];
}

export const EMPTY_RECORD: SessionRecord = redact({ current: null, archived: [], retired: [] }, 'SessionRecord');
