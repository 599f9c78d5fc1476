/**
 * Hostile frames built by hand from spec/relay.md, shared by the adversarial
 * suite (test/relay/adversary) and the attack bench (bench/attack.ts). Every
 * builder returns bytes a real attacker could send; none goes through the
 * relay's own encoder where that would hide the attack.
 */
import { systemRandom, type Bytes } from '../../../src/crypto/index.js';
import { encodeMsgpack, encodeRelayRequest, type RelayRecipientRef } from '../../../src/wire/index.js';

/** `count` nested array32 headers, each declaring `declared` elements (finding 1: 2,000 × 524,288 in 10,000 bytes). */
export function nestedArrayBomb(count = 2000, declared = 524_288): Bytes {
  const out = new Uint8Array(count * 5);
  for (let i = 0; i < count; i++) {
    out[i * 5] = 0xdd;
    new DataView(out.buffer).setUint32(i * 5 + 1, declared);
  }
  return out;
}

/** A frame of `depth` nested one-element arrays (0x91 …) ending in nil (finding 2: depth 524,287 in 512 KiB). */
export function deepNesting(depth = 524_287): Bytes {
  const out = new Uint8Array(depth + 1).fill(0x91);
  out[depth] = 0xc0;
  return out;
}

/** A `send` to `mailbox` with a token it does not hold (or a revoked one). */
export function wrongTokenSend(id: number, mailbox: Bytes, token: Bytes = systemRandom(16)): Bytes {
  return encodeRelayRequest({ type: 'send', id, mailbox, token, data: systemRandom(64) });
}

/** A fanout naming `n` random (non-existent) mailboxes (finding 4). */
export function randomFanout(id: number, n = 1000): Bytes {
  const to = Array.from({ length: n }, () => ({ mailbox: systemRandom(16), token: systemRandom(16) }));
  return encodeRelayRequest({ type: 'fanout', id, to, data: systemRandom(64) });
}

/** A fanout to `refs`, each listed `copies` times (deliveries to attacker-owned mailboxes). */
export function amplifiedFanout(id: number, refs: readonly RelayRecipientRef[], copies: number): Bytes {
  const to = refs.flatMap((r) => Array.from({ length: copies }, () => r));
  return encodeRelayRequest({ type: 'fanout', id, to, data: systemRandom(256) });
}

/** A frame with a readable id but a field of the wrong type: a strike. */
export function malformed(id: number): Bytes {
  return encodeMsgpack({ v: 1, t: 'send', id, mailbox: 1 });
}

/** Loopback addresses other than 127.0.0.1: attackers pose as other hosts (the relay counts per address). */
export function attackerAddress(i: number): string {
  return `127.0.0.${2 + i}`;
}
