/**
 * Every protocol bound and every KDF label, in one place (spec/protocol.md
 * §Constants lists the same values; a change here is a change there, and to
 * the vectors).
 *
 * Labels are ASCII strings, encoded as UTF-8 bytes where used.
 */

// ── Versions ────────────────────────────────────────────────────────────────
/**
 * Version of every wire message in this spec revision (field `v`); it is
 * bound into the keys or the associated data of what it versions (§5.3, §6.4,
 * §6.5, §7.3). Version 1 messages are refused (UNSUPPORTED_VERSION).
 */
export const PROTOCOL_VERSION = 2;
/**
 * Version (`v`) of the PQXDH initial message and of every ratchet message of a
 * session that runs the post-quantum ratchet (§6.9). A session's version is
 * chosen by its initiator, bound into SK through the transcript hash (§5.3)
 * and into every header and body (§6.4, §6.5.1): 2 is the classic Double
 * Ratchet, 3 adds the ML-KEM-768 ratchet. Other formats keep PROTOCOL_VERSION.
 */
export const PQ_RATCHET_VERSION = 3;
/** The versions a ratchet message, an initial message and a ratchet state may have. */
export const RATCHET_VERSIONS: readonly number[] = [PROTOCOL_VERSION, PQ_RATCHET_VERSION];
/** Version of serialized state (first element of the `[version, kind, body]` triple) whose layout did not change in protocol version 2. */
export const STATE_VERSION = 1;
/**
 * Version of a serialized session record (§7.1). Version 1 records are
 * upgraded when read: established sessions carry over, an unanswered
 * initiator session is dropped (its key was derived under the version 1 KDF).
 */
export const SESSION_RECORD_VERSION = 2;
/**
 * Version (`v`) of signed prekeys, KEM prekeys, one-time prekeys and bundles
 * (§4.3–§4.5): their format did not change in protocol version 2, so bundles
 * published before an upgrade stay valid at the relay.
 */
export const PREKEY_VERSION = 1;
/** Version (`v`) of relay frames (relay.md §2): unchanged by protocol version 2, which changed only end-to-end formats. */
export const RELAY_FRAME_VERSION = 1;

// ── Size bounds on decoding (bytes) ─────────────────────────────────────────
/** Largest 1:1 ratchet message (header + body) a decoder accepts. */
export const MAX_MESSAGE_SIZE = 256 * 1024;
/** Largest PQXDH initial message (carries an ML-KEM ciphertext and a ratchet message). */
export const MAX_INITIAL_MESSAGE_SIZE = MAX_MESSAGE_SIZE + 4096;
/** Largest prekey bundle a decoder accepts (one ML-KEM key dominates). */
export const MAX_BUNDLE_SIZE = 8 * 1024;
/** Largest serialized session state (skipped keys dominate). */
export const MAX_STATE_SIZE = 1024 * 1024;
/**
 * Deepest nesting of msgpack arrays and maps any decoder accepts (§3). The
 * deepest structure is a serialized group session at 5 —
 * `[v, kind, { group: { ms: [[identityKey, role]] } }]` — since nested
 * encodings travel as bin and add no depth; 16 leaves room for new structures
 * while keeping the decoder's recursion trivially shallow.
 */
export const MSGPACK_MAX_DEPTH = 16;
/** Most entries of one msgpack map a decoder accepts; the widest structure (a ratchet state) has 15. */
export const MSGPACK_MAX_MAP_LENGTH = 64;

// ── Padding (spec §3.1) ─────────────────────────────────────────────────────
/** Smallest padded size: every plaintext shorter than this is padded to it (receipts, reactions, short texts share one class). */
export const PADDING_MIN_LENGTH = 256;
/** The byte that ends the content of a padded plaintext; only zeros follow it. */
export const PADDING_MARKER = 0x80;

