// P4Runtime binary strings (specification section "Bytestrings").
//
// Sending: the canonical form is the shortest big-endian string that holds the
// value — for bit<W> no leading zero bytes, for int<W> the shortest two's
// complement string whose sign extension gives the value. Zero is one byte
// 0x00; the empty string is never valid. Read-write symmetry requires both
// sides to send canonical strings.
//
// Receiving: any length is accepted as long as the value fits the P4Info
// bitwidth (after dropping leading zero bits, or undoing sign extension for
// int<W>). A value that does not fit, or an empty string, is OUT_OF_RANGE.
import { create } from "@bufbuild/protobuf";
import { type Uint128, Uint128Schema } from "./gen/p4/v1/p4runtime_pb.js";

/** A value that cannot be represented, or a binary string that does not fit its type. */
export class BytestringError extends RangeError {
  override readonly name = "BytestringError";
}

export type IntegerLike = bigint | number;

function toBigInt(value: IntegerLike): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new BytestringError(`not a safe integer: ${value}`);
  return BigInt(value);
}

function checkWidth(bitwidth: number): void {
  if (!Number.isInteger(bitwidth) || bitwidth < 1) throw new BytestringError(`invalid bitwidth ${bitwidth}`);
}

/** Big-endian magnitude of a non-negative value in exactly `len` bytes. */
function toFixedBytes(value: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = value;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function unsignedByteLength(value: bigint): number {
  let len = 1;
  while (value >> BigInt(8 * len) !== 0n) len++;
  return len;
}

/** Canonical binary string of an unsigned value; throws if it does not fit bit<bitwidth>. */
export function encodeUnsigned(value: IntegerLike, bitwidth: number): Uint8Array {
  checkWidth(bitwidth);
  const v = toBigInt(value);
  if (v < 0n) throw new BytestringError(`negative value ${v} for bit<${bitwidth}>`);
  if (v >> BigInt(bitwidth) !== 0n) throw new BytestringError(`value ${v} does not fit in bit<${bitwidth}>`);
  return toFixedBytes(v, unsignedByteLength(v));
}

/** Canonical two's complement binary string of a signed value; throws if it does not fit int<bitwidth>. */
export function encodeSigned(value: IntegerLike, bitwidth: number): Uint8Array {
  checkWidth(bitwidth);
  const v = toBigInt(value);
  const half = 1n << BigInt(bitwidth - 1);
  if (v < -half || v >= half) throw new BytestringError(`value ${v} does not fit in int<${bitwidth}>`);
  let len = 1;
  while (v < -(1n << BigInt(8 * len - 1)) || v >= 1n << BigInt(8 * len - 1)) len++;
  const modulus = 1n << BigInt(8 * len);
  return toFixedBytes(v < 0n ? v + modulus : v, len);
}

function nonEmpty(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new BytestringError("empty binary string");
}

/** The unsigned value of a big-endian string; with `bitwidth`, checks that it fits bit<bitwidth>. */
export function decodeUnsigned(bytes: Uint8Array, bitwidth?: number): bigint {
  nonEmpty(bytes);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bitwidth !== undefined) {
    checkWidth(bitwidth);
    if (v >> BigInt(bitwidth) !== 0n)
      throw new BytestringError(`value ${v} does not fit in bit<${bitwidth}>`);
  }
  return v;
}

/** The two's complement value of a big-endian string; with `bitwidth`, checks that it fits int<bitwidth>. */
export function decodeSigned(bytes: Uint8Array, bitwidth?: number): bigint {
  const raw = decodeUnsigned(bytes);
  const bits = BigInt(8 * bytes.length);
  const v = bytes[0]! & 0x80 ? raw - (1n << bits) : raw;
  if (bitwidth !== undefined) {
    checkWidth(bitwidth);
    const half = 1n << BigInt(bitwidth - 1);
    if (v < -half || v >= half) throw new BytestringError(`value ${v} does not fit in int<${bitwidth}>`);
  }
  return v;
}

/** True if the string is non-empty and its unsigned value fits bit<bitwidth>. */
export function fitsUnsigned(bytes: Uint8Array, bitwidth: number): boolean {
  try {
    decodeUnsigned(bytes, bitwidth);
    return true;
  } catch {
    return false;
  }
}

/** Canonical form of an unsigned binary string (leading zero bytes dropped, zero kept as 0x00). */
export function canonicalUnsigned(bytes: Uint8Array): Uint8Array {
  nonEmpty(bytes);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.slice(i);
}

