/**
 * Length padding (spec/protocol.md §3.1): what the relay may learn of a
 * plaintext is its size class, never its exact length.
 *
 *   pad(m)   = m ‖ 0x80 ‖ 0x00 … 0x00        total paddedLength(|m|) bytes
 *   unpad(p) = p without its trailing zeros and the 0x80 before them
 *
 * Size classes: at least PADDING_MIN_LENGTH bytes, above that Padmé
 * (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019): a length L keeps only its top
 * ⌊log2 ⌊log2 L⌋⌋ + 1 significant bits, so the overhead stays under 12 % and
 * a class of lengths up to 2^k leaks O(log log) bits. The floor puts every
 * small message (receipts, reactions, short texts) in one class; Padmé alone
 * would give exact lengths below 16 bytes. Pure functions of the input: no
 * randomness, so vectors are reproducible.
 */
import { PADDING_MARKER, PADDING_MIN_LENGTH } from '../constants.js';
import type { Bytes } from '../crypto/index.js';
import { fail } from '../errors.js';

/** Padmé of L ≥ 1: L rounded up to keep only ⌊log2 E⌋ + 1 bits of mantissa, E = ⌊log2 L⌋. */
export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 1) fail('MALFORMED', 'padme: length must be a positive integer');
  if (length < 2) return length;
  const e = floorLog2(length);
  const s = floorLog2(e) + 1;
  const unit = 2 ** Math.max(0, e - s);
  return Math.ceil(length / unit) * unit;
}

/** ⌊log2 n⌋ for a positive safe integer, exactly (Math.log2 rounds near powers of two). */
function floorLog2(n: number): number {
  let e = 0;
  for (let v = n; v >= 2; v = Math.floor(v / 2)) e++;
  return e;
}

/**
 * The size of pad(m) for a message of `contentLength` bytes (the marker byte
 * included), at least `floor`: PADDING_MIN_LENGTH for group plaintexts,
 * SEALED_PADDING_MIN_LENGTH for what a sealed envelope carries (§7.3).
 */
export function paddedLength(contentLength: number, floor: number = PADDING_MIN_LENGTH): number {
  if (!Number.isSafeInteger(contentLength) || contentLength < 0) fail('MALFORMED', 'padding: length must be a non-negative integer');
  return Math.max(floor, padme(contentLength + 1));
}

/** pad(m); `length` (default paddedLength(|m|)) lets a caller cap the size at a bound of its own. */
export function pad(content: Bytes, length: number = paddedLength(content.length)): Bytes {
  if (!Number.isSafeInteger(length) || length <= content.length) fail('OVERSIZE', 'padding: no room for the marker', { got: content.length, max: length - 1 });
  const out = new Uint8Array(length);
  out.set(content);
  out[content.length] = PADDING_MARKER;
  return out;
}

/**
 * Strips the padding. Any padding length is accepted (a sender may pad more
 * than paddedLength); a missing marker is MALFORMED. Returns a view of `padded`.
 */
export function unpad(padded: Bytes): Bytes {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== PADDING_MARKER) fail('MALFORMED', 'padding: no 0x80 marker after the content');
  return padded.subarray(0, end);
}