// ── Identity / handshake (spec §4, §5) ──────────────────────────────────────
// (section owned by src/identity and src/handshake)
/** Signature domain label of a signed (X25519) prekey (§4.3). */
export const SIGNED_PREKEY_SIGNATURE_LABEL = 'Parley_SignedPreKey_v1';
/** Signature domain label of a signed ML-KEM-1024 prekey (§4.4). */
export const KEM_PREKEY_SIGNATURE_LABEL = 'Parley_KemPreKey_v1';
/** Most one-time X25519 prekeys a device holds at once (§4.6). */
export const MAX_ONE_TIME_PREKEYS = 200;
/** Most one-time ML-KEM-1024 prekeys a device holds at once (§4.6). */
export const MAX_KEM_PREKEYS = 100;
/** How long a rotated-out signed prekey and last-resort KEM prekey stay usable (ms, §4.6). */
export const SIGNED_PREKEY_GRACE_PERIOD = 7 * 24 * 60 * 60 * 1000;
/** Largest serialized prekey state (§4.7): ML-KEM secret keys dominate. */
export const MAX_PREKEY_STATE_SIZE = 1024 * 1024;
/** Safety-number fingerprint: iterations of SHA-512 (§4.8). */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Safety-number fingerprint version, hashed as u16be and carried by the scannable payload (§4.8). */
export const SAFETY_NUMBER_VERSION = 1;
/** Safety-number fingerprint domain label (§4.8). */
export const SAFETY_NUMBER_LABEL = 'Parley_SafetyNumber_v1';
/** HKDF info prefix of the PQXDH KDF: curve, hash, KEM; the transcript hash follows it (§5.3). */
export const PQXDH_INFO = 'Parley_PQXDH_CURVE25519_SHA-256_ML-KEM-1024_v2';
/** Domain label of the PQXDH transcript hash TH over the version, the keys and the KEM ciphertext (§5.3). */
export const PQXDH_TRANSCRIPT_LABEL = 'Parley_PQXDH_Transcript_v2';

// ── Double Ratchet (spec §6) ────────────────────────────────────────────────
// (section owned by src/ratchet)
/** Most message keys one receiving chain may skip in a single decrypt (checked before deriving any). */
export const MAX_SKIP = 1000;
/** Global cap on stored skipped message keys; beyond it the oldest are evicted first. */
export const MAX_SKIPPED_KEYS = 2000;
/** Previous receiving chains remembered (header key + length) for duplicate detection and skipped keys. */
export const MAX_PREVIOUS_RECEIVING_CHAINS = 32;
/** Largest message number a header carries (u32); a sending chain stops one short of it. */
export const MAX_CHAIN_INDEX = 0xffffffff;
/** Largest associated data (from PQXDH) a ratchet state accepts. */
export const MAX_ASSOCIATED_DATA_SIZE = 1024;
/** HKDF info: SK → initial root key ‖ shared header key ‖ shared next header key (§6.3). */
export const RATCHET_INIT_INFO = 'Parley_Ratchet_Init_v1';
/** HKDF info of KDF_RK_HE: root key step → root key ‖ chain key ‖ next header key (§6.2). */
export const RATCHET_ROOT_INFO = 'Parley_Ratchet_Root_v1';
/** HKDF info: message key → AEAD key ‖ AEAD nonce (§6.2). */
export const RATCHET_MESSAGE_KEYS_INFO = 'Parley_Ratchet_MessageKeys_v1';
/** HMAC input byte of KDF_CK for the message key (§6.2). */
export const CHAIN_MESSAGE_KEY_SEED = 0x01;
/** HMAC input byte of KDF_CK for the next chain key (§6.2). */
export const CHAIN_KEY_SEED = 0x02;

// ── Post-quantum ratchet (spec §6.9) ────────────────────────────────────────
// (section owned by src/ratchet/pq)
/** Bytes of ML-KEM-768 key or ciphertext carried by one message's header (§6.9.2). */
export const PQ_CHUNK_SIZE = 128;
/** Plain header bytes the PQ block adds: u32 epoch ‖ u8 kind ‖ u32 step ‖ u8 index ‖ chunk (§6.9.2). */
export const PQ_BLOCK_LENGTH = 10 + PQ_CHUNK_SIZE;
/**
 * Floor of the session message inside a sealed envelope (§3.1, §7.3): the group
 * floor plus a version 3 header's PQ block, so that receipts, reactions, typing
 * indicators and short texts share one class in version 3 sessions as they do
 * in version 2 — and a version 2 session's envelopes look like version 3's.
 */
