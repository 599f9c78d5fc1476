/**
 * Someone we can send to in a pairwise session: a contact, or a fellow group
 * member who is not one of our contacts (reached through the group roster).
 * Every Contact is a Peer; a Peer carries nothing the user confirmed.
 */
import type { Bytes } from '../../crypto/index.js';
import type { IdentityKey, MailboxId } from '../../wire/brands.js';

export interface Peer {
  /** A contact's local id, or the member's identity key in hex when it is not a contact. */
  readonly id: string;
  readonly identityKey: IdentityKey;
  readonly mailbox: MailboxId;
  /** The delivery token that admits us to its mailbox (absent until known). */
  readonly token?: Bytes;
  /** A display name it suggested (unauthenticated). */
  readonly name?: string;
}
