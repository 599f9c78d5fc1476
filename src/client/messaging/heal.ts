/**
 * Self-healing (spec/client.md §7): after losing an envelope from a contact
 * because our session state was gone, start a new session from its bundle
 * and tell it which envelope was lost.
 */
import type { Bytes } from '../../crypto/index.js';
import type { Peer } from '../contacts/peer.js';
import { encodePayload } from '../../wire/client/payload.js';
import type { ClientContext } from '../context.js';
import { sendPayload } from './send.js';
import { ensureSession } from './sessions.js';

/** `lost` is the SHA-256 of the envelope that could not be decrypted; `peer` the device that sent it (sessions are per device). */
export async function heal(ctx: ClientContext, peer: Peer, lost: Bytes): Promise<void> {
  await ensureSession(ctx, peer, true);
  await sendPayload(ctx, peer, encodePayload({ type: 'heal', lost }), 'internal');
}
