// Bit-level helpers shared by generated code and the control plane. A field value is a number when
// the width is at most 32 bits; a byte array (big-endian, never mutated in place) for unsigned
// widths above 64 that are whole bytes — such wide fields (a Paxos value) are mostly copied, and
// bytes copy far faster than bigints convert; a bigint otherwise. Values are always masked to
// their width (or sign-extended for signed fields).

import { PacketError } from "./errors.js";

export type Value = number | bigint | Uint8Array;

export type Rep = "num" | "big" | "wide";

/** Widths up to this are stored as numbers; wider fields are bigints. */
export const NUM_MAX_WIDTH = 32;

export const isNumWidth = (width: number): boolean => width <= NUM_MAX_WIDTH;

/** The representation of a field of this width. */
export function repOf(width: number, signed = false): Rep {
  if (width <= NUM_MAX_WIDTH) return "num";
  if (!signed && width > 64 && width % 8 === 0) return "wide";
  return "big";
}

/** A bigint as `n` big-endian bytes (truncated to the low n bytes). */
export function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  writeBigBytes(out, 0, n, BigInt.asUintN(n * 8, v));
  return out;
}

export const bytesToBig = (b: Uint8Array): bigint => readBigBytes(b, 0, b.length);

/** Parses a BMv2 hexstring ("0x0a", "-0x1", "0x" + many digits) into a bigint. */
export function parseHexstr(text: string): bigint {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  if (!/^0x[0-9a-fA-F]+$/.test(body)) throw new Error(`malformed hexstring '${text}'`);
  const value = BigInt(body);
  return negative ? -value : value;
}

/** Converts an arbitrary integer into the stored representation of a `width`-bit field. */
export function toWidth(value: bigint, width: number, signed = false): Value {
  const v = signed ? BigInt.asIntN(width, value) : BigInt.asUintN(width, value);
  const rep = repOf(width, signed);
  return rep === "num" ? Number(v) : rep === "wide" ? bigToBytes(v, width / 8) : v;
}

/** toWidth() for a value already in either representation, avoiding bigint work for small numbers. */
export function fitValue(v: Value, width: number): Value {
  if (typeof v === "number" && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
    // ToInt32 is exact modulo 2^32 for safe integers, so one AND truncates.
    if (width <= 32) return width === 32 ? v >>> 0 : v & ((1 << width) - 1);
    if (width >= 53 || v < POW2[width]!) return BigInt(v);
  }
  return toWidth(toBig(v), width);
}

const POW2 = Array.from({ length: 54 }, (_, i) => 2 ** i);

export const toBig = (v: Value): bigint =>
  typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : bytesToBig(v);

/** The zero of a width's representation. */
export function zeroOf(width: number, signed = false): Value {
  const rep = repOf(width, signed);
  return rep === "num" ? 0 : rep === "wide" ? new Uint8Array(width / 8) : 0n;
}

/** Reads `width` bits at bit offset `bitOff` of `buf`, big-endian, as a bigint. */
export function readBitsBig(buf: Uint8Array, bitOff: number, width: number): bigint {
  const first = bitOff >> 3;
  const last = (bitOff + width - 1) >> 3;
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(buf[i]!);
  const trailing = (last + 1) * 8 - (bitOff + width);
  return BigInt.asUintN(width, acc >> BigInt(trailing));
}

/** Reads up to 32 bits at any bit offset as a number. */
export function readBitsNum(buf: Uint8Array, bitOff: number, width: number): number {
  const first = bitOff >> 3;
  const last = (bitOff + width - 1) >> 3;
  let acc = 0;
  for (let i = first; i <= last; i++) acc = acc * 256 + buf[i]!;
  const trailing = (last + 1) * 8 - (bitOff + width);
  return Math.floor(acc / 2 ** trailing) % 2 ** width;
}

/** ORs a `width`-bit value into a zero-initialised buffer at a bit offset, big-endian. */
export function writeBits(buf: Uint8Array, bitOff: number, width: number, value: Value): void {
  if (typeof value === "number" && width <= 32) {
    writeBitsNum(buf, bitOff, width, value);
    return;
  }
  let v = BigInt.asUintN(width, toBig(value));
  let end = bitOff + width; // exclusive
  while (end > bitOff) {
    const byte = (end - 1) >> 3;
    const bitInByte = 7 - ((end - 1) & 7); // position of the last bit counted from the LSB
    const take = Math.min(8 - bitInByte, end - bitOff);
    const chunk = Number(v & ((1n << BigInt(take)) - 1n));
    buf[byte] = buf[byte]! | (chunk << bitInByte);
    v >>= BigInt(take);
    end -= take;
  }
}

