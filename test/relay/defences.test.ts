/** The relay's defence building blocks (relay.md §7.3, §9): address keys, descriptor clamp, bounded tables, defence logs. */
import { pino, type Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../relay/address.js';
import { AddressCounts, clampToFileDescriptors, safeConnectionCap } from '../../relay/admission.js';
import { ATTACK_LOG_INTERVAL_MS, AttackLog } from '../../relay/attack-log.js';
import { DEFAULT_LIMITS } from '../../relay/config.js';
import { KeyedBuckets } from '../../relay/rate-limit.js';

function capture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { log: pino<never>({ level: 'info' }, stream), lines };
}

describe('relay defences', () => {
  it('keys IPv4 by address, IPv6 by /64, and IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(addressKey('2001:0db8:0001:0002::9'));
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
  });

  it('clamps maxConnections below the descriptor limit (with a warning) and leaves a safe one alone', () => {
    const { log, lines } = capture();
    expect(clampToFileDescriptors(DEFAULT_LIMITS, 1024, log).maxConnections).toBe(safeConnectionCap(1024));
    expect(safeConnectionCap(1024)).toBe(1024 - 256 - 64);
    expect(lines[0]).toMatchObject({ level: 40, fileDescriptorLimit: 1024, clampedTo: 704 });
    expect(clampToFileDescriptors({ ...DEFAULT_LIMITS, maxConnections: 100 }, 1024, log).maxConnections).toBe(100);
    expect(clampToFileDescriptors(DEFAULT_LIMITS, undefined, log).maxConnections).toBe(DEFAULT_LIMITS.maxConnections);
  });

  it('counts connections per address up to the cap and releases them', () => {
    const counts = new AddressCounts(2);
    expect([counts.admit('a'), counts.admit('a'), counts.admit('a'), counts.admit('b')]).toEqual([true, true, false, true]);
    counts.release('a');
    expect(counts.admit('a')).toBe(true);
  });

  it('never holds more than maxKeys rate-limit buckets, whatever keys arrive', () => {
    const table = new KeyedBuckets(1, 10, 1000);
    for (let i = 0; i < 100_000; i++) table.take(`key-${i}`, 0, 5);
    expect(table.size).toBeLessThanOrEqual(1000);
    // A refilled bucket is forgotten first: it is equivalent to a fresh one.
    table.prune(1_000_000);
    expect(table.size).toBe(0);
  });

  it('summarises defence events at most once per interval per kind, without addresses unless asked', () => {
    const { log, lines } = capture();
    const counter = new Counter({ name: 'defences', help: 'h', labelNames: ['event'] as const, registers: [new Registry()] });
    let now = 0;
    const quiet = new AttackLog(log, counter, false, () => now);
    for (let i = 0; i < 1000; i++) quiet.note('rate-limited', '198.51.100.7');
    now += ATTACK_LOG_INTERVAL_MS;
    quiet.note('rate-limited', '198.51.100.7');
    expect(lines.map((l) => [l['event'], l['count']])).toEqual([['rate-limited', 1], ['rate-limited', 1000]]);
    expect(JSON.stringify(lines)).not.toContain('198.51.100.7');
    const loud = new AttackLog(log, counter, true, () => now);
    loud.note('address-cap', '198.51.100.7');
    expect(lines.at(-1)).toMatchObject({ event: 'address-cap', address: '198.51.100.7' });
  });
});