export const SEALED_PADDING_MIN_LENGTH = PADDING_MIN_LENGTH + PQ_BLOCK_LENGTH;
/** Coded chunk indices run 0..255 (one byte) and then start again at 0 (§6.9.3). */
export const PQ_MAX_CHUNK_INDEX = 255;
/** The last epoch a state holds (u32 minus one, so `e + 1` fits the block): a party there starts no further step (§6.9.5). */
export const PQ_MAX_EPOCH = 0xffffffff - 1;
/** HKDF info: KEM shared secret → the step's PQ secret, with u32(step) ‖ SHA-256(ek) ‖ SHA-256(ct) (§6.9.4). */
export const PQ_RATCHET_SECRET_INFO = 'Parley_PQRatchet_Secret_v3';
/** HKDF info of KDF_RK_PQ: a root step that mixes a PQ secret (§6.9.4). */
export const PQ_RATCHET_ROOT_INFO = 'Parley_Ratchet_Root_PQ_v3';

// ── Device lists (spec §12) ─────────────────────────────────────────────────
// (section owned by src/identity/device-list.ts)
/** Version (`v`) of a signed device list (§12.2). */
export const DEVICE_LIST_VERSION = 1;
/** Most devices one account lists (§12.1): a phone, a laptop, a browser and five more. */
export const MAX_DEVICES_PER_ACCOUNT = 8;
/** Largest signed device list a decoder accepts: 8 entries of ~45 bytes, the header and the signature fit in 1 KiB. */
export const MAX_DEVICE_LIST_SIZE = 1024;
/**
 * Most device keys an account record lists as owed an announcement (client.md §10.1 `owe`): 96 keys of 34 bytes fit
 * the record's 8 KiB beside a full list and seven siblings; more owed than that are kept as "every peer" (`due`).
 */
export const MAX_OWED_ANNOUNCEMENTS = 96;
/** Most ids of contacts merged into one (client.md §4.3 `merged`), newest kept: one per linked device, and some over. */
export const MAX_MERGED_CONTACT_IDS = 16;
/** Signature label of a device list body (§12.2). */
export const DEVICE_LIST_SIGNATURE_LABEL = 'Parley_DeviceList_v1';
/** Hash label of a device list body, the link of the chain (§12.3). */
export const DEVICE_LIST_HASH_LABEL = 'Parley_DeviceList_Hash_v1';

// ── Linking a device (spec §12.4) ───────────────────────────────────────────
// (section owned by src/linking/)
/** Version (`v`) of the link offer, of every channel message and of the provisioning payload (§12.4). */
export const LINK_VERSION = 1;
/** Length (bytes) of the random link id: the name the two temporary mailboxes are derived from, and the HKDF salt. */
export const LINK_ID_LENGTH = 16;
/** Longest relay URL a link offer carries (characters). */
export const LINK_MAX_RELAY_URL_LENGTH = 256;
/** Largest link offer a decoder accepts: it must fit a QR code (version 1 with 32 + 16 + 256 bytes of fields). */
export const LINK_MAX_OFFER_SIZE = 384;
/** Largest provisioning payload (bytes, before chunking): the bound a new device allocates for. */
export const LINK_MAX_PAYLOAD_SIZE = 8 * 1024 * 1024;
/** Largest optional history section of the payload (bytes; opaque to the protocol, sealed by the channel like the rest). */
export const LINK_MAX_HISTORY_SIZE = 4 * 1024 * 1024;
/** Plaintext bytes per payload chunk: one chunk message stays well inside RELAY_MAX_ENVELOPE_SIZE. */
export const LINK_CHUNK_SIZE = 192 * 1024;
/** Most chunks of one payload: ceil(LINK_MAX_PAYLOAD_SIZE / LINK_CHUNK_SIZE). */
export const LINK_MAX_CHUNKS = Math.ceil(LINK_MAX_PAYLOAD_SIZE / LINK_CHUNK_SIZE);
/** Largest chunk message a decoder accepts: a full chunk, its tag and the header. */
export const LINK_MAX_CHUNK_MESSAGE_SIZE = LINK_CHUNK_SIZE + 64;
/** Bounds of the payload's opaque sections: entries per section and bytes per entry. */
export const LINK_MAX_CONTACTS = 5000;
export const LINK_MAX_GROUPS = 1000;
export const LINK_MAX_SETTINGS = 256;
export const LINK_MAX_ENTRY_SIZE = 64 * 1024;
export const LINK_MAX_SETTING_NAME_LENGTH = 64;
export const LINK_MAX_SETTING_VALUE_SIZE = 4096;
/** Digits of the short authentication string both screens show (§12.4.3). */
export const LINK_SAS_DIGITS = 6;
/** Prefix of the transcript hash (§12.4.3). */
export const LINK_TRANSCRIPT_LABEL = 'Parley_Link_Transcript_v1';
/** HKDF info prefix: DH output → new-to-existing key ‖ existing-to-new key ‖ SAS bytes; the transcript hash follows it. */
export const LINK_KEYS_INFO = 'Parley_Link_Keys_v1';
/** Prefix of the new device's proof-of-possession signature over the transcript hash (§12.4.4). */
export const LINK_PROOF_LABEL = 'Parley_Link_Proof_v1';

