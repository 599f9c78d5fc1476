/**
 * Reconnection delays (transport/backoff.ts): full jitter under a cap short
 * enough that a client is back soon after its relay is (client.md §6.4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/client/transport/backoff.js';
import { fcParams } from '../property/fc.js';

describe('reconnection backoff', () => {
  it('never waits more than 5 s between attempts by default, whatever the attempt and the randomness', () => {
    expect(DEFAULT_BACKOFF.maxMs).toBeLessThanOrEqual(5_000);
    fc.assert(fc.property(fc.nat(10_000), fc.uint8Array({ minLength: 4, maxLength: 4 }), (attempt, bytes) => {
      const delay = backoffDelay(attempt, () => bytes.slice());
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(5_000);
    }), fcParams(500));
  });
});
