/**
 * The account's timed upkeep (client.md §4.2, §5.3): rotating the signed
 * prekey pair and pruning the retired one (protocol.md §4.6), and revoking
 * single-use invitation tokens whose grace has ended. Each connection runs it
 * at its setup; while the client is open a timer runs it again when the next
 * rotation falls due, and at least every UPKEEP_CHECK_MS (token retirement is
 * not predicted — an hour late is harmless). The timer never keeps a process
 * alive.
 */
import { SIGNED_PREKEY_GRACE_PERIOD } from '../../constants.js';
import { retireTokens } from '../contacts/tokens.js';
import type { ClientContext } from '../context.js';
import { isClientError } from '../errors.js';
import { rotatePreKeys, SIGNED_PREKEY_ROTATION_INTERVAL } from './prekeys.js';

/** Longest wait between two upkeep checks while the client is open. */
const UPKEEP_CHECK_MS = 60 * 60 * 1000;

/** One upkeep pass; failures are reported as `error` events (a lost connection is not one: the next setup retries). */
export async function runUpkeep(ctx: ClientContext): Promise<void> {
  const report = (error: unknown): void => {
    if (!(isClientError(error) && (error.code === 'NOT_CONNECTED' || error.code === 'CLOSED'))) ctx.events.emit('error', { error });
  };
  await rotatePreKeys(ctx).catch(report);
  await retireTokens(ctx).catch(report);
}

/** (Re)arms the upkeep timer: the next rotation or pruning, or UPKEEP_CHECK_MS, whichever is sooner. */
export function scheduleUpkeep(ctx: ClientContext): void {
  if (ctx.upkeep.timer !== undefined) clearTimeout(ctx.upkeep.timer);
  ctx.upkeep.timer = undefined;
  if (ctx.closed) return;
  const s = ctx.preKeys;
  const due = Math.min(
    s.signedPreKey.createdAt + SIGNED_PREKEY_ROTATION_INTERVAL,
    s.previous === null ? Infinity : s.previous.retiredAt + SIGNED_PREKEY_GRACE_PERIOD,
  );
  const timer = setTimeout(() => {
    if (ctx.closed) return;
    void runUpkeep(ctx).finally(() => scheduleUpkeep(ctx));
  }, Math.max(1_000, Math.min(UPKEEP_CHECK_MS, due - ctx.now())));
  (timer as { unref?: () => void }).unref?.();
  ctx.upkeep.timer = timer;
}