// ── Sessions (spec §7) ──────────────────────────────────────────────────────
/** Sealed sender, layer 1 (ephemeral–static): hides the sender identity. */
export const SEALED_EPHEMERAL_INFO = 'Parley_SealedSender_Ephemeral_v1';
/** Sealed sender, layer 2 (static–static): authenticates the sender. */
export const SEALED_STATIC_INFO = 'Parley_SealedSender_Static_v1';
/** Archived (no longer current) sessions kept per peer for late messages. */
export const MAX_ARCHIVED_SESSIONS = 5;
/** Base keys of dropped sessions remembered per peer, so their initial messages are refused as replays. */
export const MAX_RETIRED_BASES = 64;

// ── Groups (spec §8) ────────────────────────────────────────────────────────
// (section owned by src/group)
/** Length of a group id (random, chosen by the creator) (§8.1). */
export const GROUP_ID_LENGTH = 16;
/** Most members of one group, creator included, and most admins of one channel (§8.1). */
export const MAX_GROUP_MEMBERS = 1000;
/**
 * Most members of one channel (admins and readers), creator included (§8.1). Only an admin holds the full
 * list (a reader's view is the admins and itself): ~41 bytes per reader in its group session, ~34 more while
 * the reader waits for the sender key, ~90 in its roster — ~5 MB of state at this bound (bench/channel.ts).
 */
export const MAX_CHANNEL_MEMBERS = 32_768;
/** Most message keys one sender chain may skip in a single decrypt (checked before deriving any) (§8.5). */
export const GROUP_MAX_SKIP = 1000;
/** Global cap on stored skipped group message keys of one group session; oldest evicted first (§8.5). */
export const GROUP_MAX_SKIPPED_KEYS = 2000;
/** Sender keys kept per other member (its newest first); older ones are dropped with their skipped keys (§8.4). */
export const MAX_SENDER_KEYS_PER_MEMBER = 3;
/** Largest group message a decoder accepts (§8.3). */
export const MAX_GROUP_MESSAGE_SIZE = MAX_MESSAGE_SIZE;
/** Largest group control structure (distribution, change, welcome) a decoder accepts (§8.6, §8.7). */
export const MAX_GROUP_CONTROL_SIZE = 128 * 1024;
/** Signed changes a client keeps per group and resends, oldest first, to a member that missed them (client.md §6.5). */
export const GROUP_CHANGE_LOG_MAX = 64;
/** How long a claim of a later group epoch that nobody substantiates keeps a member from posting (client.md §6.5). */
export const GROUP_BEHIND_TIMEOUT_MS = 30_000;
/** Longest wait between two attempts to deliver a membership change to a member whose mailbox is full (client.md §6.5). */
export const GROUP_CHANGE_RETRY_MAX_MS = 30_000;
/** Largest serialized group session (§8.9). */
export const MAX_GROUP_STATE_SIZE = 4 * 1024 * 1024;
/** HMAC input byte of the sender chain step for the message key (§8.2). */
export const SENDER_CHAIN_MESSAGE_KEY_SEED = 0x01;
/** HMAC input byte of the sender chain step for the next chain key (§8.2). */
export const SENDER_CHAIN_KEY_SEED = 0x02;
/** HKDF info: group message key → AEAD key ‖ nonce (§8.2). */
export const SENDER_KEY_MESSAGE_KEYS_INFO = 'Parley_SenderKey_MessageKeys_v1';
/** HKDF info: group message key → key commitment carried in the signed body (§8.3). */
export const SENDER_KEY_COMMITMENT_INFO = 'Parley_SenderKey_Commitment_v1';
/** Length of a group message's key commitment (§8.3). */
export const GROUP_KEY_COMMITMENT_LENGTH = 32;
/** Signature domain label of a group message body (§8.3). */
export const SENDER_KEY_MESSAGE_LABEL = 'Parley_SenderKey_Message_v1';
/** Signature domain label of a sender key's proof of possession in a distribution (§8.4). */
export const SENDER_KEY_DISTRIBUTION_LABEL = 'Parley_SenderKey_Distribution_v1';
/** Signature domain label of a membership change body (§8.7). */
export const GROUP_CHANGE_LABEL = 'Parley_Group_Change_v1';
/** Signature domain label of a welcome body (§8.8). */
export const GROUP_WELCOME_LABEL = 'Parley_Group_Welcome_v1';
/** Hash domain label of a group state (§8.6). */
export const GROUP_STATE_HASH_LABEL = 'Parley_Group_State_v1';

