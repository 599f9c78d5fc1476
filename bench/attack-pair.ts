/**
 * The legitimate pair of the attack bench (bench/attack.ts): Alice, an
 * unauthenticated sealed sender, sends to Bob with Bob's token; Bob,
 * authenticated, receives and acks. Both are on 127.0.0.1, apart from the
 * attacker's addresses.
 *
 * Alice sends on a fixed schedule (open loop): she never waits for the relay,
 * so a relay slowed by an attack shows as longer round trips and refusals,
 * not as fewer messages offered. Each message carries its sequence number, so
 * its round trip runs from Alice's send to Bob's `deliver` push.
 */
import { systemRandom } from '../src/crypto/index.js';
import { decodeRelayServerFrame, type RelayRecipientRef } from '../src/wire/index.js';
import { TestClient } from '../test/relay/client.js';
import { percentile } from './forwarder-load.js';
import { onSchedule } from './schedule.js';

const MESSAGE_BYTES = 100;

export interface PairResult {
  readonly sent: number;
  readonly delivered: number;
  /** Error codes Alice was answered with, one per refused send. */
  readonly refused: readonly string[];
  /** Sends neither refused nor delivered by the end of the drain (unanswered, or acknowledged and never pushed). */
  readonly lost: number;
  /** Delivered messages per second of the send schedule. */
  readonly deliveredPerSecond: number;
  readonly rttP50: number;
  readonly rttP99: number;
  /** How far Alice's sends fell behind their schedule at worst (ms): the bench's own clock, not the relay's. */
  readonly maxLagMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class LegitimatePair {
  private readonly sentAt: number[] = [];
  private readonly rtts: number[] = [];
  private readonly arrived = new Set<number>();
  private acks: number[] = [];

  private constructor(readonly bob: TestClient, private readonly alice: TestClient, private readonly to: RelayRecipientRef) {
    bob.ws.on('message', (data: Buffer) => this.onBobFrame(data));
  }

  static async open(url: string): Promise<LegitimatePair> {
    const bob = await TestClient.login(url);
    const to = await bob.invite();
    return new LegitimatePair(bob, await TestClient.connect(url), to);
  }

  /** Sends `rate` messages a second for `durationMs`, then waits up to `drainMs` for what is still on its way. */
  async run(rate: number, durationMs: number, drainMs: number): Promise<PairResult> {
    const count = Math.round((rate * durationMs) / 1000);
    const { started: answers, maxLagMs } = await this.sendOnSchedule(count, rate);
    const deadline = performance.now() + drainMs;
    const drained = sleep(drainMs).then(() => undefined);
    const outcomes = await Promise.all(answers.map((a) => Promise.race([a, drained])));
    const refused = outcomes.flatMap((o) => (o?.type === 'error' ? [o.code] : []));
    const accepted = outcomes.filter((o) => o?.type === 'ok').length;
    while (this.arrived.size < accepted && performance.now() < deadline) await sleep(10);
    const rtts = [...this.rtts].sort((a, b) => a - b);
    return {
      sent: count, delivered: this.arrived.size, refused, lost: count - refused.length - this.arrived.size,
      deliveredPerSecond: this.arrived.size / (durationMs / 1000),
      rttP50: percentile(rtts, 50), rttP99: percentile(rtts, 99), maxLagMs,
    };
  }

  close(): void {
    this.alice.close();
    this.bob.close();
  }

  /** Message i is due at start + i / rate, whether or not earlier ones were answered. */
  private sendOnSchedule(count: number, rate: number): Promise<{ started: Array<ReturnType<TestClient['raw']>>; maxLagMs: number }> {
    return onSchedule(count, rate, (seq) => {
      const data = systemRandom(MESSAGE_BYTES);
      new DataView(data.buffer, data.byteOffset).setUint32(0, seq);
      this.sentAt[seq] = performance.now();
      return this.alice.raw({ type: 'send', ...this.to, data });
    });
  }

  /** Bob's own listener beside TestClient's: the round trip is timed when the push is read, and acks go out batched. */
  private onBobFrame(data: Buffer): void {
    const f = decodeRelayServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.length));
    if (f.type !== 'deliver') return;
    const seq = new DataView(f.data.buffer, f.data.byteOffset).getUint32(0);
    const sentAt = this.sentAt[seq];
    if (sentAt !== undefined && !this.arrived.has(seq)) {
      this.arrived.add(seq);
      this.rtts.push(performance.now() - sentAt);
    }
    this.acks.push(f.eid);
    if (this.acks.length === 1) setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    const ids = this.acks;
    this.acks = [];
    void this.bob.raw({ type: 'ack', ids });
  }
}
