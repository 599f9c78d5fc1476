/**
 * 'parley/hazmat': the protocol layers under the client, for implementers and
 * auditors who need them directly (spec/protocol.md). Misused, they lose the
 * guarantees the client keeps (atomic commits, sealed sender, healing): an app
 * uses the default entry.
 */
export * as crypto from './crypto/index.js';
export * as wire from './wire/index.js';
export * as identity from './identity/index.js';
export * as handshake from './handshake/index.js';
export * as ratchet from './ratchet/index.js';
export * as session from './session/index.js';
export * as group from './group/index.js';
export * as linking from './linking/index.js';
