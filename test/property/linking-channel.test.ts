/**
 * The linking channel (protocol.md §12.4) under a relay that reorders,
 * duplicates, drops, truncates and flips bits in what it carries, and mixes
 * in messages of another link: each end accepts exactly the next honest
 * message and refuses everything else with a ProtocolError (the new device
 * takes the first well-formed hello, whoever sent it: the SAS tells); the new
 * device yields a payload only after the whole honest sequence, and then the
 * honest one. A relay that answers the offer with its own ephemeral key makes the
 * new device show other SAS digits than the existing one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, sha256, toHex, type Bytes } from '../../src/crypto/index.js';
import { isProtocolError } from '../../src/errors.js';
import {
  acceptLinkOffer, confirmLinkSas, proveLinkDevice, receiveLinkChunk, receiveLinkHello, receiveLinkProof, type LinkResult, type NewDeviceLink,
} from '../../src/linking/index.js';
import { encodeLinkMessage, encodeLinkPayload } from '../../src/wire/index.js';
import { makeAccount, runLink } from '../unit/linking/link-fixture.js';
import { fcParams } from './fc.js';

const a = makeAccount(0x51);
const honest = runLink(a, { history: new Uint8Array(192 * 1024).fill(7) });
const stranger = runLink(makeAccount(0x52));
const pool: readonly Bytes[] = [honest.hello, honest.proof, ...honest.chunks, stranger.hello, stranger.proof, ...stranger.chunks];

type Edit = { kind: 'as-is' } | { kind: 'flip'; at: number; bit: number } | { kind: 'truncate'; at: number };
const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Edit>({ kind: 'as-is' }) },
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
const arbDelivery = fc.array(fc.record({ pick: fc.nat(pool.length - 1), edit: arbEdit }), { maxLength: 12 });

function apply(bytes: Bytes, edit: Edit): Bytes {
  if (edit.kind === 'as-is') return bytes;
  if (edit.kind === 'truncate') return bytes.subarray(0, edit.at % bytes.length);
  const out = bytes.slice();
  out[edit.at % out.length]! ^= 1 << edit.bit;
  return out;
}

/** The state with each received chunk replaced by its hash: deep equality without comparing 192 KiB arrays element by element. */
function fingerprint(link: NewDeviceLink): unknown {
  return { ...link, received: link.received.map((r) => toHex(sha256(r))) };
}

/** The new device's step for one delivered message; local steps (confirm, prove) run as soon as the hello is in. */
function newDeviceStep(link: NewDeviceLink, m: Bytes): { link: NewDeviceLink; result: LinkResult | null } {
  if (link.keys === null) {
    const greeted = receiveLinkHello(link, m).link;
    return { link: proveLinkDevice(confirmLinkSas(greeted), a.newDevice).link, result: null };
  }
  return receiveLinkChunk(link, m);
}

describe('linking channel under an adversarial relay (property)', () => {
  it('the new device accepts only the next honest message and yields the honest payload only at the end', () => {
    const expected = [honest.hello, ...honest.chunks];
    fc.assert(fc.property(arbDelivery, fc.boolean(), (delivery, completeAfter) => {
      const messages = delivery.map((d) => apply(pool[d.pick]!, d.edit));
      // Half the runs end with the honest remainder, so completion is reached under noise too.
      let link = honest.newInitial;
      let accepted = 0;
      let result: LinkResult | null = null;
      let honestHello = false;
      const deliver = (m: Bytes): void => {
        const before = fingerprint(link);
        try {
          const out = newDeviceStep(link, m);
          // Any well-formed hello is taken first (telling whose it is is the SAS's job, below); after it, only the honest sequence.
          if (accepted === 0) honestHello = equalBytes(m, honest.hello);
          else expect(honestHello && equalBytes(m, expected[accepted]!)).toBe(true);
          ({ link } = out);
          accepted += 1;
          if (out.result !== null) result = out.result;
        } catch (e) {
          if (!isProtocolError(e)) throw e;
          expect(fingerprint(link)).toEqual(before); // a refused message changes nothing
        }
        if (result !== null) expect(accepted).toBe(expected.length);
      };
      messages.forEach(deliver);
      if (completeAfter) expected.slice(accepted).forEach(deliver);
      if (result === null) return;
      expect(encodeLinkPayload((result as LinkResult).payload)).toEqual(encodeLinkPayload(honest.result.payload));
    }), fcParams(40));
  });

  it('the existing device accepts only the honest proof, once, and learns the honest device key', () => {
    const start = confirmLinkSas(honest.existingAfterHello);
    fc.assert(fc.property(arbDelivery, (delivery) => {
      let link = start;
      for (const d of delivery) {
        const m = apply(pool[d.pick]!, d.edit);
        const before = structuredClone(link);
        try {
          const out = receiveLinkProof(link, m);
          expect(link.deviceKey).toBeNull();
          expect(equalBytes(m, honest.proof)).toBe(true);
          expect(equalBytes(out.deviceKey, a.newDevice.publicKey)).toBe(true);
          link = out.link;
        } catch (e) {
          if (!isProtocolError(e)) throw e;
          expect(link).toEqual(before);
        }
      }
    }), fcParams(80));
  });

  it('a relay that answers the offer with its own ephemeral key changes the new device\'s SAS', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
      let sas: string;
      try {
        sas = receiveLinkHello(honest.newInitial, encodeLinkMessage({ kind: 1, ephemeralKey: key })).sas;
      } catch (e) {
        if (!isProtocolError(e, 'INVALID_KEY')) throw e;
        return; // a non-canonical or low-order key ends the link
      }
      expect(sas).not.toBe(honest.sasExisting);
    }), fcParams(64));
  });

  it('an attacker who re-answers the same offer with fresh keys never reproduces the honest SAS', () => {
    fc.assert(fc.property(fc.integer({ min: 0x60, max: 0xff }), (seed) => {
      const attacker = acceptLinkOffer({ offer: honest.offer, random: makeAccount(seed).random });
      expect(receiveLinkHello(honest.newInitial, attacker.hello).sas).not.toBe(honest.sasExisting);
    }), fcParams(32));
  });
});
