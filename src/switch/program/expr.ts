// Compiles BMv2 JSON expressions into JavaScript source. Arithmetic follows BMv2: infinite
// precision, truncated only when stored. Each sub-expression carries a static bound on its
// magnitude, so it stays a JS number while provably exact (< 2^52) and becomes a bigint otherwise.

import { bigToBytes, isNumWidth, parseHexstr, repOf, type Value } from "../bits.js";
import { LoadError } from "../errors.js";
import type { ExprNode, TV } from "../json.js";
import type { HeaderTypeInfo, Layout, StackInfo } from "./layout.js";

/** Largest magnitude, in bits, a number-kind value may have (keeps + and - exact). */
const NUM_BITS = 52;

/** num: JS number; big: bigint; wide: Uint8Array (see bits.ts); bool; hdr: header id; stack. */
export type Kind = "num" | "big" | "wide" | "bool" | "hdr" | "stack";

export interface Typed {
  code: string;
  kind: Kind;
  /** Upper bound of |value| in bits (num/big). */
  bits: number;
  /** Value may be negative. */
  neg: boolean;
  /** Known constant value. */
  konst?: bigint;
  /** For kind hdr: the header type; for kind stack: the stack. */
  htype?: HeaderTypeInfo;
  stack?: StackInfo;
  /** For kind hdr: the static header id when known. */
  hid?: number;
}

export interface LValue {
  /** JS expression for the slot index. */
  slot: string;
  width: number;
  signed: boolean;
}

export interface ExprContext {
  layout: Layout;
  where: string;
  /** Widths of action runtime data (`local` / `runtime_data`), when compiling an action. */
  runtimeData?: number[];
  /** Register name → index into E.registers. */
  registerIndex?: (name: string) => number;
  registerWidth?: (index: number) => number;
  /** Interns a constant value, returning its index in E.consts (for wide constants). */
  constant?: (v: Value) => number;
}

const bitsOf = (v: bigint): number => (v < 0n ? -v : v).toString(2).length;

function constant(v: bigint): Typed {
  const bits = v === 0n ? 0 : bitsOf(v);
  if (bits <= NUM_BITS) return { code: v < 0n ? `(${v})` : `${v}`, kind: "num", bits, neg: v < 0n, konst: v };
  return { code: `(${v}n)`, kind: "big", bits, neg: v < 0n, konst: v };
}

const big = (t: Typed): string => (t.kind === "big" ? t.code : `BigInt(${t.code})`);

export class ExprCompiler {
  constructor(private readonly ctx: ExprContext) {}

  private fail(msg: string): never {
    throw new LoadError(`${msg} in ${this.ctx.where}`);
  }

  /** Reads a field slot as a typed value. */
  private readSlot(slot: string, width: number, signed: boolean): Typed {
    return { code: `F[${slot}]`, kind: repOf(width, signed), bits: width, neg: signed };
  }

  compile(tv: TV | null | undefined): Typed {
    if (tv === null || tv === undefined || typeof tv !== "object") this.fail("missing operand");
    const { layout } = this.ctx;
    switch (tv.type) {
      case "hexstr":
        if (typeof tv.value !== "string") this.fail("malformed hexstr");
        return constant(parseHexstr(tv.value));
      case "bool":
        return { code: tv.value ? "true" : "false", kind: "bool", bits: 1, neg: false };
      case "field": {
        const ref = tv.value as [string, string];
        if (Array.isArray(ref) && ref[1] === "$valid$") {
          const h = layout.header(ref[0], this.ctx.where);
          return { code: `V[${h.id}]`, kind: "num", bits: 1, neg: false };
        }
        const f = layout.field(ref, this.ctx.where);
        return this.readSlot(String(f.slot), f.width, f.signed);
      }
      case "local":
      case "runtime_data": {
        const i = tv.value as number;
        const widths = this.ctx.runtimeData;
        if (!widths || !Number.isInteger(i) || i < 0 || i >= widths.length)
          this.fail(`bad runtime data index ${String(tv.value)}`);
        const w = widths[i]!;
        return { code: `D[${i}]`, kind: repOf(w), bits: w, neg: false };
      }
      case "header": {
        const h = layout.header(String(tv.value), this.ctx.where);
        return { code: String(h.id), kind: "hdr", bits: 0, neg: false, htype: h.type, hid: h.id };
      }
      case "header_stack": {
        const s = layout.stack(String(tv.value), this.ctx.where);
        return { code: String(s.index), kind: "stack", bits: 0, neg: false, stack: s };
      }
      case "stack_field": {
        const [sname, fname] = tv.value as [string, string];
        const s = layout.stack(sname, this.ctx.where);
        const off = s.type.fields.findIndex((f) => f.name === fname);
        if (off < 0) this.fail(`unknown field ${sname}.${fname}`);
        const f = s.type.fields[off]!;
        return this.readSlot(`E.bases[E.lastHdr(P, ${s.index})] + ${off}`, f.width, f.signed);
      }
      case "register": {
        const [name, index] = tv.value as [string, TV];
        const ri = this.ctx.registerIndex?.(name);
        if (ri === undefined || ri < 0) this.fail(`unknown register '${name}'`);
        const idx = this.compile(index);
        const w = this.ctx.registerWidth?.(ri) ?? 64;
        return {
          code: `E.registers[${ri}].read(${this.asIndex(idx)})`,
          kind: repOf(w),
          bits: w,
          neg: false,
        };
      }
      case "expression": {
        const v = tv.value as (ExprNode & { type?: undefined }) | TV;
        if (v && typeof v === "object" && "type" in v && typeof v.type === "string")
          return this.compile(v as TV);
        return this.node(v as ExprNode);
      }
      default:
        return this.fail(`unsupported operand type '${tv.type}'`);
    }
  }

