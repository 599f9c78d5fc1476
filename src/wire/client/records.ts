/**
 * The client's own stored records (spec/client.md §5), each a state triple
 * `[1, kind, map]` decoded strictly:
 *
 *   token    tokens/<token hex>      { contact?: str, multiUse: bool, forContact: bool, createdAt: uint }
 *   outbox   outbox/<seq>            { id: bin(16), to: str, r: [[mailbox, token]…], e: bin, fanout: bool, q?: true }
 *   message  messages/<sender>:<id>  { from: str, group?: str, c: bin, at: uint, out?: true }
 */
import { MAX_CONTENT_SIZE, MAX_OUTBOX_RECIPIENTS } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { checkBytes, readArray, readBoolean, readBytes, readMap, readOptional, readString, readUint, type WireMap } from '../codec.js';
import { MAX_RELAY_ENVELOPE_SIZE } from './relay-envelope.js';
import type { RelayRecipient } from './relay-envelope.js';
import { decodeState, encodeState } from '../state-envelope.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

const encodeTriple = encodeState;

function decodeTriple(bytes: Bytes, kind: string, max: number, required: string[], optional: string[] = []): WireMap {
  return readMap(decodeState(bytes, kind, max, kind), kind, required, optional);
}

// ── delivery tokens we issued ───────────────────────────────────────────────

export interface TokenRecord {
  /** The contact this token is bound to (after first use of a single-use invitation, or a dedicated token). */
  readonly contact?: string;
  /** A multi-use invitation (e.g. a published QR code): never bound to one contact. */
  readonly multiUse: boolean;
  /** A re-invitation of an existing contact: a hello through it from a new identity key is that contact's key change. */
  readonly forContact: boolean;
  readonly createdAt: number;
  /**
   * A single-use invitation token replaced by a dedicated one (client.md §4.2):
   * still honoured until this time (ms), so what the contact sent with it
   * before learning the new token gets through; then revoked at the relay.
   */
  readonly retireAt?: number;
}

export function encodeTokenRecord(t: TokenRecord): Bytes {
  return encodeTriple('token', {
    ...(t.contact !== undefined && { contact: t.contact }), multiUse: t.multiUse, forContact: t.forContact, createdAt: t.createdAt,
    ...(t.retireAt !== undefined && { retireAt: t.retireAt }),
  });
}

export function decodeTokenRecord(bytes: Bytes): TokenRecord {
  const m = decodeTriple(bytes, 'token', 256, ['multiUse', 'forContact', 'createdAt'], ['contact', 'retireAt']);
  const contact = readOptional(m, 'contact', () => readString(m, 'token', 'contact', 64));
  const retireAt = readOptional(m, 'retireAt', () => readUint(m, 'token', 'retireAt'));
  return {
    multiUse: readBoolean(m, 'token', 'multiUse'), forContact: readBoolean(m, 'token', 'forContact'), createdAt: readUint(m, 'token', 'createdAt'),
    ...(contact !== undefined && { contact }), ...(retireAt !== undefined && { retireAt }),
  };
}

// ── outbox ──────────────────────────────────────────────────────────────────

export interface OutboxRecord {
  readonly id: Bytes;
  /** Contact id or group id the message is for (for the `sent` event). */
  readonly to: string;
  readonly recipients: readonly RelayRecipient[];
  readonly envelope: Bytes;
  readonly fanout: boolean;
  /**
   * One of several entries of one message (linked devices, client.md §10.3: an envelope per device and a
   * `sync` per sibling): it emits no `sent` event of its own; the send emits one when all are done.
   */
  readonly quiet?: true;
}

export function encodeOutboxRecord(o: OutboxRecord): Bytes {
  return encodeTriple('outbox', {
    id: o.id, to: o.to, r: o.recipients.map((r) => [r.mailbox, r.token]), e: o.envelope, fanout: o.fanout, ...(o.quiet === true && { q: true }),
  });
}

export function decodeOutboxRecord(bytes: Bytes): OutboxRecord {
  const m = decodeTriple(bytes, 'outbox', MAX_RELAY_ENVELOPE_SIZE + MAX_OUTBOX_RECIPIENTS * 160, ['id', 'to', 'r', 'e', 'fanout'], ['q']);
  if (m['q'] !== undefined && m['q'] !== true) fail('MALFORMED', 'outbox: q is not true', { what: 'outbox', field: 'q' });
  const recipients = readArray(m, 'outbox', 'r', MAX_OUTBOX_RECIPIENTS).map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) return fail('MALFORMED', 'outbox: bad recipient');
    return { mailbox: checkBytes(pair[0], 'outbox', 'mailbox', MAILBOX_RANGE), token: checkBytes(pair[1], 'outbox', 'token', TOKEN_RANGE) };
  });
  return {
    id: readBytes(m, 'outbox', 'id', 16), to: readString(m, 'outbox', 'to', 128), recipients,
    envelope: readBytes(m, 'outbox', 'e', { min: 1, max: MAX_RELAY_ENVELOPE_SIZE }), fanout: readBoolean(m, 'outbox', 'fanout'),
    ...(m['q'] === true && { quiet: true as const }),
  };
}

// ── received messages ───────────────────────────────────────────────────────

export interface StoredMessage {
  /** The sender's contact id. */
  readonly from: string;
  readonly group?: string;
  /** The encoded Content. */
  readonly content: Bytes;
  readonly receivedAt: number;
  /** Sent by another device of our own account to the contact `from` (a `sync`, client.md §10.3). */
  readonly outgoing?: true;
}

export function encodeStoredMessage(s: StoredMessage): Bytes {
  return encodeTriple('message', {
    from: s.from, ...(s.group !== undefined && { group: s.group }), c: s.content, at: s.receivedAt, ...(s.outgoing === true && { out: true }),
  });
}

export function decodeStoredMessage(bytes: Bytes): StoredMessage {
  const m = decodeTriple(bytes, 'message', MAX_CONTENT_SIZE + 512, ['from', 'c', 'at'], ['group', 'out']);
  if (m['out'] !== undefined && m['out'] !== true) fail('MALFORMED', 'message: out is not true', { what: 'message', field: 'out' });
  const group = readOptional(m, 'group', () => readString(m, 'message', 'group', 128));
  return {
    from: readString(m, 'message', 'from', 64), content: readBytes(m, 'message', 'c', { min: 1, max: MAX_CONTENT_SIZE }),
    receivedAt: readUint(m, 'message', 'at'), ...(group !== undefined && { group }), ...(m['out'] === true && { outgoing: true as const }),
  };
}
