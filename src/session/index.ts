/** Sessions (spec/protocol.md §7): records of PQXDH + Double Ratchet sessions per peer, and sealed sender. */
export { EMPTY_RECORD, type SessionRecord, type SessionRole, type SessionState } from './session-state.js';
export { sessionDecrypt, sessionEncrypt, startSession, type SessionDecryptResult } from './session-cipher.js';
export { decodeSessionRecord, encodeSessionRecord } from './record-codec.js';
export { archiveCurrent } from './record.js';
export { seal, unseal, type UnsealedContent } from './sealed-sender.js';
export { StaticSecretCache } from './static-secrets.js';
