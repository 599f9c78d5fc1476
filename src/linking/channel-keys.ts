/**
 * The linking channel's key schedule (spec/protocol.md §12.4.3): the
 * transcript hash, one key per direction, the short authentication string,
 * and the nonces and associated data each message is sealed with.
 *
 *   th1 = SHA-256("Parley_Link_Transcript_v1" ‖ offer ‖ hello)
 *   kNE ‖ kEN ‖ sas = HKDF(ikm = X25519 output, salt = link id, info = "Parley_Link_Keys_v1" ‖ th1, 32 + 32 + 6)
 *   th2 = SHA-256("Parley_Link_Transcript_v1" ‖ th1 ‖ proof)
 */
import { LINK_KEYS_INFO, LINK_PROOF_LABEL, LINK_SAS_DIGITS, LINK_TRANSCRIPT_LABEL } from '../constants.js';
import { AEAD_NONCE_LENGTH, concatBytes, hkdf, sha256, split, uintToBytes, utf8, x25519, type Bytes } from '../crypto/index.js';

const TRANSCRIPT = utf8(LINK_TRANSCRIPT_LABEL);
const KEYS_INFO = utf8(LINK_KEYS_INFO);
const PROOF_LABEL = utf8(LINK_PROOF_LABEL);
/** 48 bits: reduced modulo 10^6 the bias is below 2^-28, and they fit a safe integer. */
const SAS_BYTES = 6;

export interface ChannelKeys {
  /** Seals the one message the new device sends (the proof). */
  readonly newToExisting: Bytes;
  /** Seals the payload chunks the existing device sends. */
  readonly existingToNew: Bytes;
  /** Both screens show it; the user confirms they are equal. */
  readonly sas: string;
  /** th1: what the proof signs and the proof's associated data. */
  readonly transcript: Bytes;
}

/** SAS = the first 6 bytes of its HKDF output as a big-endian integer, modulo 10^6, in 6 decimal digits. */
export function sasDigits(bytes: Bytes): string {
  const n = bytes.subarray(0, SAS_BYTES).reduce((acc, b) => acc * 256 + b, 0);
  return String(n % 10 ** LINK_SAS_DIGITS).padStart(LINK_SAS_DIGITS, '0');
}

/** §12.4.3: both sides call this with their own ephemeral private key and the other's public key. */
export function deriveChannelKeys(p: { privateKey: Bytes; peerKey: Bytes; linkId: Bytes; offer: Bytes; hello: Bytes }): ChannelKeys {
  const dh = x25519(p.privateKey, p.peerKey);
  const transcript = sha256(concatBytes(TRANSCRIPT, p.offer, p.hello));
  const [newToExisting, existingToNew, sas] = split(hkdf(dh, p.linkId, concatBytes(KEYS_INFO, transcript), 64 + SAS_BYTES), 32, 32, SAS_BYTES) as [Bytes, Bytes, Bytes];
  return { newToExisting, existingToNew, sas: sasDigits(sas), transcript };
}

/** th2: binds every chunk to the proof, and so to the new device's key. */
export function payloadTranscript(transcript: Bytes, proof: Bytes): Bytes {
  return sha256(concatBytes(TRANSCRIPT, transcript, proof));
}

/** What the new device's key signs: the label and th1. */
export function proofMessage(transcript: Bytes): Bytes {
  return concatBytes(PROOF_LABEL, transcript);
}

/** Nonce of message `seq` under one direction's key: 8 zero bytes ‖ u32be(seq); each key seals one series. */
export function channelNonce(seq: number): Bytes {
  return concatBytes(new Uint8Array(AEAD_NONCE_LENGTH - 4), uintToBytes(seq, 4));
}

/** Associated data of chunk `index`: th2 ‖ u32be(index) ‖ u32be(count) ‖ u32be(length). */
export function chunkAssociatedData(payloadHash: Bytes, index: number, count: number, length: number): Bytes {
  return concatBytes(payloadHash, uintToBytes(index, 4), uintToBytes(count, 4), uintToBytes(length, 4));
}