  /** A numeric expression suitable as an array index or small count (number, never bigint). */
  asIndex(t: Typed): string {
    if (t.kind === "num") return t.code;
    if (t.kind === "wide") return `E.idx(E.w2b(${t.code}))`;
    if (t.kind === "big") return `E.idx(${t.code})`;
    if (t.kind === "bool") return `(${t.code} ? 1 : 0)`;
    return this.fail("expected an integer value");
  }

  asBool(t: Typed): string {
    if (t.kind === "bool") return t.code;
    if (t.kind === "num") return `(${t.code} !== 0)`;
    if (t.kind === "big") return `(${t.code} !== 0n)`;
    if (t.kind === "wide") return `(E.w2b(${t.code}) !== 0n)`;
    return this.fail("expected a boolean value");
  }

  /** A number or bigint: booleans become 0/1, byte arrays bigints. */
  private data(t: Typed): Typed {
    if (t.kind === "bool") return { code: `(${t.code} ? 1 : 0)`, kind: "num", bits: 1, neg: false };
    if (t.kind === "wide") return { code: `E.w2b(${t.code})`, kind: "big", bits: t.bits, neg: false };
    if (t.kind === "hdr" || t.kind === "stack") this.fail("expected a data value, got a header");
    return t;
  }

  private node(n: ExprNode): Typed {
    if (!n || typeof n !== "object" || typeof n.op !== "string") this.fail("malformed expression");
    const op = n.op;
    const L = (): Typed => this.data(this.compile(n.left as TV));
    const R = (): Typed => this.data(this.compile(n.right as TV));
    switch (op) {
      case "+":
      case "-": {
        const a = L();
        const b = R();
        const bits = Math.max(a.bits, b.bits) + 1;
        if (a.konst !== undefined && b.konst !== undefined)
          return constant(op === "+" ? a.konst + b.konst : a.konst - b.konst);
        if (a.kind === "num" && b.kind === "num" && bits <= NUM_BITS)
          return {
            code: `(${a.code} ${op} ${b.code})`,
            kind: "num",
            bits,
            neg: op === "-" || a.neg || b.neg,
          };
        return { code: `(${big(a)} ${op} ${big(b)})`, kind: "big", bits, neg: op === "-" || a.neg || b.neg };
      }
      case "*": {
        const a = L();
        const b = R();
        const bits = a.bits + b.bits;
        if (a.kind === "num" && b.kind === "num" && bits <= NUM_BITS)
          return { code: `(${a.code} * ${b.code})`, kind: "num", bits, neg: a.neg || b.neg };
        return { code: `(${big(a)} * ${big(b)})`, kind: "big", bits, neg: a.neg || b.neg };
      }
      case "<<": {
        const a = L();
        const b = R();
        if (b.konst !== undefined) {
          const c = Number(b.konst);
          if (c < 0 || c > 4096) this.fail(`shift amount ${c} out of range`);
          if (a.kind === "num" && a.bits + c <= NUM_BITS)
            return { code: `(${a.code} * ${2 ** c})`, kind: "num", bits: a.bits + c, neg: a.neg };
          return { code: `(${big(a)} << ${c}n)`, kind: "big", bits: a.bits + c, neg: a.neg };
        }
        return { code: `E.shlBig(${big(a)}, ${b.code})`, kind: "big", bits: a.bits + 4096, neg: a.neg };
      }
      case ">>": {
        const a = L();
        const b = R();
        if (b.konst !== undefined) {
          const c = Number(b.konst);
          if (c < 0 || c > 4096) this.fail(`shift amount ${c} out of range`);
          const bits = Math.max(0, a.bits - c);
          if (a.kind === "num") {
            if (c >= 53)
              return a.neg
                ? { code: `(${a.code} < 0 ? -1 : 0)`, kind: "num", bits: 1, neg: true }
                : constant(0n);
            if (!a.neg && a.bits <= 31) return { code: `(${a.code} >> ${c})`, kind: "num", bits, neg: false };
            return { code: `Math.floor(${a.code} / ${2 ** c})`, kind: "num", bits, neg: a.neg };
          }
          return { code: `(${a.code} >> ${c}n)`, kind: "big", bits, neg: a.neg };
        }
        if (a.kind === "num" && !a.neg)
          return {
            code: `Number(E.shrBig(BigInt(${a.code}), ${b.code}))`,
            kind: "num",
            bits: a.bits,
            neg: false,
          };
        return { code: `E.shrBig(${big(a)}, ${b.code})`, kind: "big", bits: a.bits, neg: a.neg };
      }
      case "&":
      case "|":
      case "^": {
        const a = L();
        const b = R();
        if (a.konst !== undefined && b.konst !== undefined)
          return constant(
            op === "&" ? a.konst & b.konst : op === "|" ? a.konst | b.konst : a.konst ^ b.konst,
          );
        const posBits = [a, b].filter((t) => !t.neg).map((t) => t.bits);
        const bits = op === "&" && posBits.length > 0 ? Math.min(...posBits) : Math.max(a.bits, b.bits);
        const neg = op === "&" ? a.neg && b.neg : a.neg || b.neg;
        if (a.kind === "num" && b.kind === "num") {
          if (!a.neg && !b.neg && a.bits <= 31 && b.bits <= 31)
            return { code: `(${a.code} ${op} ${b.code})`, kind: "num", bits, neg: false };
          if (!a.neg && !b.neg && a.bits <= 32 && b.bits <= 32)
            return { code: `((${a.code} ${op} ${b.code}) >>> 0)`, kind: "num", bits, neg: false };
          // x & m with m a non-negative ≤32-bit value: ToInt32 is exact modulo 2^32 for safe integers.
          if (op === "&" && ((!a.neg && a.bits <= 32) || (!b.neg && b.bits <= 32)))
            return { code: `((${a.code} & ${b.code}) >>> 0)`, kind: "num", bits, neg: false };
        }
        return { code: `(${big(a)} ${op} ${big(b)})`, kind: "big", bits, neg };
      }
      case "~": {
        const a = R();
        if (a.konst !== undefined) return constant(-a.konst - 1n);
        if (a.kind === "num" && a.bits + 1 <= NUM_BITS)
          return { code: `(-${a.code} - 1)`, kind: "num", bits: a.bits + 1, neg: true };
        return { code: `(~${big(a)})`, kind: "big", bits: a.bits + 1, neg: true };
      }
      case "==":
      case "!=": {
        let a = this.compile(n.left as TV);
        let b = this.compile(n.right as TV);
        if (a.kind === "wide") a = this.data(a);
        if (b.kind === "wide") b = this.data(b);
        const same = a.kind === b.kind;
        const js = op === "==" ? (same ? "===" : "==") : same ? "!==" : "!=";
        if ((a.kind === "bool") !== (b.kind === "bool"))
          return {
            code: `(${this.data(a).code} ${op === "==" ? "==" : "!="} ${this.data(b).code})`,
            kind: "bool",
            bits: 1,
            neg: false,
          };
        return { code: `(${a.code} ${js} ${b.code})`, kind: "bool", bits: 1, neg: false };
      }
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const a = L();
        const b = R();
        return { code: `(${a.code} ${op} ${b.code})`, kind: "bool", bits: 1, neg: false };
      }
      case "and":
      case "or": {
        const a = this.asBool(this.compile(n.left as TV));
        const b = this.asBool(this.compile(n.right as TV));
        return { code: `(${a} ${op === "and" ? "&&" : "||"} ${b})`, kind: "bool", bits: 1, neg: false };
      }
      case "not":
        return { code: `(!${this.asBool(this.compile(n.right as TV))})`, kind: "bool", bits: 1, neg: false };
      case "d2b":
        return { code: this.asBool(this.compile(n.right as TV)), kind: "bool", bits: 1, neg: false };
      case "b2d":
        return {
          code: `(${this.asBool(this.compile(n.right as TV))} ? 1 : 0)`,
          kind: "num",
          bits: 1,
          neg: false,
        };
      case "valid": {
        const h = this.compile(n.right as TV);
        if (h.kind !== "hdr") this.fail("'valid' expects a header");
        return { code: `(V[${h.code}] === 1)`, kind: "bool", bits: 1, neg: false };
      }
      case "valid_union": {
        const r = n.right as TV;
        if (r?.type !== "header_union") this.fail("'valid_union' expects a header union");
        const u = this.ctx.layout.union(String(r.value), this.ctx.where);
        const any = u.headers.map((h) => `V[${h}] === 1`).join(" || ");
        return { code: `(${any || "false"})`, kind: "bool", bits: 1, neg: false };
      }
      case "?": {
        const c = this.asBool(this.compile(n.cond as TV));
        const a = this.compile(n.left as TV);
        const b = this.compile(n.right as TV);
        if (a.kind === "bool" && b.kind === "bool")
          return { code: `(${c} ? ${a.code} : ${b.code})`, kind: "bool", bits: 1, neg: false };
        const x = this.data(a);
        const y = this.data(b);
        const bits = Math.max(x.bits, y.bits);
        if (x.kind === "num" && y.kind === "num")
          return { code: `(${c} ? ${x.code} : ${y.code})`, kind: "num", bits, neg: x.neg || y.neg };
        return { code: `(${c} ? ${big(x)} : ${big(y)})`, kind: "big", bits, neg: x.neg || y.neg };
      }
      case "two_comp_mod":
      case "sat_cast":
      case "usat_cast": {
        const a = L();
        const w = R();
        if (w.konst === undefined) this.fail(`'${op}' needs a constant width`);
        const width = Number(w.konst);
        if (width < 1 || width > 4096) this.fail(`'${op}' width ${width} out of range`);
        if (op === "two_comp_mod") {
          if (a.kind === "num" && width <= 32)
            return { code: `E.twoCompNum(${a.code}, ${width})`, kind: "num", bits: width, neg: true };
          return { code: `BigInt.asIntN(${width}, ${big(a)})`, kind: "big", bits: width, neg: true };
        }
        const fn = op === "sat_cast" ? "satSignedBig" : "satUnsignedBig";
        if (width <= 32)
          return {
            code: `Number(E.${fn}(${big(a)}, ${width}))`,
            kind: "num",
            bits: width,
            neg: op === "sat_cast",
          };
        return { code: `E.${fn}(${big(a)}, ${width})`, kind: "big", bits: width, neg: op === "sat_cast" };
      }
      case "dereference_header_stack": {
        const s = this.compile(n.left as TV);
        if (s.kind !== "stack" || !s.stack) this.fail("'dereference_header_stack' expects a header stack");
        const i = this.data(this.compile(n.right as TV));
        if (i.konst !== undefined) {
          const k = Number(i.konst);
          const hid = s.stack.headers[k];
          if (hid === undefined) this.fail(`stack index ${k} out of bounds for ${s.stack.name}`);
          return { code: String(hid), kind: "hdr", bits: 0, neg: false, htype: s.stack.type, hid };
        }
        return {
          code: `E.stackHdr(${s.stack.index}, ${this.asIndex(i)})`,
          kind: "hdr",
          bits: 0,
          neg: false,
          htype: s.stack.type,
        };
      }
      case "last_stack_index":
      case "size_stack": {
        const s = this.compile(n.right as TV);
        if (s.kind !== "stack") this.fail(`'${op}' expects a header stack`);
        if (op === "size_stack") return { code: `S[${s.code}]`, kind: "num", bits: 16, neg: false };
        return { code: `((S[${s.code}] - 1) >>> 0)`, kind: "num", bits: 32, neg: false };
      }
      case "access_field": {
        const lv = this.accessField(n);
        return this.readSlot(lv.slot, lv.width, lv.signed);
      }
      default:
        return this.fail(`unsupported expression operator '${op}'`);
    }
  }

  private accessField(n: ExprNode): LValue {
    const h = this.compile(n.left as TV);
    if (h.kind !== "hdr" || !h.htype) this.fail("'access_field' expects a header");
    const off = n.right;
    if (typeof off !== "number" || !Number.isInteger(off) || off < 0 || off >= h.htype.fields.length)
      this.fail("bad field offset in 'access_field'");
    const f = h.htype.fields[off]!;
    const slot =
      h.hid !== undefined ? String(this.ctx.layout.bases[h.hid]! + off) : `E.bases[${h.code}] + ${off}`;
    return { slot, width: f.width, signed: f.signed };
  }

  /** A header reference (static or computed) for primitives taking headers. */
  headerRef(tv: TV): Typed {
    const t = this.compile(tv);
    if (t.kind !== "hdr") this.fail("expected a header");
    return t;
  }

  lvalue(tv: TV): LValue {
    if (tv.type === "field") {
      const ref = tv.value as [string, string];
      if (Array.isArray(ref) && ref[1] === "$valid$") this.fail("cannot assign to $valid$");
      const f = this.ctx.layout.field(ref, this.ctx.where);
      return { slot: String(f.slot), width: f.width, signed: f.signed };
    }
    if (tv.type === "stack_field") {
      const [sname, fname] = tv.value as [string, string];
      const s = this.ctx.layout.stack(sname, this.ctx.where);
      const off = s.type.fields.findIndex((f) => f.name === fname);
      if (off < 0) this.fail(`unknown field ${sname}.${fname}`);
      const f = s.type.fields[off]!;
      return { slot: `E.bases[E.lastHdr(P, ${s.index})] + ${off}`, width: f.width, signed: f.signed };
    }
    if (tv.type === "expression") {
      const v = tv.value as TV | ExprNode;
      if (v && typeof v === "object" && "type" in v && typeof (v as TV).type === "string")
        return this.lvalue(v as TV);
      const node = v as ExprNode;
      if (node.op === "access_field") return this.accessField(node);
    }
    return this.fail(`unsupported assignment target of type '${tv.type}'`);
  }

  /** Statement storing `value` into `lv`, truncated (or sign-wrapped) to the field width. */
  store(lv: LValue, value: Typed): string {
    return `F[${lv.slot}] = ${this.convert(value, lv.width, lv.signed)};`;
  }

  /** Converts a value to the stored representation of a `width`-bit field. */
  convert(v0: Typed, width: number, signed: boolean): string {
    if (repOf(width, signed) === "wide") {
      // Same-width byte arrays move by reference (they are never mutated in place).
      if (v0.kind === "wide" && v0.bits === width) return v0.code;
      // Constants become one shared array, made once at load time.
      if (v0.konst !== undefined && this.ctx.constant)
        return `E.consts[${this.ctx.constant(bigToBytes(v0.konst, width / 8))}]`;
      return `E.b2w(${big(this.data(v0))}, ${width / 8})`;
    }
    const v = this.data(v0);
    if (isNumWidth(width)) {
      if (v.kind === "big") return `Number(BigInt.as${signed ? "Int" : "Uint"}N(${width}, ${v.code}))`;
      if (signed) {
        if (v.bits < width) return v.code;
        return width === 32 ? `(${v.code} | 0)` : `((${v.code} << ${32 - width}) >> ${32 - width})`;
      }
      if (!v.neg && v.bits <= width) return v.code;
      if (width === 32) return `(${v.code} >>> 0)`;
      return `(${v.code} & ${2 ** width - 1})`;
    }
    if (v.kind === "num") {
      if (!signed && !v.neg && v.bits <= width) return `BigInt(${v.code})`;
      return `BigInt.as${signed ? "Int" : "Uint"}N(${width}, BigInt(${v.code}))`;
    }
    if (!signed && !v.neg && v.bits <= width) return v.code;
    return `BigInt.as${signed ? "Int" : "Uint"}N(${width}, ${v.code})`;
  }
}

/** JS for the unsigned reading of a signed value held in `code`. */
export function unsignedCode(code: string, width: number, isNum: boolean): string {
  if (!isNum) return `BigInt.asUintN(${width}, ${code})`;
  return width === 32 ? `(${code} >>> 0)` : `(${code} & ${2 ** width - 1})`;
}
