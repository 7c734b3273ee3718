// Test helpers: load fixtures and build Ethernet/IPv4/UDP frames.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bmv2Json } from "../../../src/switch/json.js";
import { csum16 } from "../../../src/switch/program/hash.js";

const here = dirname(fileURLToPath(import.meta.url));

export function fixture(name: string): Bmv2Json {
  return JSON.parse(readFileSync(join(here, "fixtures", name), "utf8")) as Bmv2Json;
}

export interface FrameOpts {
  dst?: string;
  src?: string;
  ipSrc?: number;
  ipDst?: number;
  ttl?: number;
  protocol?: number;
  payload?: number[];
  badChecksum?: boolean;
  etherType?: number;
}

const mac = (s: string): number[] => s.split(":").map((x) => Number.parseInt(x, 16));

/** Ethernet + IPv4 (+ UDP when protocol is 17) frame with a valid IPv4 header checksum. */
export function frame(o: FrameOpts = {}): Uint8Array {
  const payload = o.payload ?? [0xde, 0xad, 0xbe, 0xef];
  const protocol = o.protocol ?? 17;
  const l4 = protocol === 17 ? [0x12, 0x34, 0x56, 0x78, 0, 8 + payload.length, 0, 0, ...payload] : payload;
  const total = 20 + l4.length;
  const ip = [
    0x45,
    0,
    total >> 8,
    total & 255,
    0,
    1,
    0,
    0,
    o.ttl ?? 64,
    protocol,
    0,
    0,
    ...be32(o.ipSrc ?? 0x0a000001),
    ...be32(o.ipDst ?? 0x0a000102),
  ];
  const c = csum16(Uint8Array.from(ip));
  ip[10] = c >> 8;
  ip[11] = o.badChecksum ? (c & 255) ^ 0xff : c & 255;
  const et = o.etherType ?? 0x0800;
  return Uint8Array.from([
    ...mac(o.dst ?? "00:00:00:00:00:01"),
    ...mac(o.src ?? "00:00:00:00:00:02"),
    et >> 8,
    et & 255,
    ...ip,
    ...l4,
  ]);
}

export const be32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export interface DataHdr {
  op: number;
  a?: number;
  b?: number;
  r32?: number;
  r16?: number;
  r8?: number;
  w64?: bigint;
  s8?: number;
}

/** Frame for features.json: Ethernet (0x88b5) + data_t (25 bytes) + stack items + payload. */
export function dataFrame(d: DataHdr, items: number[] = [0], payload: number[] = [0xaa, 0xbb]): Uint8Array {
  const w = d.w64 ?? 0n;
  const w64: number[] = [];
  for (let i = 7; i >= 0; i--) w64.push(Number((w >> BigInt(8 * i)) & 0xffn));
  return Uint8Array.from([
    ...[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x88, 0xb5],
    d.op,
    ...be32(d.a ?? 0),
    ...be32(d.b ?? 0),
    ...be32(d.r32 ?? 0),
    ((d.r16 ?? 0) >> 8) & 255,
    (d.r16 ?? 0) & 255,
    d.r8 ?? 0,
    ...w64,
    (d.s8 ?? 0) & 255,
    ...items,
    ...payload,
  ]);
}

/** Decodes data_t from a features.json output frame. */
export function readData(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    op: b[14]!,
    a: dv.getUint32(15),
    b: dv.getUint32(19),
    r32: dv.getUint32(23),
    r16: dv.getUint16(27),
    r8: b[29]!,
    w64: dv.getBigUint64(30),
    s8: dv.getInt8(38),
  };
}
