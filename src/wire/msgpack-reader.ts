/**
 * The bounded, strict msgpack reader behind every decoder in src/ (spec/protocol.md §3).
 *
 * Why our own: @msgpack/msgpack's Decoder allocates `new Array(n)` for a
 * declared array length before it checks that the input holds n elements, so
 * a 10 KB frame of nested array32 headers could demand gigabytes (issue 9).
 * The writer is ours too (msgpack-writer.ts); the library remains a dev
 * dependency, the reference the tests compare both against.
 *
 * Accepted: nil, bool, every integer format (64-bit ones only inside the safe
 * integer range), str (strict UTF-8), bin, array, and maps whose keys are
 * distinct str other than `__proto__` — each only in its shortest form, so a
 * value has exactly one encoding (the one msgpack-writer.ts writes).
 * Everything else is MALFORMED: non-shortest headers and integers, floats
 * (no Parley structure has one), extension types, the reserved 0xc1,
 * truncation and trailing bytes. Errors carry the byte `offset` they found.
 *
 * Cost per decode is O(input size) in both time and memory, with a small constant:
 *   - every value consumes at least one input byte, and every declared length
 *     is checked against the bytes left *before* anything is allocated (a str
 *     or bin of n needs n bytes, an array of n at least n, a map of n at least
 *     2n), so no declared length can outgrow the input;
 *   - arrays grow by push as elements are read, never `new Array(n)`;
 *   - bin values are views of the input (no copy), str values cost O(length);
 *   - maps are plain objects of at most `maxMapLength` keys, duplicates refused;
 *   - nesting stops at `maxDepth`, which is also the recursion depth, so a
 *     run of array headers cannot exhaust the stack or the event loop.
 * `maxItems` and the length limits let a caller cut far below the size bound.
 */
import { fail } from '../errors.js';

export interface DecodeLimits {
  /** Most nested containers: a scalar alone is depth 0, `[]` depth 1, `{ a: [] }` depth 2. */
  readonly maxDepth: number;
  /** Most elements of one array. */
  readonly maxArrayLength: number;
  /** Most entries of one map. */
  readonly maxMapLength: number;
  /** Most values in the whole input, map keys and the outermost value included. */
  readonly maxItems: number;
}

// ignoreBOM: a leading U+FEFF is content, not a marker to strip (or a str would not round-trip).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const TWO_POW_32 = 0x100000000;
/** ASCII strings up to this length (map keys, type names) are built inline: cheaper than a TextDecoder call. */
const SHORT_STRING = 16;

