/**
 * Self-healing (spec/client.md §7): after losing an envelope from a contact
 * because our session state was gone, start a new session from its bundle
 * and tell it which envelope was lost.
 */
import type { Bytes } from '../../crypto/index.js';
import type { Contact } from '../../wire/client/contact.js';
import { encodePayload } from '../../wire/client/payload.js';
import type { ClientContext } from '../context.js';
import { sendPayload } from './send.js';
import { ensureSession } from './sessions.js';

/** `lost` is the SHA-256 of the envelope that could not be decrypted. */
export async function heal(ctx: ClientContext, contact: Contact, lost: Bytes): Promise<void> {
  await ensureSession(ctx, contact, true);
  await sendPayload(ctx, contact, encodePayload({ type: 'heal', lost }), 'internal');
}
