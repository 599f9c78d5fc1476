/**
 * The prefix of a link offer's text form (spec/client.md §10.4), public in
 * 'parley'. Apart from offer-text.ts: the package's index exports it, and a
 * module the index reaches is in a web app's entry (bench/bundle-size.ts),
 * while the offer codec is needed only by linking, which loads on first use.
 */
export const LINK_OFFER_PREFIX = 'parley-link:';
