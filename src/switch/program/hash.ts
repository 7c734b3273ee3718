// Hash and checksum algorithms named in BMv2 JSON `calculations` (simple_switch's set):
// crc16 (CRC-16/ARC), crc32 (IEEE, as zlib), crc_ccitt, the *_custom variants with the same
// default parameters, csum16 (Internet checksum), xor16, identity, random.

import type { Value } from "../bits.js";

export type HashFn = (buf: Uint8Array, rng: () => number) => Value;

function table(poly: number, width: 16 | 32, reflected: boolean): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c: number;
    if (reflected) {
      c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    } else {
      c = i << (width - 8);
      const top = width === 32 ? 0x80000000 : 0x8000;
      for (let k = 0; k < 8; k++)
        c =
          c & top
            ? ((c << 1) ^ poly) & (width === 32 ? 0xffffffff : 0xffff)
            : (c << 1) & (width === 32 ? 0xffffffff : 0xffff);
    }
    t[i] = c >>> 0;
  }
  return t;
}

const CRC16_ARC = table(0xa001, 16, true);
const CRC32 = table(0xedb88320, 32, true);
const CCITT = table(0x1021, 16, false);

export function crc16(buf: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < buf.length; i++) c = (c >>> 8) ^ CRC16_ARC[(c ^ buf[i]!) & 0xff]!;
  return c & 0xffff;
}

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = (c >>> 8) ^ CRC32[(c ^ buf[i]!) & 0xff]!;
  return (c ^ 0xffffffff) >>> 0;
}

export function crcCcitt(buf: Uint8Array): number {
  let c = 0xffff;
  for (let i = 0; i < buf.length; i++) c = ((c << 8) & 0xffff) ^ CCITT[((c >>> 8) ^ buf[i]!) & 0xff]!;
  return c & 0xffff;
}

/** One's-complement sum of 16-bit big-endian words (odd byte padded with zero), complemented. */
export function csum16(buf: Uint8Array): number {
  let sum = 0;
  const n = buf.length;
  for (let i = 0; i + 1 < n; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (n % 2 === 1) sum += buf[n - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function xor16(buf: Uint8Array): number {
  let x = 0;
  const n = buf.length;
  for (let i = 0; i + 1 < n; i += 2) x ^= (buf[i]! << 8) | buf[i + 1]!;
  if (n % 2 === 1) x ^= buf[n - 1]! << 8;
  return x;
}

/** The first (up to) 8 bytes, big-endian. */
export function identity(buf: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < Math.min(8, buf.length); i++) v = (v << 8n) | BigInt(buf[i]!);
  return v;
}

export const HASH_ALGORITHMS: Record<string, HashFn> = {
  crc16,
  crc16_custom: crc16,
  crc32,
  crc32_custom: crc32,
  crc_ccitt: crcCcitt,
  csum16,
  cksum16: csum16,
  xor16,
  identity,
  random: (_buf, rng) => Math.floor(rng() * 2 ** 32) >>> 0,
};
