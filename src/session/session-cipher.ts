/**
 * Encrypting to and decrypting from a peer (spec/protocol.md §7.2): the
 * orchestration of PQXDH and the ratchet over a session record. Every
 * function is pure: it returns the new record (and prekey state) and, on
 * failure, throws without having changed anything it was given.
 */
import { equalBytes, type Bytes, type RandomSource } from '../crypto/index.js';
import { fail, isProtocolError, type ProtocolError } from '../errors.js';
import { initiatePqxdh, respondPqxdh } from '../handshake/index.js';
import type { IdentityKeyPair, PreKeyState } from '../identity/index.js';
import { PQ_RATCHET_VERSION, PROTOCOL_VERSION } from '../constants.js';
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt, type RatchetVersion } from '../ratchet/index.js';
import {
  decodeInitialMessage, decodeSessionMessage, encodeInitialMessage, encodeSessionMessage, type PreKeyBundle,
} from '../wire/index.js';
import { findByBase, installSession, isRetired, replaceSession, sessionsInTrialOrder } from './record.js';
import type { SessionRecord, SessionState } from './session-state.js';

/**
 * Runs the initiator side of PQXDH against `bundle` and makes the new session
 * current (§7.2 Sending). Version 3 (the post-quantum ratchet) unless told.
 */
export function startSession(p: {
  record: SessionRecord; identity: IdentityKeyPair; bundle: PreKeyBundle; random: RandomSource; version?: RatchetVersion;
}): SessionRecord {
  const version = p.version ?? PQ_RATCHET_VERSION;
  const handshake = initiatePqxdh({ identity: p.identity, bundle: p.bundle, random: p.random, version });
  const ratchet = initSender({
    version,
    sharedSecret: handshake.sharedSecret,
    peerRatchetKey: handshake.ratchetPublicKey,
    associatedData: handshake.associatedData,
    random: p.random,
  });
  const session: SessionState = {
    peer: p.bundle.identityKey.slice(),
    role: 'initiator',
    base: handshake.initialHeader.ephemeralKey,
    ratchet,
    pending: handshake.initialHeader,
    received: false,
  };
  return installSession(p.record, session);
}

/** Encrypts `plaintext` on the current session; the result is an encoded session message. */
export function sessionEncrypt(record: SessionRecord, plaintext: Bytes, random: RandomSource): { record: SessionRecord; message: Bytes } {
  const current = record.current;
  if (current === null) return fail('NO_SESSION', 'no current session with this peer');
  const { state: ratchet, message } = ratchetEncrypt(current.ratchet, plaintext, random);
  const body = current.pending === null ? message : encodeInitialMessage({ ...current.pending, version: current.ratchet.version, message });
  return {
    record: replaceSession(record, current, { ...current, ratchet }),
    message: encodeSessionMessage({ kind: current.pending === null ? 'ratchet' : 'initial', body }),
  };
}

export interface SessionDecryptResult {
  readonly record: SessionRecord;
  /** The prekey state after consuming what a new session used (unchanged otherwise). */
  readonly preKeys: PreKeyState;
  readonly plaintext: Bytes;
  /** True when this message created a new session (the peer initiated). */
  readonly newSession: boolean;
}

/**
 * Decrypts a session message from `peer` (whose identity the sealed-sender
 * layer authenticated). An initial message must name `peer` as its initiator.
 */
export function sessionDecrypt(p: {
  record: SessionRecord; identity: IdentityKeyPair; preKeys: PreKeyState; peer: Bytes; message: Bytes; random: RandomSource;
}): SessionDecryptResult {
  const message = decodeSessionMessage(p.message);
  if (message.kind === 'ratchet') {
    const { record, plaintext } = decryptOnExisting(p.record, sessionsInTrialOrder(p.record), message.body, p.random);
    return { record, preKeys: p.preKeys, plaintext, newSession: false };
  }
  const initial = decodeInitialMessage(message.body);
  if (!equalBytes(initial.identityKey, p.peer)) {
    fail('UNTRUSTED_IDENTITY', 'initial message names an initiator other than the authenticated sender');
  }
  const known = findByBase(p.record, initial.ephemeralKey);
  if (known !== undefined) {
    // The initiator repeats its header until it hears back: same session, no prekey consumed.
    const { record, plaintext } = decryptOnExisting(p.record, [known], initial.message, p.random);
    return { record, preKeys: p.preKeys, plaintext, newSession: false };
  }
  if (isRetired(p.record, initial.ephemeralKey)) {
    fail('DUPLICATE_MESSAGE', 'initial message of a session this record has dropped (a replay)');
  }
  // The initiator's choice (§6.9): a decoded initial message always names it; SK and the ratchet both take it.
  const version = (initial.version ?? PROTOCOL_VERSION) as RatchetVersion;
  const handshake = respondPqxdh({ identity: p.identity, preKeys: p.preKeys, header: initial, version });
  const fresh = initReceiver({
    version,
    sharedSecret: handshake.sharedSecret,
    ownRatchetKeyPair: handshake.signedPreKeyPair,
    associatedData: handshake.associatedData,
  });
  const { state: ratchet, plaintext } = ratchetDecrypt(fresh, initial.message, p.random);
  const session: SessionState = {
    peer: initial.identityKey, role: 'responder', base: initial.ephemeralKey, ratchet, pending: null, received: true,
  };
  return { record: installSession(p.record, session), preKeys: handshake.preKeys, plaintext, newSession: true };
}

/** Tries each session in order; the first that decrypts is updated in place and marked received. */
function decryptOnExisting(
  record: SessionRecord, sessions: readonly SessionState[], body: Bytes, random: RandomSource,
): { record: SessionRecord; plaintext: Bytes } {
  if (sessions.length === 0) return fail('NO_SESSION', 'no session with this peer');
  let first: ProtocolError | undefined;
  for (const session of sessions) {
    try {
      const { state: ratchet, plaintext } = ratchetDecrypt(session.ratchet, body, random);
      const updated: SessionState = { ...session, ratchet, pending: null, received: true };
      return { record: replaceSession(record, session, updated), plaintext };
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      first ??= e;
      // A duplicate on a session proves the message belongs to it: no point trying the others.
      if (e.code === 'DUPLICATE_MESSAGE' || e.code === 'TOO_MANY_SKIPPED') throw e;
    }
  }
  throw first as ProtocolError;
}