/** Canonical form of a signed binary string (redundant sign-extension bytes dropped). */
export function canonicalSigned(bytes: Uint8Array): Uint8Array {
  nonEmpty(bytes);
  let i = 0;
  while (i < bytes.length - 1) {
    const cur = bytes[i]!;
    const nextSign = bytes[i + 1]! & 0x80;
    if ((cur === 0x00 && nextSign === 0) || (cur === 0xff && nextSign !== 0)) i++;
    else break;
  }
  return bytes.slice(i);
}

/**
 * The unsigned value left-padded to ceil(bitwidth/8) bytes: the layout of the
 * field in a packet, and what pre-1.3 P4Runtime servers expected.
 */
export function padUnsigned(bytes: Uint8Array, bitwidth: number): Uint8Array {
  const v = decodeUnsigned(bytes, bitwidth);
  return toFixedBytes(v, Math.ceil(bitwidth / 8));
}

/** True if two binary strings denote the same unsigned value (padding ignored). */
export function sameUnsigned(a: Uint8Array, b: Uint8Array): boolean {
  return decodeUnsigned(a) === decodeUnsigned(b);
}

// --- addresses -------------------------------------------------------------

/** Parses "aa:bb:cc:dd:ee:ff" (or '-' separated) into a 48-bit value. */
export function parseMac(text: string): bigint {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new BytestringError(`not a MAC address: "${text}"`);
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number.parseInt(p, 16)), 0n);
}

export function formatMac(value: IntegerLike): string {
  const v = toBigInt(value);
  if (v < 0n || v >> 48n !== 0n) throw new BytestringError(`not a 48-bit value: ${v}`);
  return Array.from(toFixedBytes(v, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Parses dotted-quad "10.0.0.1" into a 32-bit value. */
export function parseIpv4(text: string): bigint {
  const parts = text.trim().split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new BytestringError(`not an IPv4 address: "${text}"`);
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

export function formatIpv4(value: IntegerLike): string {
  const v = toBigInt(value);
  if (v < 0n || v >> 32n !== 0n) throw new BytestringError(`not a 32-bit value: ${v}`);
  return Array.from(toFixedBytes(v, 4), String).join(".");
}

/** Parses an IPv6 address (with optional "::" compression) into a 128-bit value. */
export function parseIpv6(text: string): bigint {
  const t = text.trim();
  const halves = t.split("::");
  const bad = () => new BytestringError(`not an IPv6 address: "${text}"`);
  if (halves.length > 2) throw bad();
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) throw bad();
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) throw bad();
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** Full (uncompressed, lower-case) IPv6 text of a 128-bit value. */
export function formatIpv6(value: IntegerLike): string {
  const v = toBigInt(value);
  if (v < 0n || v >> 128n !== 0n) throw new BytestringError(`not a 128-bit value: ${v}`);
  const out: string[] = [];
  for (let i = 7; i >= 0; i--) out.push(((v >> BigInt(16 * i)) & 0xffffn).toString(16));
  return out.join(":");
}

/** Canonical binary string of a MAC address (bit<48>). */
export function macBytes(text: string): Uint8Array {
  return encodeUnsigned(parseMac(text), 48);
}

/** Canonical binary string of an IPv4 address (bit<32>). */
export function ipv4Bytes(text: string): Uint8Array {
  return encodeUnsigned(parseIpv4(text), 32);
}

// --- Uint128 (election ids) ------------------------------------------------

const U64_MASK = (1n << 64n) - 1n;

/** A P4Runtime Uint128 message for a value in [0, 2^128). */
export function toUint128(value: IntegerLike): Uint128 {
  const v = toBigInt(value);
  if (v < 0n || v >> 128n !== 0n) throw new BytestringError(`not a 128-bit unsigned value: ${v}`);
  return create(Uint128Schema, { high: v >> 64n, low: v & U64_MASK });
}

/** The value of a Uint128 message; an absent message is 0. */
export function fromUint128(u: Uint128 | undefined): bigint {
  if (u === undefined) return 0n;
  return ((BigInt(u.high) & U64_MASK) << 64n) | (BigInt(u.low) & U64_MASK);
}

/** Orders two election ids (negative, zero or positive, like a sort comparator). */
export function compareUint128(a: Uint128 | undefined, b: Uint128 | undefined): number {
  const x = fromUint128(a);
  const y = fromUint128(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Hex rendering of a binary string, e.g. "0a0b" (for logs and error messages). */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