/** The string of bytes `b[p .. p + n)` if they are all ASCII, else undefined. */
function ascii(b: Uint8Array, p: number, n: number): string | undefined {
  let s = '';
  for (let i = p; i < p + n; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Recent map keys, direct-mapped by a hash of their bytes. Keys repeat (every
 * fanout recipient has `mailbox` and `token`), and handing back the same,
 * already internalized string is several times cheaper than building it
 * again. A slot is returned only after comparing it with the bytes, so the
 * cache cannot change what a decode returns; it holds keys only, never values,
 * so no message content outlives its decode here.
 */
const recentKeys: string[] = new Array<string>(256).fill('');

/** `ascii` for a map key, through `recentKeys`. */
function asciiKey(b: Uint8Array, p: number, n: number): string | undefined {
  let hash = n;
  for (let i = p; i < p + n; i++) hash = (hash * 31 + b[i]!) | 0;
  const slot = hash & 0xff;
  const cached = recentKeys[slot]!;
  if (cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === b[p + i]) i++;
    if (i === n) return cached;
  }
  const key = ascii(b, p, n);
  if (key !== undefined) recentKeys[slot] = key;
  return key;
}

function refusedMarker(type: number): string {
  if (type === 0xca || type === 0xcb) return 'float';
  if (type === 0xc1) return 'reserved marker 0xc1';
  return 'extension type';
}

class Reader {
  pos = 0;
  private items = 0;
  private readonly maxDepth: number;
  private readonly maxArrayLength: number;
  private readonly maxMapLength: number;
  private readonly maxItems: number;

  constructor(private readonly bytes: Uint8Array, private readonly what: string, limits: DecodeLimits) {
    this.maxDepth = limits.maxDepth;
    this.maxArrayLength = limits.maxArrayLength;
    this.maxMapLength = limits.maxMapLength;
    this.maxItems = limits.maxItems;
  }

  malformed(reason: string, at: number = this.pos): never {
    return fail('MALFORMED', `${this.what}: ${reason} at byte ${at}`, { what: this.what, offset: at });
  }

  /** Consumes `n` bytes and returns the offset of the first; fails before consuming if fewer remain. */
  private take(n: number): number {
    const at = this.pos;
    if (n > this.bytes.length - at) this.malformed('truncated');
    this.pos = at + n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u16(): number {
    const p = this.take(2);
    return (this.bytes[p]! << 8) | this.bytes[p + 1]!;
  }

  private u32(): number {
    const p = this.take(4);
    const b = this.bytes;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /**
   * uint64 / int64 as a JS number, refused outside ±(2^53 − 1) rather than rounded.
   * The float arithmetic below rounds only beyond 2^53, where the result is unsafe anyway.
   */
  private u64(signed: boolean, start: number): number {
    const high = signed ? this.u32() | 0 : this.u32();
    const value = high * TWO_POW_32 + this.u32();
    if (!Number.isSafeInteger(value)) this.malformed('integer outside the safe range', start);
    return value;
  }

  /**
   * A length or non-negative integer read from a header whose smaller sibling
   * could hold values below `least`: those are non-shortest forms, refused so
   * that every value has exactly one encoding (§3) and a signature over bytes
   * means one thing to every decoder.
   */
  private shortest(value: number, least: number, start: number): number {
    if (value < least) this.malformed('non-shortest encoding', start);
    return value;
  }

  /** A signed-family integer: non-negative values belong to the uint family, and values ≥ `above` to a narrower format. */
  private shortestNegative(value: number, above: number, start: number): number {
    if (value >= above) this.malformed('non-shortest encoding', start);
    return value;
  }

  /** Counts one more value (map keys included) against `maxItems`. */
  private count(): void {
    if (++this.items > this.maxItems) this.malformed(`more than ${this.maxItems} values`);
  }

  value(depth: number): unknown {
    this.count();
    const start = this.pos;
    if (start >= this.bytes.length) this.malformed('truncated');
    const type = this.bytes[start]!;
    this.pos = start + 1;
    if (type < 0x80) return type; // positive fixint
    if (type >= 0xe0) return type - 0x100; // negative fixint
    if (type < 0x90) return this.map(type & 0x0f, depth, start);
    if (type < 0xa0) return this.array(type & 0x0f, depth, start);
    if (type < 0xc0) return this.str(type & 0x1f);
    switch (type) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.shortest(this.u16(), 0x100, start));
      case 0xc6: return this.bin(this.shortest(this.u32(), 0x10000, start));
      case 0xcc: return this.shortest(this.u8(), 0x80, start);
      case 0xcd: return this.shortest(this.u16(), 0x100, start);
      case 0xce: return this.shortest(this.u32(), 0x10000, start);
      case 0xcf: return this.shortest(this.u64(false, start), TWO_POW_32, start);
      case 0xd0: return this.shortestNegative((this.u8() << 24) >> 24, -0x20, start);
      case 0xd1: return this.shortestNegative((this.u16() << 16) >> 16, -0x80, start);
      case 0xd2: return this.shortestNegative(this.u32() | 0, -0x8000, start);
      case 0xd3: return this.shortestNegative(this.u64(true, start), -0x80000000, start);
      case 0xd9: return this.str(this.shortest(this.u8(), 0x20, start));
      case 0xda: return this.str(this.shortest(this.u16(), 0x100, start));
      case 0xdb: return this.str(this.shortest(this.u32(), 0x10000, start));
      case 0xdc: return this.array(this.shortest(this.u16(), 0x10, start), depth, start);
      case 0xdd: return this.array(this.shortest(this.u32(), 0x10000, start), depth, start);
      case 0xde: return this.map(this.shortest(this.u16(), 0x10, start), depth, start);
      case 0xdf: return this.map(this.shortest(this.u32(), 0x10000, start), depth, start);
      default: return this.malformed(refusedMarker(type), start);
    }
  }

  private bin(length: number): Uint8Array {
    const p = this.take(length);
    return this.bytes.subarray(p, p + length);
  }

  private str(length: number, isKey = false): string {
    const p = this.take(length);
    const b = this.bytes;
    const short = length > SHORT_STRING ? undefined : isKey ? asciiKey(b, p, length) : ascii(b, p, length);
    if (short !== undefined) return short;
    try {
      return utf8.decode(b.subarray(p, p + length));
    } catch {
      return this.malformed('invalid UTF-8', p);
    }
  }

  /** Checks a container header before its contents are read: depth, length limit, and the bytes a length needs. */
  private open(depth: number, length: number, max: number, bytesPerEntry: number, start: number): void {
    if (depth >= this.maxDepth) this.malformed(`nesting deeper than ${this.maxDepth}`, start);
    if (length > max) this.malformed(`${length} entries exceed ${max}`, start);
    if (length * bytesPerEntry > this.bytes.length - this.pos) this.malformed(`${length} entries cannot fit in the bytes left`, start);
  }

  private array(length: number, depth: number, start: number): unknown[] {
    this.open(depth, length, this.maxArrayLength, 1, start);
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(length: number, depth: number, start: number): Record<string, unknown> {
    this.open(depth, length, this.maxMapLength, 2, start);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const at = this.pos;
      const key = this.key();
      // `__proto__` would set the prototype instead of a field; a repeated key would silently win.
      if (key === '__proto__' || Object.prototype.hasOwnProperty.call(out, key)) this.malformed('duplicate or reserved map key', at);
      out[key] = this.value(depth + 1);
    }
    return out;
  }

  private key(): string {
    this.count();
    const start = this.pos;
    const type = this.u8();
    if (type >= 0xa0 && type <= 0xbf) return this.str(type & 0x1f, true);
    if (type === 0xd9) return this.str(this.shortest(this.u8(), 0x20, start), true);
    if (type === 0xda) return this.str(this.shortest(this.u16(), 0x100, start), true);
    if (type === 0xdb) return this.str(this.shortest(this.u32(), 0x10000, start), true);
    return this.malformed('map key is not a str', start);
  }
}

/**
 * Reads exactly one msgpack value from `bytes` within `limits`; throws
 * ProtocolError MALFORMED (and nothing else) otherwise. Bin values are plain
 * Uint8Array views of `bytes`: callers copy what they keep.
 */
export function readMsgpack(bytes: Uint8Array, what: string, limits: DecodeLimits): unknown {
  // A Buffer's subarray is a Buffer, whose slice() does not copy: hand out plain views only.
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(plain, what, limits);
  const value = reader.value(0);
  if (reader.pos !== plain.length) reader.malformed('trailing bytes');
  return value;
}
