/**
 * The new device's side of linking (spec/client.md §10.4,
 * protocol.md §12.4): a freshly opened client, with nothing of an account yet, shows an
 * offer, opens the link's mailboxes at the relay, and shows the SAS once the
 * primary's hello arrives. After the user confirmed, it proves its device
 * key, takes the payload, checks that the list names it (protocol.md §12.4.5), installs
 * the account — contacts, siblings — in one write, and announces itself to
 * every contact device and sibling. Rejecting the SAS discards everything.
 */
import type { Bytes } from '../../crypto/index.js';
import { toHex } from '../../crypto/index.js';
import { isProtocolError, type ProtocolError } from '../../errors.js';
import {
  confirmLinkSas, createLinkOffer, proveLinkDevice, receiveLinkChunk, receiveLinkHello, type LinkResult, type NewDeviceLink,
} from '../../linking/index.js';
import { decodeLinkMessage } from '../../wire/index.js';
import type { LinkGroupEntry } from '../../wire/client/link-group.js';
import type { ClientContext } from '../context.js';
import { installAccount } from '../devices/index.js';
import { ClientError } from '../errors.js';
import { announceInBackground } from './announce-later.js';
import { linkStep, settleOnce } from './link-errors.js';
import { openLinkMailbox, type LinkMailbox } from './mailbox.js';
import { linkOfferToString } from './offer-text.js';
import { historyWrites, readHistory } from './history.js';
import { readLinkPayload } from './payload.js';

/** A link offered by a new device: show `text` or `qr`, then `sas` when it resolves; `confirm()` if the primary shows the same digits, else `cancel()`. */
export interface LinkOffering {
  /** "parley-link:…", for a link or a terminal. */
  readonly text: string;
  /** The offer bytes, for a QR code (byte mode). */
  readonly qr: Bytes;
  /** The SAS, once the primary's hello arrived; rejects LINK_FAILED if the link ends first. */
  readonly sas: Promise<string>;
  /** Proves this device, takes the payload and installs the account; resolves once it is installed (announcing follows in the background). */
  confirm(): Promise<LinkedAccount>;
  /** The digits differ, or the user gave up: the link and everything it brought are discarded. */
  cancel(): Promise<void>;
}

/** What the new device became. */
export interface LinkedAccount {
  /** The account key, hex. */
  readonly account: string;
  readonly deviceId: number;
  readonly contacts: number;
  /** The account's groups, for display: this device joins each through its admins (client.md §10.6). */
  readonly groups: readonly LinkGroupEntry[];
  /** Messages of the history the primary sent (client.md §10.4), now stored here; 0 when it sent none. */
  readonly history: number;
  /** The display name the primary uses, if it has one (shown only). */
  readonly displayName?: string;
}

/** Only a client with no account, contact or group of its own becomes a device of another account. */
function requireFresh(ctx: ClientContext): void {
  if (ctx.account !== undefined || ctx.contacts.all().length > 0 || ctx.groups.ids().length > 0) {
    throw new ClientError('NOT_ALLOWED', 'only a new client, with no contacts or groups yet, can be linked to an account');
  }
}

export async function offerLink(ctx: ClientContext): Promise<LinkOffering> {
  requireFresh(ctx);
  const { link, offer } = createLinkOffer({ relayUrl: ctx.relayUrl, random: ctx.random });
  const mailbox = await openLinkMailbox(ctx, link.linkId, 'n', true);
  const hello = waitForHello(link, mailbox);
  hello.catch(() => undefined); // read through `sas` or `confirm`; an ended link must not be an unhandled rejection
  const once = settleOnce(mailbox, 'e');
  const sas = hello.then((h) => h.sas);
  sas.catch(() => undefined); // likewise for an app that never asks for the SAS (it cancelled first)
  return {
    text: linkOfferToString(offer), qr: offer, sas,
    confirm: () => once.run(async () => complete(ctx, (await hello).link, mailbox)),
    cancel: () => once.cancel(),
  };
}

/** The first hello stands (protocol.md §12.4.8); anything before it is dropped. */
async function waitForHello(link: NewDeviceLink, mailbox: LinkMailbox): Promise<{ link: NewDeviceLink; sas: string }> {
  for (;;) {
    const message = await mailbox.next();
    try {
      return receiveLinkHello(link, message);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }
}

async function complete(ctx: ClientContext, helloed: NewDeviceLink, mailbox: LinkMailbox): Promise<LinkedAccount> {
  requireFresh(ctx);
  const proven = proveLinkDevice(confirmLinkSas(helloed), ctx.identity);
  await mailbox.send('e', proven.proof);
  const { payload, deviceList } = await receivePayload(proven.link, mailbox);
  const received = linkStep('the payload', () => readLinkPayload(payload));
  const history = payload.history === undefined ? [] : linkStep('the history', () => readHistory(payload.history as Bytes));
  await installAccount(ctx, {
    accountKey: payload.account, deviceId: payload.deviceId, list: payload.deviceList, contacts: received.contacts,
    siblings: received.siblings.map((s) => ({ key: s.key, mailbox: s.mailbox, ...(s.token !== undefined && { token: s.token }) })),
  });
  const messages = historyWrites(ctx, history);
  if (messages.length > 0) await ctx.lane.run(() => ctx.store.write(messages));
  announceInBackground(ctx); // installed: the link took effect, an announcement that fails is retried
  return {
    account: toHex(deviceList.account), deviceId: payload.deviceId, contacts: received.contacts.length, groups: received.groups,
    history: messages.length,
    ...(received.displayName !== undefined && { displayName: received.displayName }),
  };
}

/**
 * Chunks in order until the payload is whole. A stray, replayed or forged message is dropped (the state is
 * unchanged, protocol.md §12.4.7); a payload refused once its last chunk opened ends the link.
 */
async function receivePayload(start: NewDeviceLink, mailbox: LinkMailbox): Promise<LinkResult> {
  let link = start;
  for (;;) {
    const message = await mailbox.next();
    try {
      const step = receiveLinkChunk(link, message);
      if (step.result !== null) return step.result;
      link = step.link;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      if (refusedPayload(link, message, e)) throw new ClientError('LINK_FAILED', `the payload was refused (${e.code})`, { reason: e.code });
    }
  }
}

/** The failure came after the last chunk opened: the payload itself was refused, not a stray message. */
function refusedPayload(link: NewDeviceLink, message: Bytes, e: ProtocolError): boolean {
  if (e.code === 'DECRYPT_FAILED' || e.code === 'DUPLICATE_MESSAGE' || e.code === 'INVALID_STATE') return false;
  try {
    const m = decodeLinkMessage(message);
    const same = link.announced === null || (m.kind === 3 && m.count === link.announced.count && m.length === link.announced.length);
    return m.kind === 3 && same && m.index === link.received.length && m.index === m.count - 1;
  } catch {
    return false;
  }
}
