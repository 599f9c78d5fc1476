/**
 * Every protocol bound and every KDF label, in one place (spec/protocol.md
 * §Constants lists the same values; a change here is a change there, and to
 * the vectors).
 *
 * Labels are ASCII strings, encoded as UTF-8 bytes where used.
 */

// ── Versions ────────────────────────────────────────────────────────────────
/** Version of every wire message in this spec revision (field `v`). */
export const PROTOCOL_VERSION = 1;
/** Version of serialized state (first element of the `[version, kind, body]` triple). */
export const STATE_VERSION = 1;

// ── Size bounds on decoding (bytes) ─────────────────────────────────────────
/** Largest 1:1 ratchet message (header + body) a decoder accepts. */
export const MAX_MESSAGE_SIZE = 256 * 1024;
/** Largest PQXDH initial message (carries an ML-KEM ciphertext and a ratchet message). */
export const MAX_INITIAL_MESSAGE_SIZE = MAX_MESSAGE_SIZE + 4096;
/** Largest prekey bundle a decoder accepts (one ML-KEM key dominates). */
export const MAX_BUNDLE_SIZE = 8 * 1024;
/** Largest serialized session state (skipped keys dominate). */
export const MAX_STATE_SIZE = 1024 * 1024;

// ── Identity / handshake (spec §4, §5) ──────────────────────────────────────
// (section owned by src/identity and src/handshake)

// ── Double Ratchet (spec §6) ────────────────────────────────────────────────
// (section owned by src/ratchet)

// ── Sessions (spec §7) ──────────────────────────────────────────────────────
/** Sealed sender, layer 1 (ephemeral–static): hides the sender identity. */
export const SEALED_EPHEMERAL_INFO = 'Parley_SealedSender_Ephemeral_v1';
/** Sealed sender, layer 2 (static–static): authenticates the sender. */
export const SEALED_STATIC_INFO = 'Parley_SealedSender_Static_v1';
/** Archived (no longer current) sessions kept per peer for late messages. */
export const MAX_ARCHIVED_SESSIONS = 5;

// ── Groups (spec §8) ────────────────────────────────────────────────────────
// (section owned by src/group)