// ── Relay (spec/relay.md) ───────────────────────────────────────────────────
// (section owned by relay/ and src/wire/relay-frames.ts; operational defaults live in relay/config.ts)
/** Signature domain label of the relay authentication payload (relay.md §3). */
export const RELAY_AUTH_LABEL = 'Parley_Relay_Auth_v1';
/** HMAC label deriving the public relay id from the relay secret (relay.md §3). */
export const RELAY_ID_LABEL = 'Parley_Relay_Id_v1';
/** HMAC label deriving a mailbox id from an identity key (relay.md §4). */
export const RELAY_MAILBOX_LABEL = 'Parley_Relay_Mailbox_v1';
/** Hash prefix of a stored delivery token (relay.md §5). */
export const RELAY_TOKEN_LABEL = 'Parley_Relay_Token_v1';
/** Lengths (bytes) of the relay id, the challenge nonce and a mailbox id. */
export const RELAY_ID_LENGTH = 32;
export const RELAY_NONCE_LENGTH = 32;
export const RELAY_MAILBOX_ID_LENGTH = 16;
/** Delivery token length bounds (bytes, chosen by the recipient). */
export const RELAY_TOKEN_MIN_LENGTH = 16;
export const RELAY_TOKEN_MAX_LENGTH = 64;
/** Largest frame the relay reads (WebSocket maxPayload); larger closes with 1009. */
export const RELAY_MAX_FRAME_SIZE = 512 * 1024;
/** Largest stored envelope (`data` of send and fanout); at least a client relay envelope (client.md §6). */
export const RELAY_MAX_ENVELOPE_SIZE = 272 * 1024;
/** Largest ephemeral payload (typing, presence, call signalling). */
export const RELAY_MAX_EPHEMERAL_SIZE = 64 * 1024;
/** Most recipients of one fanout, ids of one ack, one-time prekeys of one publish (classic, KEM). */
export const RELAY_MAX_FANOUT = 1000;
export const RELAY_MAX_ACK_IDS = 1000;
export const RELAY_MAX_PUBLISH_ONE_TIME = 200;
export const RELAY_MAX_PUBLISH_KEM = 100;
/** Largest encoded prekey inside a publish frame (a KEM prekey is ~1.7 KiB). */
export const RELAY_MAX_PREKEY_SIZE = 4096;
// ── Client and storage (spec/client.md) ─────────────────────────────────────
// (section owned by src/client, src/store and src/node stores)
/** HKDF info: at-rest key ‖ file salt → value encryption key ‖ key-name MAC key (client.md §5.2). */
export const STORE_KEYS_INFO = 'Parley_Store_Keys_v1';
/** Plaintext of the key-check record of an encrypted store (client.md §5.2). */
export const STORE_CHECK_LABEL = 'Parley_Store_Check_v1';
/** Version of app content and client payloads (client.md §2, §3). */
export const CONTENT_VERSION = 1;
/** Length of a message id (client.md §2). */
export const MESSAGE_ID_LENGTH = 16;
/** Largest encoded content (client.md §2). */
export const MAX_CONTENT_SIZE = 128 * 1024;
/** Longest text, quote (UTF-16 code units, as JavaScript counts). */
export const MAX_TEXT_LENGTH = 64 * 1024;
/** Largest custom payload (client.md §2.2). */
export const MAX_CUSTOM_PAYLOAD = 64 * 1024;
/** Most message ids in one receipt. */
export const MAX_RECEIPT_IDS = 256;
/** downloadBytes refuses pointers larger than this (a hostile pointer must not make us allocate 1 TiB). */
export const DOWNLOAD_BYTES_MAX = 256 * 1024 * 1024;
/** Least time between two automatic session re-establishments with one contact (client.md §7). */
export const HEAL_COOLDOWN_MS = 10_000;
/** Commits (each of every batch waiting at the worker's turn) between two wal_checkpoint(TRUNCATE) of the SQLite store (client.md §5.2). */
export const STORE_CHECKPOINT_EVERY = 64;
/** Most envelope digests kept to drop replays (client.md §7.1); the oldest go first. */
export const REPLAY_DIGESTS_MAX = 20_000;
/** How long an envelope digest is kept: the relay's longest envelope TTL (30 days). */
export const REPLAY_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** First wait before an outbox entry is sent again after a transient refusal; doubles per attempt (client.md §5.4). */
export const OUTBOX_RETRY_BASE_MS = 250;
/** Longest wait between two attempts of one outbox entry. */
export const OUTBOX_RETRY_MAX_MS = 30_000;
/** Attempts of an entry refused with MAILBOX_FULL or STORAGE_FULL before the refusal is final. */
export const OUTBOX_FULL_ATTEMPTS = 8;
/** Envelopes in flight to one mailbox at once. */
export const OUTBOX_WINDOW = 8;
/** Envelopes (sends and fan-outs) in flight at once in all: half the relay's default maxInFlight per connection (client.md §5.5). */
export const OUTBOX_IN_FLIGHT_MAX = 32;
/** Sends admitted (committed to the outbox or being committed) for one mailbox at once; more wait before encrypting (client.md §5.5). */
export const OUTBOX_QUEUE_PER_MAILBOX = 32;
/** Sends admitted for all mailboxes at once (client.md §5.5). */
export const OUTBOX_QUEUE_TOTAL = 256;
/** Answers the client still accepts after a request timed out, per connection (client.md §5.4): a late `ok` ends the outbox entry. */
export const LATE_ANSWERS_MAX = 1024;
/** How long a group admin collects member tokens before sending one roster (client.md §6.2). */
export const ROSTER_DELAY_MS = 50;

