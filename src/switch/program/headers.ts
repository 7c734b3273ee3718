// Generates, per header type, straight-line JS that extracts a header from packet bytes into field
// slots and emits it back. Byte-aligned fields use direct byte arithmetic; others use bit helpers.

import {
  bigToBytes,
  readBigBytes,
  readBitsBig,
  readBitsNum,
  repOf,
  type Value,
  writeBigBytes,
  writeBits,
} from "../bits.js";
import type { HeaderTypeInfo } from "./layout.js";

/** Reads a header at byte offset `off` of `B` into slots starting at `base` of `F`. */
export type ExtractFn = (B: Uint8Array, off: number, F: Value[], base: number) => void;
/** Writes a header from slots into a zero-filled `B` at byte offset `off`. */
export type EmitFn = (B: Uint8Array, off: number, F: Value[], base: number) => void;

const HELPERS = { bigToBytes, readBigBytes, readBitsBig, readBitsNum, writeBigBytes, writeBits };

function signFix(expr: string, width: number, signed: boolean, big: boolean): string {
  if (!signed) return expr;
  return big ? `BigInt.asIntN(${width}, ${expr})` : `((${expr}) << ${32 - width} >> ${32 - width})`;
}

export function compileExtract(t: HeaderTypeInfo): ExtractFn {
  const lines: string[] = [];
  t.fields.forEach((f, i) => {
    const aligned = f.bitOffset % 8 === 0 && f.width % 8 === 0;
    const byte = f.bitOffset >> 3;
    let expr: string;
    if (f.width <= 32) {
      if (aligned) {
        const n = f.width / 8;
        const parts: string[] = [];
        for (let k = 0; k < n; k++)
          parts.push(`B[off + ${byte + k}]${n - 1 - k > 0 ? ` << ${8 * (n - 1 - k)}` : ""}`);
        expr = n === 4 ? `((${parts.join(" | ")}) >>> 0)` : `(${parts.join(" | ")})`;
      } else {
        const first = byte;
        const last = (f.bitOffset + f.width - 1) >> 3;
        const trailing = (last + 1) * 8 - (f.bitOffset + f.width);
        if (last - first < 3) {
          const n = last - first + 1;
          const parts: string[] = [];
          for (let k = 0; k < n; k++)
            parts.push(`B[off + ${first + k}]${n - 1 - k > 0 ? ` << ${8 * (n - 1 - k)}` : ""}`);
          expr = `(((${parts.join(" | ")}) >>> ${trailing}) & ${2 ** f.width - 1})`;
        } else {
          expr = `H.readBitsNum(B, off * 8 + ${f.bitOffset}, ${f.width})`;
        }
      }
      lines.push(`F[base + ${i}] = ${signFix(expr, f.width, f.signed, false)};`);
    } else if (repOf(f.width, f.signed) === "wide") {
      // Byte-array fields: a copy of the bytes (never a view: the packet buffer may be reused).
      expr = aligned
        ? `B.slice(off + ${byte}, off + ${byte + f.width / 8})`
        : `H.bigToBytes(H.readBitsBig(B, off * 8 + ${f.bitOffset}, ${f.width}), ${f.width / 8})`;
      lines.push(`F[base + ${i}] = ${expr};`);
    } else if (aligned && f.width <= 48 && !f.signed) {
      // 33..48 bits (MAC addresses): exact number arithmetic, one bigint conversion.
      const n = f.width / 8;
      const parts: string[] = [];
      for (let k = 0; k < n; k++) parts.push(`B[off + ${byte + k}] * ${2 ** (8 * (n - 1 - k))}`);
      lines.push(`F[base + ${i}] = BigInt(${parts.join(" + ")});`);
    } else {
      expr = aligned
        ? `H.readBigBytes(B, off + ${byte}, ${f.width / 8})`
        : `H.readBitsBig(B, off * 8 + ${f.bitOffset}, ${f.width})`;
      lines.push(`F[base + ${i}] = ${signFix(expr, f.width, f.signed, true)};`);
    }
  });
  return new Function(
    "H",
    `return function extract_${safe(t.name)}(B, off, F, base) {\n${lines.join("\n")}\n};`,
  )(HELPERS) as ExtractFn;
}

export function compileEmit(t: HeaderTypeInfo): EmitFn {
  const body = packCode(
    t.fields.map((f, i) => ({
      value: `F[base + ${i}]`,
      width: f.width,
      bitOffset: f.bitOffset,
      signed: f.signed,
    })),
  );
  return new Function("H", `return function emit_${safe(t.name)}(B, off, F, base) {\nlet v;\n${body}\n};`)(
    HELPERS,
  ) as EmitFn;
}

export interface PackItem {
  /** JS expression for the value (number for widths ≤ 32, bigint above). */
  value: string;
  width: number;
  bitOffset: number;
  signed: boolean;
  /** Representation of `value` when it differs from the width's default (constants). */
  rep?: "num" | "big" | "wide";
}

/**
 * Straight-line code ORing each value into a zero-filled buffer `B` at byte offset `off`, big-endian,
 * at its bit offset. Numbers are split into bytes with shifts and per-byte masks (no bigint work).
 */
export function packCode(items: PackItem[]): string {
  const lines: string[] = [];
  for (const f of items) {
    const start = f.bitOffset;
    const end = f.bitOffset + f.width;
    const aligned = start % 8 === 0 && f.width % 8 === 0;
    if (f.width <= 32) {
      lines.push(`v = ${f.value};`);
      for (let b = start >> 3; b <= (end - 1) >> 3; b++) {
        const r = end - (8 * b + 8);
        const lo = Math.max(start, 8 * b);
        const hi = Math.min(end, 8 * b + 8);
        let mask = 0;
        for (let bit = lo; bit < hi; bit++) mask |= 1 << (7 - (bit - 8 * b));
        const shifted = r > 0 ? `(v >>> ${r})` : r < 0 ? `(v << ${-r})` : "v";
        const op = aligned ? "=" : "|=";
        lines.push(`B[off + ${b}] ${op} ${shifted} & ${mask};`);
      }
    } else if (aligned && (f.rep ?? repOf(f.width, f.signed)) === "wide") {
      lines.push(`B.set(${f.value}, off + ${start >> 3});`);
    } else if (aligned && f.width <= 48 && !f.signed && (f.rep ?? "big") === "big") {
      // Stored unsigned values are already in range: one conversion, then number arithmetic.
      const n = f.width / 8;
      lines.push(`v = Number(${f.value});`);
      lines.push(`B[off + ${(start >> 3) + n - 1}] = v % 256;`);
      for (let k = n - 2; k >= 0; k--)
        lines.push(`v = Math.floor(v / 256); B[off + ${(start >> 3) + k}] = v % 256;`);
    } else if (aligned) {
      const v = f.signed ? `BigInt.asUintN(${f.width}, ${f.value})` : f.value;
      lines.push(`H.writeBigBytes(B, off + ${start >> 3}, ${f.width / 8}, ${v});`);
    } else {
      lines.push(`H.writeBits(B, off * 8 + ${start}, ${f.width}, ${f.value});`);
    }
  }
  return lines.join("\n");
}

export const PACK_HELPERS = HELPERS;

const safe = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, "_");