/** Number-only variant of writeBits for widths up to 32 (no bigint work on the fast path). */
export function writeBitsNum(buf: Uint8Array, bitOff: number, width: number, value: number): void {
  let v = width === 32 ? value >>> 0 : (value >>> 0) % 2 ** width;
  let end = bitOff + width;
  while (end > bitOff) {
    const byte = (end - 1) >> 3;
    const bitInByte = 7 - ((end - 1) & 7);
    const take = Math.min(8 - bitInByte, end - bitOff);
    buf[byte] = buf[byte]! | ((v % (1 << take)) << bitInByte);
    v = Math.floor(v / (1 << take));
    end -= take;
  }
}

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

/** Writes a bigint as `nbytes` big-endian bytes at a byte offset (32 bits at a time, in numbers). */
export function writeBigBytes(buf: Uint8Array, off: number, nbytes: number, value: bigint): void {
  if (nbytes <= 6) {
    // Up to 48 bits: one conversion, then exact number arithmetic.
    let n = Number(BigInt.asUintN(nbytes * 8, value));
    for (let i = nbytes - 1; i >= 0; i--) {
      buf[off + i] = n % 256;
      n = Math.floor(n / 256);
    }
    return;
  }
  if (nbytes > 8) {
    // Long values: one hex conversion beats a shift-and-mask loop of bigint operations.
    const h = BigInt.asUintN(nbytes * 8, value).toString(16);
    const pad = 2 * nbytes - h.length;
    for (let i = 0; i < nbytes; i++) {
      const a = 2 * i - pad;
      const hi = a < 0 ? 0 : HEX_VALUE[h.charCodeAt(a)]!;
      const lo = a + 1 < 0 ? 0 : HEX_VALUE[h.charCodeAt(a + 1)]!;
      buf[off + i] = (hi << 4) | lo;
    }
    return;
  }
  let v = value;
  let i = nbytes - 1;
  while (i >= 0) {
    let chunk = Number(BigInt.asUintN(32, v));
    const n = Math.min(4, i + 1);
    for (let k = 0; k < n; k++) {
      buf[off + i] = chunk & 255;
      chunk >>>= 8;
      i--;
    }
    if (i >= 0) v >>= 32n;
  }
}

/** Reads `nbytes` big-endian bytes at a byte offset as a bigint (up to 6 bytes via one number). */
export function readBigBytes(buf: Uint8Array, off: number, nbytes: number): bigint {
  if (nbytes <= 6) {
    let acc = 0;
    for (let i = 0; i < nbytes; i++) acc = acc * 256 + buf[off + i]!;
    return BigInt(acc);
  }
  let acc = 0n;
  let i = 0;
  const head = nbytes % 4;
  if (head > 0) {
    let n = 0;
    for (; i < head; i++) n = n * 256 + buf[off + i]!;
    acc = BigInt(n);
  }
  for (; i < nbytes; i += 4) {
    const n =
      ((buf[off + i]! << 24) | (buf[off + i + 1]! << 16) | (buf[off + i + 2]! << 8) | buf[off + i + 3]!) >>>
      0;
    acc = (acc << 32n) | BigInt(n);
  }
  return acc;
}

/** Two's-complement reinterpretation of a number in `w` bits (w ≤ 32). */
export function twoCompNum(x: number, w: number): number {
  const m = 2 ** w;
  let r = x % m;
  if (r < 0) r += m;
  return r >= m / 2 ? r - m : r;
}

export function satSignedBig(x: bigint, w: number): bigint {
  const max = (1n << BigInt(w - 1)) - 1n;
  const min = -(1n << BigInt(w - 1));
  return x > max ? max : x < min ? min : x;
}

export function satUnsignedBig(x: bigint, w: number): bigint {
  const max = (1n << BigInt(w)) - 1n;
  return x > max ? max : x < 0n ? 0n : x;
}

/** Shift amounts beyond this are clamped: every field is far narrower, so the masked result is the same. */
const MAX_SHIFT = 4096n;

export function shlBig(x: bigint, amount: Value): bigint {
  const s = toBig(amount);
  if (s < 0n) throw new PacketError("negative shift amount");
  return x << (s > MAX_SHIFT ? MAX_SHIFT : s);
}

export function shrBig(x: bigint, amount: Value): bigint {
  const s = toBig(amount);
  if (s < 0n) throw new PacketError("negative shift amount");
  return x >> (s > MAX_SHIFT ? MAX_SHIFT : s);
}

/** Hex dump helper for messages. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`malformed hex '${hex}'`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
