/**
 * What the client uploads to the relay (spec/client.md §6): the relay stores
 * these bytes without reading them; the recipient learns which layer opens them.
 *
 *   { v: uint, k: uint (1 = sealed envelope, 2 = group message, 3 = sealed ephemeral content), d: bin }
 */
import { CONTENT_VERSION } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { MAX_SEALED_ENVELOPE_SIZE } from '../sealed-envelope.js';
import { decodeMsgpack, encodeMsgpack, readBytes, readMap, readUint, readVersion } from '../codec.js';
import type { MailboxId } from '../brands.js';

export type RelayEnvelope =
  | { readonly kind: 'sealed'; readonly data: Bytes }
  | { readonly kind: 'group'; readonly data: Bytes }
  /** A sealed envelope whose content is a payload itself, not a session message (client.md §2.3): typing indicators. */
  | { readonly kind: 'ephemeral'; readonly data: Bytes };

const WHAT = 'relay envelope';
export const MAX_RELAY_ENVELOPE_SIZE = MAX_SEALED_ENVELOPE_SIZE + 64;

const KIND_NUMBER = { sealed: 1, group: 2, ephemeral: 3 } as const;

export function encodeRelayEnvelope(e: RelayEnvelope): Bytes {
  return encodeMsgpack({ v: CONTENT_VERSION, k: KIND_NUMBER[e.kind], d: e.data });
}

export function decodeRelayEnvelope(bytes: Bytes): RelayEnvelope {
  const map = readMap(decodeMsgpack(bytes, MAX_RELAY_ENVELOPE_SIZE, WHAT), WHAT, ['v', 'k', 'd']);
  readVersion(map, WHAT, [CONTENT_VERSION]);
  const k = readUint(map, WHAT, 'k', 255);
  const data = readBytes(map, WHAT, 'd', { min: 1, max: MAX_SEALED_ENVELOPE_SIZE });
  if (k === 1) return { kind: 'sealed', data };
  if (k === 2) return { kind: 'group', data };
  if (k === 3) return { kind: 'ephemeral', data };
  return fail('MALFORMED', `${WHAT}: unknown kind`, { what: WHAT, got: k });
}

/** Where the relay delivers an upload: a mailbox, admitted by a token its owner registered (spec/relay.md §5). */
export interface RelayRecipient {
  readonly mailbox: MailboxId;
  readonly token: Bytes;
}
