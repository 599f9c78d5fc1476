/**
 * The text form of a link offer (spec/client.md §10.4): "parley-link:" +
 * base64url of the offer bytes (protocol.md §12.4.1). The QR code carries the
 * offer bytes themselves; the text is for a link or a terminal.
 */
import { LINK_MAX_OFFER_SIZE } from '../../constants.js';
import type { Bytes } from '../../crypto/index.js';
import { fail } from '../../errors.js';
import { decodeLinkOffer, type LinkOffer } from '../../wire/index.js';
import { fromBase64url, toBase64url } from '../../wire/client/base64url.js';
import { LINK_OFFER_PREFIX } from './offer-prefix.js';

export { LINK_OFFER_PREFIX };

const WHAT = 'link offer';

export function linkOfferToString(offer: Bytes): string {
  return LINK_OFFER_PREFIX + toBase64url(offer);
}

/** The offer's bytes (from its text, or the QR code's bytes as they are) and what they say; MALFORMED otherwise. */
export function readLinkOffer(offer: string | Bytes): { bytes: Bytes; offer: LinkOffer } {
  const bytes = typeof offer === 'string' ? offerBytes(offer) : offer;
  return { bytes, offer: decodeLinkOffer(bytes) };
}

function offerBytes(text: string): Bytes {
  const s = text.trim();
  if (!s.startsWith(LINK_OFFER_PREFIX) || s.length > LINK_OFFER_PREFIX.length + 2 * LINK_MAX_OFFER_SIZE) {
    fail('MALFORMED', `${WHAT}: not a ${LINK_OFFER_PREFIX} offer`, { what: WHAT });
  }
  return fromBase64url(s.slice(LINK_OFFER_PREFIX.length), WHAT);
}