// ── client: delivery tokens and addresses (client.md §4) ─────────────────────

/** Length of every delivery token the client registers (invitations, contacts, groups); the relay accepts RELAY_TOKEN_MIN_LENGTH..MAX. */
export const TOKEN_LENGTH = 32;
/** Longest mailbox id the client accepts for a peer (its relay may not be ours). */
export const MAX_MAILBOX_ID_LENGTH = 64;
/** Longest display name a peer may suggest (client.md §4.1). */
export const MAX_DISPLAY_NAME_LENGTH = 64;
/** Largest encoded invitation (client.md §4.1); its text form is at most twice this after the prefix. */
export const MAX_INVITE_SIZE = 1024;
/** Largest pairwise payload (client.md §3): a group control message may carry a full roster (1,000 members of 32-byte keys and more). */
export const MAX_PAYLOAD_SIZE = MAX_CONTENT_SIZE + 64 * 1024;
/** Largest encoded group control message and welcome or change inside it (client.md §6.2); a stored group record holds 16 times this. */
export const MAX_GROUP_CONTROL_MESSAGE_SIZE = 1024 * 1024;
/** Largest token epoch in a roster or member-token (client.md §6.3): a uint32. */
export const MAX_TOKEN_EPOCH = 0xffffffff;
/** Largest stored contact record (client.md §4.3): with linked devices it holds a device list (≤ 1024) and up to 8 device addresses. */
export const MAX_CONTACT_RECORD_SIZE = 8192;
/** Most recipients of one outbox entry (a group or channel fan-out, client.md §5.1): sent in fanouts of ≤ RELAY_MAX_FANOUT. */
export const MAX_OUTBOX_RECIPIENTS = MAX_CHANNEL_MEMBERS;

// ── shared bytes ─────────────────────────────────────────────────────────────

/**
 * 32 zero bytes: the HKDF salt of PQXDH (§5.3), of the ratchet's initial keys
 * (§6.3) and of message keys (§6.2, §8.2), the all-zero X25519 output check
 * (§2), and a new group's parentHash and changeDigest (§8.6). Typed read-only, and never
 * placed in state: state takes a copy (`.slice()`), so nothing can write
 * through it.
 */
export const ZERO_32: Readonly<Uint8Array> = new Uint8Array(32);
