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
 *
 * encoded as { v: uint, t: str, b: map }.
 */
import { CONTENT_VERSION, MAX_CONTENT_SIZE, MAX_DISPLAY_NAME_LENGTH, MAX_PAYLOAD_SIZE } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readOptional, readString, readVersion } from '../codec.js';
import { MAILBOX_RANGE, TOKEN_RANGE } from './fields.js';

export type Payload =
  | { readonly type: 'content'; readonly content: Bytes }
  | { readonly type: 'hello'; readonly mailbox: Bytes; readonly token: Bytes; readonly inviteToken: Bytes; readonly name?: string }
  | { readonly type: 'token'; readonly mailbox: Bytes; readonly token: Bytes }
  | { readonly type: 'heal'; readonly lost: Bytes }
  | { readonly type: 'group'; readonly group: Bytes }
  | { readonly type: 'invite-refused'; readonly inviteToken: Bytes };

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
    default: return fail('MALFORMED', `${WHAT}: unknown type`, { what: WHAT });
  }
}
