// MAC and IPv4 addresses as plain numbers: a MAC is a 48-bit integer (exact in a JS number),
// an IPv4 address a 32-bit unsigned integer. Numbers compare with === and decode without
// allocating, which matters on the per-packet path.
import { readU32 } from "./bytes.js";
import { WireError } from "./errors.js";

export type MacAddr = number;
export type IPv4Addr = number;

export const MAC_MAX = 0xffff_ffff_ffff;
export const MAC_BROADCAST: MacAddr = MAC_MAX;

const MAC_RE =
  /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isMac(value: unknown): value is MacAddr {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAC_MAX;
}

export function isIPv4(value: unknown): value is IPv4Addr {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

/** Parses `00:11:22:33:44:55` (or with dashes); throws WireError('bad_address'). */
export function parseMac(text: string): MacAddr {
  const m = MAC_RE.exec(text.trim());
  if (!m)
    throw new WireError(
      "bad_address",
      `bad MAC address '${text}' (expected six hex bytes, e.g. 00:11:22:33:44:55)`,
    );
  let mac = 0;
  for (let i = 1; i <= 6; i++) mac = mac * 256 + Number.parseInt(m[i]!, 16);
  return mac;
}

/** Parses dotted-quad `10.0.0.1` (no leading zeros, each part 0–255); throws WireError('bad_address'). */
export function parseIPv4(text: string): IPv4Addr {
  const m = IPV4_RE.exec(text.trim());
  if (!m) throw new WireError("bad_address", `bad IPv4 address '${text}' (expected a.b.c.d)`);
  let ip = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are ambiguous (some tools read them as octal), so refuse them.
    if (part.length > 1 && part.startsWith("0")) {
      throw new WireError("bad_address", `bad IPv4 address '${text}' (leading zero in '${part}')`);
    }
    const n = Number(part);
    if (n > 255) throw new WireError("bad_address", `bad IPv4 address '${text}' (${n} > 255)`);
    ip = ip * 256 + n;
  }
  return ip;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Formats as lower-case `00:11:22:33:44:55`. */
export function formatMac(mac: MacAddr): string {
  if (!isMac(mac)) throw new WireError("bad_address", `not a MAC address: ${mac}`);
  const hi = Math.floor(mac / 0x1_0000_0000);
  const lo = mac >>> 0;
  return [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff]
    .map(hex2)
    .join(":");
}

export function formatIPv4(ip: IPv4Addr): string {
  if (!isIPv4(ip)) throw new WireError("bad_address", `not an IPv4 address: ${ip}`);
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Writes a MAC big-endian into 6 bytes at `offset`. */
export function writeMac(buf: Uint8Array, offset: number, mac: MacAddr): void {
  const hi = Math.floor(mac / 0x1_0000_0000);
  const lo = mac >>> 0;
  buf[offset] = hi >>> 8;
  buf[offset + 1] = hi & 0xff;
  buf[offset + 2] = lo >>> 24;
  buf[offset + 3] = (lo >>> 16) & 0xff;
  buf[offset + 4] = (lo >>> 8) & 0xff;
  buf[offset + 5] = lo & 0xff;
}

/** Reads a big-endian MAC from 6 bytes at `offset` (caller checks bounds). */
export function readMac(buf: Uint8Array, offset: number): MacAddr {
  const hi = (buf[offset]! << 8) | buf[offset + 1]!;
  return hi * 0x1_0000_0000 + readU32(buf, offset + 2);
}
