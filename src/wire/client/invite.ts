/**
 * Invitations (spec/client.md §4): how a user hands out a way to reach them.
 *
 *   msgpack { v: uint, ik: bin(32), relay: str, mb: bin(1..64), tok: bin(16..64), name?: str }
 *
 * `ik` is the inviter's identity key, `relay` the relay URL, `mb` the
 * inviter's mailbox id at that relay, `tok` a fresh delivery token the relay
 * admits senders with, `name` an optional display name (unauthenticated: the
 * app shows it as a suggestion). As text: "parley:" + base64url(msgpack),
 * unpadded. As a QR code: the msgpack bytes themselves (binary mode).
 */
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readOptional, readString, readVersion } from '../codec.js';
import { CONTENT_VERSION, MAX_DISPLAY_NAME_LENGTH, MAX_INVITE_SIZE } from '../../constants.js';
import { fromBase64url, toBase64url } from './base64url.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';
import type { IdentityKey, MailboxId } from '../brands.js';

export interface Invite {
  readonly identityKey: IdentityKey;
  readonly relay: string;
  readonly mailbox: MailboxId;
  readonly token: Bytes;
  readonly name?: string;
}

export const INVITE_PREFIX = 'parley:';
const WHAT = 'invite';

export function encodeInvite(i: Invite): Bytes {
  const map: Record<string, unknown> = { v: CONTENT_VERSION, ik: i.identityKey, relay: i.relay, mb: i.mailbox, tok: i.token };
  if (i.name !== undefined) map['name'] = i.name;
  const bytes = encodeMsgpack(map);
  decodeInvite(bytes);
  return bytes;
}

export function decodeInvite(bytes: Bytes): Invite {
  const map = readMap(decodeMsgpack(bytes, MAX_INVITE_SIZE, WHAT), WHAT, ['v', 'ik', 'relay', 'mb', 'tok'], ['name']);
  readVersion(map, WHAT, [CONTENT_VERSION]);
  const relay = readString(map, WHAT, 'relay', 512);
  if (!/^wss?:\/\/[^\s]+$/.test(relay)) fail('MALFORMED', `${WHAT}: relay is not a ws:// or wss:// URL`, { what: WHAT });
  const name = readOptional(map, 'name', () => readString(map, WHAT, 'name', MAX_DISPLAY_NAME_LENGTH));
  return {
    identityKey: readBytes(map, WHAT, 'ik', ED25519_PUBLIC_KEY_LENGTH),
    relay,
    mailbox: readBytes(map, WHAT, 'mb', MAILBOX_RANGE),
    token: readBytes(map, WHAT, 'tok', TOKEN_RANGE),
    ...(name !== undefined && { name }),
  };
}

/** The text form: "parley:" + base64url(msgpack). */
export function inviteToString(i: Invite): string {
  return INVITE_PREFIX + toBase64url(encodeInvite(i));
}

/** Parses the text form strictly (surrounding whitespace allowed), or throws ProtocolError MALFORMED. */
export function parseInvite(text: string): Invite {
  if (typeof text !== 'string') fail('MALFORMED', `${WHAT}: not a string`, { what: WHAT });
  const s = text.trim();
  if (!s.startsWith(INVITE_PREFIX) || s.length > INVITE_PREFIX.length + 2 * MAX_INVITE_SIZE) {
    fail('MALFORMED', `${WHAT}: not a parley: invitation`, { what: WHAT });
  }
  return decodeInvite(fromBase64url(s.slice(INVITE_PREFIX.length), WHAT));
}
