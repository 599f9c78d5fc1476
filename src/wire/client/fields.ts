/** Byte ranges the client's codecs share (spec/client.md §3–§6), defined once from src/constants.ts. */
import { MAX_MAILBOX_ID_LENGTH, RELAY_TOKEN_MAX_LENGTH, RELAY_TOKEN_MIN_LENGTH } from '../../constants.js';

/** A delivery token: what any relay accepts (relay.md §5), not only the TOKEN_LENGTH we issue. */
export const TOKEN_RANGE = { min: RELAY_TOKEN_MIN_LENGTH, max: RELAY_TOKEN_MAX_LENGTH } as const;
/** A peer's mailbox id at its relay. */
export const MAILBOX_RANGE = { min: 1, max: MAX_MAILBOX_ID_LENGTH } as const;
