/**
 * Replays the step sequences of spec/vectors/linking.json (spec/test-vectors.md
 * §Linking) through src/linking: shared by the generator, which checks each
 * outcome against the spec, and by test/vectors/linking.test.ts. Not a
 * generator itself (the leading underscore keeps it out of the registry).
 */
import { fromHex, type Bytes, type RandomSource } from '../../src/crypto/index.js';
import { identityKeyPairFromSeed } from '../../src/identity/index.js';
import {
  acceptLinkOffer, confirmLinkSas, createLinkOffer, proveLinkDevice, receiveLinkChunk, receiveLinkHello, receiveLinkProof, sealLinkPayload,
  type ExistingDeviceLink, type NewDeviceLink,
} from '../../src/linking/index.js';
import { decodeLinkPayload } from '../../src/wire/index.js';

/** One step: a message received (hex), a local action, or a payload sealed (hex, or the honest one with a zero history of n bytes). */
export type LinkStep =
  | ['hello', string] | ['chunk', string] | ['proof', string] | ['seal', string] | ['sealHistory', number] | ['confirm'] | ['prove'];

export interface LinkContext {
  readonly newEphemeral: Bytes;
  readonly linkId: Bytes;
  readonly existingEphemeral: Bytes;
  readonly offer: Bytes;
  readonly relayUrl: string;
  readonly newDeviceSeed: Bytes;
  readonly payload: Bytes;
}

/** A random source that returns the given draws in order (each of the length asked for). */
export function scriptedRandom(draws: readonly Bytes[]): RandomSource {
  let i = 0;
  return (length) => {
    const next = draws[i++];
    if (next === undefined || next.length !== length) throw new Error(`scripted random: draw ${i - 1} of ${length} bytes not scripted`);
    return next.slice();
  };
}

function newDeviceStep(link: NewDeviceLink, step: LinkStep, ctx: LinkContext): NewDeviceLink {
  switch (step[0]) {
    case 'hello': return receiveLinkHello(link, fromHex(step[1])).link;
    case 'confirm': return confirmLinkSas(link);
    case 'prove': return proveLinkDevice(link, identityKeyPairFromSeed(ctx.newDeviceSeed)).link;
    case 'chunk': return receiveLinkChunk(link, fromHex(step[1])).link;
    default: throw new Error(`linking steps: ${step[0]} is not a new-device step`);
  }
}

function existingStep(link: ExistingDeviceLink, step: LinkStep, ctx: LinkContext): ExistingDeviceLink {
  switch (step[0]) {
    case 'confirm': return confirmLinkSas(link);
    case 'proof': return receiveLinkProof(link, fromHex(step[1])).link;
    case 'seal': return sealLinkPayload(link, decodeLinkPayload(fromHex(step[1]))).link;
    case 'sealHistory': return sealLinkPayload(link, { ...decodeLinkPayload(ctx.payload), history: new Uint8Array(step[1]) }).link;
    default: throw new Error(`linking steps: ${step[0]} is not an existing-device step`);
  }
}

/** Runs `steps` from the side's first state (the offer made, or accepted, from the context's draws); throws at the first refusal. */
export function runLinkSteps(side: 'new' | 'existing', ctx: LinkContext, steps: readonly LinkStep[]): void {
  if (side === 'new') {
    const created = createLinkOffer({ relayUrl: ctx.relayUrl, random: scriptedRandom([ctx.newEphemeral, ctx.linkId]) });
    steps.reduce((link, step) => newDeviceStep(link, step, ctx), created.link);
  } else {
    const accepted = acceptLinkOffer({ offer: ctx.offer, random: scriptedRandom([ctx.existingEphemeral]) });
    steps.reduce((link, step) => existingStep(link, step, ctx), accepted.link);
  }
}
