/**
 * Issue 9 findings 1–2: one small unauthenticated frame could take the relay
 * to 4 GB and kill it (nested array32 headers declaring 524,288 elements), and
 * 512 KiB of 0x91 blocked it for over a second. The bounded reader
 * (protocol.md §3, relay.md §7.4) rejects both at a header, allocating nothing
 * the frame does not hold.
 */
import { describe, expect, it } from 'vitest';
import { TestClient } from '../client.js';
import { attackerAddress, deepNesting, nestedArrayBomb } from './attacks.js';
import { expectHealthy, LegitimatePair, residentBytes, target, track, underAttack } from './harness.js';

/** Sends `frames` on fresh connections from `address`, `perConnection` at a time (under the strike limit), and counts the answers. */
async function bombard(url: string, address: string, frames: Uint8Array[], perConnection: number): Promise<{ answered: number; closes: number[] }> {
  let answered = 0;
  const closes: number[] = [];
  for (let i = 0; i < frames.length; i += perConnection) {
    const c = track(await TestClient.connect(url, undefined, address));
    const batch = frames.slice(i, i + perConnection);
    for (const f of batch) c.ws.send(f);
    while (c.orphanErrors.length < batch.length) {
      const closed = await Promise.race([c.closed, new Promise<undefined>((resolve) => setTimeout(resolve, 20, undefined))]);
      if (closed !== undefined) { closes.push(closed.code); break; }
    }
    answered += c.orphanErrors.filter((e) => e.type === 'error' && e.code === 'BAD_FRAME').length;
    c.close();
  }
  return { answered, closes };
}

describe('adversary: decoder bombs', () => {
  it('answers nested-header bombs and 512 KiB of nesting with BAD_FRAME, stays within its memory bound, and keeps serving a legitimate pair', async () => {
    const relay = await target();
    const pair = await LegitimatePair.open(relay.url);
    const baseline = await residentBytes(relay);
    const frames = [...Array.from({ length: 9 }, () => nestedArrayBomb()), ...Array.from({ length: 9 }, () => deepNesting())];
    let result = { answered: 0, closes: [] as number[] };
    const exchange = await underAttack(pair, 40, async () => {
      result = await bombard(relay.url, attackerAddress(0), frames, 9);
    });
    expect(result.answered).toBe(frames.length); // every hostile frame got its BAD_FRAME, none was half-read
    expect(exchange).toEqual({ acked: 40, refused: [], delivered: 40 });
    await expectHealthy(relay, baseline);
  });
});
