// Property test: compiled expressions (numbers where provably exact, bigints otherwise) agree with
// a direct infinite-precision evaluation of the BMv2 expression semantics.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { repOf, toBig, toWidth, type Value } from "../../../src/switch/bits.js";
import type { Bmv2Json, TV } from "../../../src/switch/json.js";
import { Program } from "../../../src/switch/program/program.js";
import { PacketState } from "../../../src/switch/program/runtime.js";

const SRC = [
  { name: "u1", w: 1, s: false },
  { name: "u8", w: 8, s: false },
  { name: "u9", w: 9, s: false },
  { name: "u16", w: 16, s: false },
  { name: "u31", w: 31, s: false },
  { name: "u32", w: 32, s: false },
  { name: "u33", w: 33, s: false },
  { name: "u48", w: 48, s: false },
  { name: "u64", w: 64, s: false },
  { name: "u72", w: 72, s: false },
  { name: "u128", w: 128, s: false },
  { name: "s8", w: 8, s: true },
  { name: "s32", w: 32, s: true },
  { name: "s40", w: 40, s: true },
];
const DST = [1, 7, 8, 16, 31, 32, 33, 52, 53, 64, 72, 100, 128, 256].map((w) => ({
  name: `d${w}`,
  w,
  s: false,
}));
const SDST = [8, 32, 40].map((w) => ({ name: `sd${w}`, w, s: true }));

type E =
  | { k: "f"; i: number }
  | { k: "c"; v: bigint }
  | { k: "op"; op: string; l?: E; r: E; c?: E; w?: number };

const BIN = ["+", "-", "*", "&", "|", "^"];
const exprArb: fc.Arbitrary<E> = fc.letrec<{ e: E }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: 0, max: SRC.length - 1 }).map((i) => ({ k: "f", i }) as E),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map((v) => ({ k: "c", v }) as E),
    fc.tuple(fc.constantFrom(...BIN), tie("e"), tie("e")).map(([op, l, r]) => ({ k: "op", op, l, r }) as E),
    fc
      .tuple(fc.constantFrom("<<", ">>"), tie("e"), fc.integer({ min: 0, max: 70 }))
      .map(([op, l, s]) => ({ k: "op", op, l, r: { k: "c", v: BigInt(s) } }) as E),
    tie("e").map((r) => ({ k: "op", op: "~", r }) as E),
    fc
      .tuple(
        fc.constantFrom("two_comp_mod", "sat_cast", "usat_cast"),
        tie("e"),
        fc.constantFrom(1, 8, 16, 32, 33, 64),
      )
      .map(([op, l, w]) => ({ k: "op", op, l, r: { k: "c", v: BigInt(w) }, w }) as E),
    fc
      .tuple(tie("e"), tie("e"), tie("e"), tie("e"), fc.constantFrom("<", "==", ">=", "!="))
      .map(([a, b, l, r, cmp]) => ({ k: "op", op: "?", l, r, c: { k: "op", op: cmp, l: a, r: b } }) as E),
  ),
})).e;

function ref(e: E, vals: bigint[]): bigint {
  if (e.k === "f") return vals[e.i]!;
  if (e.k === "c") return e.v;
  const L = () => ref(e.l!, vals);
  const R = () => ref(e.r, vals);
  switch (e.op) {
    case "+":
      return L() + R();
    case "-":
      return L() - R();
    case "*":
      return L() * R();
    case "&":
      return L() & R();
    case "|":
      return L() | R();
    case "^":
      return L() ^ R();
    case "<<":
      return L() << R();
    case ">>":
      return L() >> R();
    case "~":
      return ~R();
    case "two_comp_mod":
      return BigInt.asIntN(e.w!, L());
    case "sat_cast": {
      const x = L();
      const max = (1n << BigInt(e.w! - 1)) - 1n;
      const min = -(1n << BigInt(e.w! - 1));
      return x > max ? max : x < min ? min : x;
    }
    case "usat_cast": {
      const x = L();
      const max = (1n << BigInt(e.w!)) - 1n;
      return x > max ? max : x < 0n ? 0n : x;
    }
    case "?": {
      const c = e.c! as E & { k: "op" };
      const a = ref(c.l!, vals);
      const b = ref(c.r, vals);
      const t = c.op === "<" ? a < b : c.op === "==" ? a === b : c.op === ">=" ? a >= b : a !== b;
      return t ? L() : R();
    }
  }
  throw new Error(`op ${e.op}`);
}

