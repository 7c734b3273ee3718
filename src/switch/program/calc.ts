// Named calculations (hash inputs) and the `checksums` array: a field list is packed bit-tight,
// big-endian, zero-padded to whole bytes, then fed to the algorithm. Invalid headers given as
// whole-header inputs are skipped; `payload` appends the headers after the last input plus payload.

import { type Value, writeBits } from "../bits.js";
import { LoadError } from "../errors.js";
import type { CalculationJson, ChecksumJson, TV } from "../json.js";
import { makeFn, type Registry } from "./actions.js";
import { ExprCompiler } from "./expr.js";
import { HASH_ALGORITHMS } from "./hash.js";
import { PACK_HELPERS, type PackItem, packCode } from "./headers.js";
import type { Layout } from "./layout.js";
import type { Env, PacketState } from "./runtime.js";

type Piece =
  | { kind: "field"; slot: number; width: number; header: number }
  | { kind: "const"; value: bigint; width: number }
  | { kind: "header"; header: number }
  | { kind: "payload"; after: number };

export type CalcFn = (P: PacketState) => Value;

export function compileCalculation(
  layout: Layout,
  env: Env,
  c: CalculationJson,
  deparseOrder: number[],
  emitAfter: (P: PacketState, afterIndex: number) => Uint8Array,
): CalcFn {
  const where = `calculation ${c.name}`;
  const algo = HASH_ALGORITHMS[c.algo];
  if (!algo) throw new LoadError(`unsupported hash algorithm '${c.algo}' in ${where}`);
  const pieces: Piece[] = [];
  let lastHeader = -1;
  for (const tv of c.input ?? []) {
    if (tv.type === "field") {
      const f = layout.field(tv.value, where);
      pieces.push({ kind: "field", slot: f.slot, width: f.width, header: f.header });
      lastHeader = f.header;
    } else if (tv.type === "hexstr") {
      const x = new ExprCompiler({ layout, where }).compile(tv);
      const width = tv.bitwidth;
      if (typeof width !== "number" || width <= 0)
        throw new LoadError(`hexstr input without bitwidth in ${where}`);
      pieces.push({ kind: "const", value: BigInt.asUintN(width, x.konst!), width });
    } else if (tv.type === "header") {
      const h = layout.header(String(tv.value), where);
      pieces.push({ kind: "header", header: h.id });
      lastHeader = h.id;
    } else if (tv.type === "payload") {
      pieces.push({ kind: "payload", after: deparseOrder.indexOf(lastHeader) });
    } else throw new LoadError(`unsupported calculation input type '${tv.type}' in ${where}`);
  }
  const allFixed = pieces.every((p) => p.kind === "field" || p.kind === "const");
  const fixedBits = pieces.reduce((a, p) => a + (p.kind === "field" || p.kind === "const" ? p.width : 0), 0);
  const rng = () => env.rng();
  if (allFixed) {
    // Generated packing code: the common case (checksums over header fields) runs per packet.
    const nbytes = Math.ceil(fixedBits / 8);
    let bit = 0;
    const items: PackItem[] = pieces.map((p) => {
      const w = (p as { width: number }).width;
      const value =
        p.kind === "field"
          ? `F[${p.slot}]`
          : w <= 32
            ? String((p as { value: bigint }).value)
            : `${(p as { value: bigint }).value}n`;
      const rep = p.kind === "field" ? undefined : w <= 32 ? ("num" as const) : ("big" as const);
      const item: PackItem = { value, width: w, bitOffset: bit, signed: false, ...(rep ? { rep } : {}) };
      bit += w;
      return item;
    });
    const pack = new Function(
      "H",
      `return function (F, B) {\nconst off = 0;\nlet v;\n${packCode(items)}\n};`,
    )(PACK_HELPERS) as (F: Value[], B: Uint8Array) => void;
    return (P) => {
      const buf = new Uint8Array(nbytes);
      pack(P.F, buf);
      return algo(buf, rng);
    };
  }
  return (P) => {
    const parts: Array<{ bits: number; write: (b: Uint8Array, at: number) => void }> = [];
    for (const p of pieces) {
      if (p.kind === "field") {
        const v = P.F[p.slot]!;
        parts.push({ bits: p.width, write: (b, at) => writeBits(b, at, p.width, v) });
      } else if (p.kind === "const") {
        parts.push({ bits: p.width, write: (b, at) => writeBits(b, at, p.width, p.value) });
      } else if (p.kind === "header") {
        if (P.V[p.header] !== 1) continue;
        const h = layout.byId(p.header)!;
        parts.push({ bits: h.type.width, write: (b, at) => env.emit[p.header]!(b, at / 8, P.F, h.base) });
      } else {
        const bytes = emitAfter(P, p.after);
        parts.push({ bits: bytes.length * 8, write: (b, at) => writeBytesAt(b, at, bytes) });
      }
    }
    const total = parts.reduce((a, p) => a + p.bits, 0);
    const buf = new Uint8Array(Math.ceil(total / 8));
    let bit = 0;
    for (const p of parts) {
      p.write(buf, bit);
      bit += p.bits;
    }
    return algo(buf, rng);
  };
}

function writeBytesAt(b: Uint8Array, bitAt: number, bytes: Uint8Array): void {
  if (bitAt % 8 === 0) b.set(bytes, bitAt / 8);
  else for (let i = 0; i < bytes.length; i++) writeBits(b, bitAt + 8 * i, 8, bytes[i]!);
}

export interface CompiledChecksum {
  name: string;
  verify: boolean;
  update: boolean;
  /** Whether the condition holds (true when there is none). */
  cond: (P: PacketState) => boolean;
  calc: number;
  slot: number;
  width: number;
}

export function compileChecksum(layout: Layout, reg: Registry, env: Env, c: ChecksumJson): CompiledChecksum {
  const where = `checksum ${c.name}`;
  if (c.type !== undefined && c.type !== "generic")
    throw new LoadError(`unsupported checksum type '${c.type}' in ${where}`);
  const target = layout.field(c.target, where);
  let cond: (P: PacketState) => boolean = () => true;
  if (c.if_cond) {
    const x = new ExprCompiler({ layout, where });
    const code = x.asBool(x.compile(c.if_cond as TV));
    cond = makeFn(env, `const F = P.F, V = P.V, S = P.S;\nreturn ${code};`, where, "P") as (
      P: PacketState,
    ) => boolean;
  }
  return {
    name: c.name,
    verify: c.verify !== false,
    update: c.update !== false,
    cond,
    calc: reg.calculation(c.calculation),
    slot: target.slot,
    width: target.width,
  };
}
