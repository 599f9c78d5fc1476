/** WebSocket close codes the relay uses (spec/relay.md §7.2). */
export const CLOSE_GOING_AWAY = 1001; // SIGTERM drain
export const CLOSE_TOO_BIG = 1009; // frame above maxFrameSize (sent by ws itself)
export const CLOSE_NOT_STORED = 1011; // an envelope pushed ahead of its commit was not stored as pushed (§2.3)
export const CLOSE_TRY_AGAIN_LATER = 1013; // connection cap reached (relay-wide or per address)
export const CLOSE_PROTOCOL_VIOLATIONS = 4000; // maxStrikes malformed or out-of-order frames
export const CLOSE_IDLE_UNAUTHENTICATED = 4002; // no auth and no request for unauthenticatedIdleMs
export const CLOSE_REPLACED = 4005; // a newer connection authenticated for the same mailbox
export const CLOSE_RATE_LIMIT_ABUSE = 4008; // maxRateLimited consecutive RATE_LIMITED answers
