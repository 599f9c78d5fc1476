/**
 * A revoked device (spec/client.md §10.5): a linked device that accepted a
 * list of its own account that no longer names it. It keeps its store — the
 * user can still read what it holds — but it speaks for the account no more:
 * sends and announcements are refused. The state is the account record's list
 * itself (it does not name us), so nothing else is stored and a restart
 * keeps it.
 */
import { equalBytes } from '../../crypto/index.js';
import type { ClientContext } from '../context.js';
import { ClientError } from '../errors.js';
import { openedList } from './list-cache.js';

/** Is this a linked device whose own account's accepted list no longer names it? */
export function isRevoked(ctx: ClientContext): boolean {
  const account = ctx.account;
  if (account === undefined || account.primary || account.list === undefined) return false;
  return !openedList(account.list).devices.some((d) => equalBytes(d.key, ctx.identity.publicKey));
}

/** NOT_ALLOWED (`details.reason` REVOKED) on a revoked device. */
export function requireNotRevoked(ctx: ClientContext): void {
  if (isRevoked(ctx)) throw new ClientError('NOT_ALLOWED', 'this device was revoked from its account', { reason: 'REVOKED' });
}
