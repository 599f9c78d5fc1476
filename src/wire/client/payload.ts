/**
 * What a pairwise session carries (spec/client.md §3): the plaintext of a
 * session message, one of
 *
 *   content  { c: bin }                         an app Content (§2), encoded
 *   hello    { mb: bin, tok: bin, inv: bin, name?: str }
 *                                               accepting an invitation: our mailbox, a token for us, the invite token used
 *   token    { mb: bin, tok: bin }              a (new) token for reaching the sender
 *   heal     { lost: bin(32) }                  the sender re-established the session after losing an envelope (its SHA-256)
 *   group    { g: bin }                         a group control message (src/group: distribution or membership change)
 *   invite-refused { inv: bin }                 the invitation token a hello used is no longer good for the hello's sender
 *   device   { l: bin, mb?: bin, tok?: bin }    linked devices (§10.2): the account's newest signed list, and how to reach the sender
 *   sync     { to: bin(32), c: bin }            a sibling sent Content `c` to the contact whose account key is `to`
 *   contact-sync { c: bin }                     a sibling gained or changed a contact (a contact entry, contact-entry.ts)
 *
 * encoded as { v: uint, t: str, b: map }.
 */
import { CONTENT_VERSION, LINK_MAX_ENTRY_SIZE, MAX_CONTENT_SIZE, MAX_DEVICE_LIST_SIZE, MAX_DISPLAY_NAME_LENGTH, MAX_PAYLOAD_SIZE } from '../../constants.js';
import { ED25519_PUBLIC_KEY_LENGTH, type Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readOptional, readString, readVersion } from '../codec.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

export type Payload =
  | { readonly type: 'content'; readonly content: Bytes }
  | { readonly type: 'hello'; readonly mailbox: Bytes; readonly token: Bytes; readonly inviteToken: Bytes; readonly name?: string }
  | { readonly type: 'token'; readonly mailbox: Bytes; readonly token: Bytes }
  | { readonly type: 'heal'; readonly lost: Bytes }
  | { readonly type: 'group'; readonly group: Bytes }
  | { readonly type: 'invite-refused'; readonly inviteToken: Bytes }
  | { readonly type: 'device'; readonly list: Bytes; readonly address?: { readonly mailbox: Bytes; readonly token: Bytes } }
  | { readonly type: 'sync'; readonly to: Bytes; readonly content: Bytes }
  | { readonly type: 'contact-sync'; readonly entry: Bytes };

const WHAT = 'payload';

export function encodePayload(p: Payload): Bytes {
  return encodeMsgpack({ v: CONTENT_VERSION, t: p.type, b: body(p) });
}

function body(p: Payload): Record<string, unknown> {
  switch (p.type) {
    case 'content': return { c: p.content };
    case 'hello': return { mb: p.mailbox, tok: p.token, inv: p.inviteToken, ...(p.name !== undefined && { name: p.name }) };
    case 'token': return { mb: p.mailbox, tok: p.token };
    case 'heal': return { lost: p.lost };
    case 'group': return { g: p.group };
    case 'invite-refused': return { inv: p.inviteToken };
    case 'device': return { l: p.list, ...(p.address !== undefined && { mb: p.address.mailbox, tok: p.address.token }) };
    case 'sync': return { to: p.to, c: p.content };
    case 'contact-sync': return { c: p.entry };
  }
}

export function decodePayload(bytes: Bytes): Payload {
  const map = readMap(decodeMsgpack(bytes, MAX_PAYLOAD_SIZE, WHAT), WHAT, ['v', 't', 'b']);
  readVersion(map, WHAT, [CONTENT_VERSION]);
  const type = readString(map, WHAT, 't', 16);
  const w = `${WHAT} ${type}`;
  switch (type) {
    case 'content': {
      const b = readMap(map['b'], w, ['c']);
      return { type, content: readBytes(b, w, 'c', { min: 1, max: MAX_CONTENT_SIZE }) };
    }
    case 'hello': {
      const b = readMap(map['b'], w, ['mb', 'tok', 'inv'], ['name']);
      const name = readOptional(b, 'name', () => readString(b, w, 'name', MAX_DISPLAY_NAME_LENGTH));
      return {
        type, mailbox: readBytes(b, w, 'mb', MAILBOX_RANGE), token: readBytes(b, w, 'tok', TOKEN_RANGE), inviteToken: readBytes(b, w, 'inv', TOKEN_RANGE),
        ...(name !== undefined && { name }),
      };
    }
    case 'token': {
      const b = readMap(map['b'], w, ['mb', 'tok']);
      return { type, mailbox: readBytes(b, w, 'mb', MAILBOX_RANGE), token: readBytes(b, w, 'tok', TOKEN_RANGE) };
    }
    case 'heal': {
      const b = readMap(map['b'], w, ['lost']);
      return { type, lost: readBytes(b, w, 'lost', 32) };
    }
    case 'group': {
      const b = readMap(map['b'], w, ['g']);
      return { type, group: readBytes(b, w, 'g', { min: 1, max: MAX_PAYLOAD_SIZE }) };
    }
    case 'invite-refused': {
      const b = readMap(map['b'], w, ['inv']);
      return { type, inviteToken: readBytes(b, w, 'inv', TOKEN_RANGE) };
    }
    case 'device': {
      const b = readMap(map['b'], w, ['l'], ['mb', 'tok']);
      // An address is a mailbox and a token together, or nothing (a primary announcing a list change).
      if (('mb' in b) !== ('tok' in b)) fail('MALFORMED', `${w}: mb and tok come together`, { what: w });
      const list = readBytes(b, w, 'l', { min: 1, max: MAX_DEVICE_LIST_SIZE });
      if (!('mb' in b)) return { type, list };
      return { type, list, address: { mailbox: readBytes(b, w, 'mb', MAILBOX_RANGE), token: readBytes(b, w, 'tok', TOKEN_RANGE) } };
    }
    case 'sync': {
      const b = readMap(map['b'], w, ['to', 'c']);
      return { type, to: readBytes(b, w, 'to', ED25519_PUBLIC_KEY_LENGTH), content: readBytes(b, w, 'c', { min: 1, max: MAX_CONTENT_SIZE }) };
    }
    case 'contact-sync': {
      const b = readMap(map['b'], w, ['c']);
      return { type, entry: readBytes(b, w, 'c', { min: 1, max: LINK_MAX_ENTRY_SIZE }) };
    }
    default: return fail('MALFORMED', `${WHAT}: unknown type`, { what: WHAT });
  }
}