function toJson(e: E): TV {
  if (e.k === "f") return { type: "field", value: ["h", SRC[e.i]!.name] };
  if (e.k === "c")
    return { type: "hexstr", value: e.v < 0n ? `-0x${(-e.v).toString(16)}` : `0x${e.v.toString(16)}` };
  const node: Record<string, unknown> = { op: e.op, left: e.l ? toJson(e.l) : null, right: toJson(e.r) };
  if (e.c) node.cond = toJson(e.c);
  return { type: "expression", value: node };
}

function program(e: E): Program {
  const fields = [...SRC, ...DST, ...SDST].map((f) => [f.name, f.w, f.s]);
  const value = toJson(e);
  const json = {
    header_types: [
      { name: "h_t", id: 0, fields },
      { name: "standard_metadata", id: 1, fields: [["egress_spec", 9, false]] },
    ],
    headers: [
      { name: "h", id: 0, header_type: "h_t", metadata: true },
      { name: "standard_metadata", id: 1, header_type: "standard_metadata", metadata: true },
    ],
    parsers: [
      {
        name: "parser",
        id: 0,
        init_state: "start",
        parse_states: [
          {
            name: "start",
            id: 0,
            parser_ops: [],
            transition_key: [],
            transitions: [{ type: "default", value: null, mask: null, next_state: null }],
          },
        ],
      },
    ],
    deparsers: [{ name: "deparser", id: 0, order: [] }],
    actions: [
      {
        name: "act",
        id: 0,
        runtime_data: [],
        primitives: [...DST, ...SDST].map((d) => ({
          op: "assign",
          parameters: [{ type: "field", value: ["h", d.name] }, value],
        })),
      },
    ],
    pipelines: [
      { name: "ingress", id: 0, init_table: null, tables: [] },
      { name: "egress", id: 1, init_table: null, tables: [] },
    ],
  } as unknown as Bmv2Json;
  return new Program(json);
}

const valArb = fc.tuple(
  ...SRC.map((f) =>
    f.s
      ? fc.bigInt({ min: -(1n << BigInt(f.w - 1)), max: (1n << BigInt(f.w - 1)) - 1n })
      : fc.bigInt({ min: 0n, max: (1n << BigInt(f.w)) - 1n }),
  ),
);

describe("expression compiler", () => {
  it("matches infinite-precision semantics for random expression trees", () => {
    fc.assert(
      fc.property(exprArb, valArb, (e, vals) => {
        const p = program(e);
        const P = new PacketState(p.layout, new Uint8Array(0), 0);
        const base = p.layout.headersByName.get("h")!.base;
        SRC.forEach((f, i) => {
          P.F[base + i] = toWidth(vals[i]!, f.w, f.s);
        });
        p.actionFns[0]!(P, []);
        const want = ref(e, vals);
        [...DST, ...SDST].forEach((d, j) => {
          const got: Value = P.F[base + SRC.length + j]!;
          const rep = repOf(d.w, d.s);
          if (rep === "wide") expect(got).toBeInstanceOf(Uint8Array);
          else expect(typeof got).toBe(rep === "num" ? "number" : "bigint");
          const exp = d.s ? BigInt.asIntN(d.w, want) : BigInt.asUintN(d.w, want);
          expect(
            toBig(got),
            `${d.name} of ${JSON.stringify(toJson(e), (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
          ).toBe(exp);
        });
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
