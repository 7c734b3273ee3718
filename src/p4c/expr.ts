// Expression checking and lowering: computes each expression's type (with P4's width rules for
// literals and operators), folds constants, and builds BMv2 expression trees.
import type * as A from "./ast.js";
import { hexstr, paramExpr, type TV, tvBool, tvField, tvHex, tvOp } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import type { Emitter } from "./emitter.js";
import type { Program } from "./lower.js";
import { exprText, startLoc } from "./printer.js";
import type { Scope, Val } from "./scope.js";
import {
  BOOL,
  bit,
  INTLIT,
  isScalar,
  mask,
  sameType,
  type Type,
  typeToString,
  widthOf,
  wrap,
} from "./types.js";

export type Where = "action" | "parser" | "control" | "deparser" | "checksum" | "const";

export interface Ctx {
  prog: Program;
  scope: Scope;
  where: Where;
  /** Fully qualified name of the enclosing parser/control ("" at top level). */
  block: string;
  /** Where code for calls inside expressions goes (user functions); absent where none can run. */
  em?: Emitter;
  /** Inside an inlined function: its return type and the storage its result goes to. */
  fnReturn?: { t: Type; val?: Val };
  /** `return` statements that end a function body (no jump needed). */
  trailingReturn?: Set<A.Stmt>;
}

// ---- conversions to BMv2 type-value objects ------------------------------------------------------
export function data(v: Val, loc: Loc): TV {
  switch (v.v) {
    case "const":
      return tvHex(v.n, undefined);
    case "field":
      return tvField(v.h, v.f);
    case "runtime":
      return { type: "local", value: v.i };
    case "expr":
      return v.t.k === "bool" ? tvOp("b2d", null, v.j) : v.j;
    case "dynfield":
      return v.j;
    default:
      fail(loc, `a ${typeToString(v.t)} value cannot be used here`);
  }
}

export function boolTV(v: Val, loc: Loc): TV {
  if (v.t.k !== "bool") fail(loc, `expected a bool, found ${typeToString(v.t)}`);
  switch (v.v) {
    case "const":
      return tvBool(v.n !== 0n);
    case "field":
      return tvOp("d2b", null, tvField(v.h, v.f));
    case "runtime":
      return tvOp("d2b", null, { type: "local", value: v.i });
    case "expr":
      return v.j;
    case "dynfield":
      return tvOp("d2b", null, v.j);
    default:
      fail(loc, "expected a bool");
  }
}

/** A primitive parameter for a value (fields/runtime data directly, constants padded to width). */
export function param(v: Val, loc: Loc): TV {
  switch (v.v) {
    case "const":
      return tvHex(v.n, widthOf(v.t));
    case "field":
      return tvField(v.h, v.f);
    case "runtime":
      return { type: "runtime_data", value: v.i };
    case "header":
      return { type: "header", value: v.name };
    case "stack":
      return { type: "header_stack", value: v.name };
    case "expr":
    case "dynfield":
      return paramExpr(data(v, loc));
    default:
      fail(loc, `a ${typeToString(v.t)} value cannot be passed here`);
  }
}

const expr = (t: Type, j: TV): Val => ({ v: "expr", t, j });
const cst = (t: Type, n: bigint): Val & { v: "const" } => ({ v: "const", t, n: wrap(n, t) });

/** Wraps an arithmetic result to the width of its type, as P4 requires. */
function truncate(t: Type, j: TV): TV {
  if (t.k === "bit") return tvOp("&", j, tvHex(mask(t.w)));
  if (t.k === "int") return tvOp("two_comp_mod", j, tvHex(BigInt(t.w)));
  return j;
}

// ---- implicit conversions ---------------------------------------------------------------------------
/**
 * Converts `v` to type `t` where P4 allows it implicitly (integer literals take the width of their
 * context); otherwise reports what was expected.
 */
export function coerce(v: Val, t: Type, loc: Loc, what: string): Val {
  if (t.k === "dontcare" || t.k === "typevar") return v;
  if (sameType(v.t, t)) return v;
  if (v.v === "const" && v.t.k === "intlit") {
    if (t.k === "bit" || t.k === "int") return cst(t, v.n);
    if (t.k === "intlit") return v;
  }
  if (v.v === "list" && (t.k === "struct" || t.k === "header" || t.k === "tuple")) {
    const targets = t.k === "tuple" ? t.items : t.fields.map((f) => f.type);
    if (targets.length !== v.items.length)
      fail(
        loc,
        `${what}: expected ${targets.length} element(s) for ${typeToString(t)}, got ${v.items.length}`,
      );
    return { ...v, items: v.items.map((x, i) => coerce(x, targets[i]!, loc, what)), t };
  }
  fail(loc, `${what}: expected ${typeToString(t)}, found ${typeToString(v.t)}`);
}

// ---- name resolution ------------------------------------------------------------------------------------
function lookupVal(e: A.Expr & { kind: "name" }, ctx: Ctx, lvalue: boolean): Val {
  const scope = e.global ? ctx.scope.root() : ctx.scope;
  const sym = scope.lookup(e.name);
  if (!sym) fail(e.loc, `unknown name '${e.name}'`);
  if (sym.s !== "val") fail(e.loc, `'${e.name}' is not a value (it is ${symKind(sym.s)})`);
  if (lvalue) {
    if (sym.access === "in") fail(e.loc, `cannot write to '${e.name}': it is an 'in' parameter`);
    if (sym.access === "const") fail(e.loc, `cannot write to constant '${e.name}'`);
    if (sym.access === "runtime")
      fail(e.loc, `cannot write to action parameter '${e.name}': directionless parameters are read-only`);
  }
  return sym.val;
}

export function symKind(s: string): string {
  return (
    (
      {
        type: "a type",
        action: "an action",
        table: "a table",
        instance: "an extern instance",
        extern_fn: "an extern function",
        packet: "a packet",
        block: "a parser or control",
        prototype: "a type",
        function: "a function",
        state: "a parser state",
      } as Record<string, string>
    )[s] ?? s
  );
}

// ---- main entry -------------------------------------------------------------------------------------------
export function lowerExpr(e: A.Expr, ctx: Ctx, want?: Type): Val {
  return lower(e, ctx, want, false);
}

/** Lowers an expression that is written to; refuses non-l-values and read-only names. */
export function lowerLValue(e: A.Expr, ctx: Ctx, what = "assignment target"): Val {
  if (!isLValueSyntax(e)) fail(startLoc(e), `${what} must be an l-value, found '${exprText(e)}'`);
  const v = lower(e, ctx, undefined, true);
  if (
    !(
      v.v === "field" ||
      v.v === "header" ||
      v.v === "stack" ||
      v.v === "struct" ||
      v.v === "dynfield" ||
      v.v === "dynheader"
    )
  )
    fail(startLoc(e), `${what} must be an l-value, found '${exprText(e)}'`);
  return v;
}

function isLValueSyntax(e: A.Expr): boolean {
  if (e.kind === "name") return true;
  if (e.kind === "member" || e.kind === "index" || e.kind === "slice") return isLValueSyntax(e.expr);
  return false;
}

function lower(e: A.Expr, ctx: Ctx, want: Type | undefined, lvalue: boolean): Val {
  switch (e.kind) {
    case "int": {
      if (e.width !== undefined) {
        const t: Type = e.signed ? { k: "int", w: e.width } : bit(e.width);
        const limit = e.signed ? 1n << BigInt(e.width - 1) : 1n << BigInt(e.width);
        if (e.value >= limit) fail(e.loc, `value ${e.value} does not fit in ${typeToString(t)}`);
        return cst(t, e.value);
      }
      return { v: "const", t: INTLIT, n: e.value };
    }
    case "bool":
      return { v: "const", t: BOOL, n: e.value ? 1n : 0n };
    case "string":
      return { v: "string", t: { k: "string" }, s: e.value };
    case "name":
      return lookupVal(e, ctx, lvalue);
    case "member":
      return member(e, ctx, lvalue);
    case "index":
      return index(e, ctx, lvalue);
    case "slice":
      return slice(e, ctx, lvalue);
    case "unary":
      return unary(e, ctx, want);
    case "binary":
      return binary(e, ctx, want);
    case "ternary": {
      if (callsFunction(e.then, ctx) || callsFunction(e.else, ctx))
        fail(e.loc, "unsupported feature: function call in a branch of '?:'");
      const c = lower(e.cond, ctx, BOOL, false);
      if (c.t.k !== "bool") fail(e.cond.loc, `condition must be a bool, found ${typeToString(c.t)}`);
      let a = lower(e.then, ctx, want, false);
      let b = lower(e.else, ctx, want ?? a.t, false);
      // literals in both branches take the width the context wants
      if (a.t.k === "intlit" && b.t.k === "intlit" && want && (want.k === "bit" || want.k === "int")) {
        a = coerce(a, want, e.then.loc, "conditional expression");
        b = coerce(b, want, e.else.loc, "conditional expression");
      }
      if (a.t.k === "intlit" && b.t.k !== "intlit") a = coerce(a, b.t, e.then.loc, "conditional expression");
      b = coerce(b, a.t, e.else.loc, "conditional expression");
      if (a.t.k === "intlit" && !(c.v === "const"))
        fail(e.loc, "the branches of a conditional expression need a known width (cast one of them)");
      if (c.v === "const") return c.n !== 0n ? a : b;
      if (a.t.k === "bool") {
        const j = tvOp("?", data(a, e.loc), data(b, e.loc), boolTV(c, e.loc));
        return expr(BOOL, tvOp("d2b", null, j));
      }
      if (!isScalar(a.t))
        fail(e.loc, `conditional expressions of type ${typeToString(a.t)} are not supported`);
      return expr(a.t, tvOp("?", data(a, e.loc), data(b, e.loc), boolTV(c, e.loc)));
    }
    case "cast":
      return cast(e, ctx);
    case "list": {
      const items = e.items.map((x) => lower(x, ctx, undefined, false));
      return { v: "list", t: { k: "list", items: items.map((i) => i.t) }, items };
    }
    case "call":
      return callExpr(e, ctx);
    case "typeName":
      fail(e.loc, `a type cannot be used as a value here`);
      break;
    case "mask":
    case "range":
    case "default":
      fail(e.loc, `'${exprText(e)}' can only appear in a select case or a table entry`);
  }
}

function member(e: A.Expr & { kind: "member" }, ctx: Ctx, lvalue: boolean): Val {
  // Type-qualified constants: `error.X`, `MyEnum.X`
  if (e.expr.kind === "name") {
    const name = e.expr.name;
    const sym = (e.expr.global ? ctx.scope.root() : ctx.scope).lookup(name);
    if (name === "error" && !sym) {
      const code = ctx.prog.errors.get(e.name);
      if (code === undefined) fail(e.loc, `unknown error '${e.name}'`);
      return { v: "const", t: { k: "error" }, n: BigInt(code) };
    }
    if (sym?.s === "type") {
      const t = sym.t;
      if (t.k !== "enum") fail(e.loc, `type '${name}' has no member '${e.name}'`);
      const val = t.values.get(e.name);
      if (val === undefined) fail(e.loc, `enum '${t.name}' has no member '${e.name}'`);
      if (lvalue) fail(e.loc, "cannot write to an enum member");
      return { v: "const", t, n: val };
    }
  }
  const base = lower(e.expr, ctx, undefined, lvalue);
  if (base.v === "struct") {
    const f = base.fields.get(e.name);
    if (!f) fail(e.loc, `${typeToString(base.t)} has no field '${e.name}'`);
    return f;
  }
  if (base.v === "header") {
    const t = base.t as Type & { k: "header" };
    const f = t.fields.find((x) => x.name === e.name);
    if (!f) fail(e.loc, `header ${t.name} has no field '${e.name}'`);
    return { v: "field", t: f.type, h: base.name, f: e.name };
  }
  if (base.v === "dynheader") {
    const t = base.t as Type & { k: "header" };
    const off = t.fields.findIndex((x) => x.name === e.name);
    if (off < 0) fail(e.loc, `header ${t.name} has no field '${e.name}'`);
    // access_field takes the field's offset as a plain JSON integer
    const j: TV = { type: "expression", value: { op: "access_field", left: base.j, right: off } };
    return { v: "dynfield", t: t.fields[off]!.type, j };
  }
  if (base.v === "stack") {
    const t = base.t as Type & { k: "stack" };
    switch (e.name) {
      case "size":
        return { v: "const", t: bit(32), n: BigInt(t.size) };
      case "lastIndex":
        return expr(bit(32), tvOp("last_stack_index", null, { type: "header_stack", value: base.name }));
      case "next":
      case "last":
        fail(e.loc, `'${exprText(e)}' is only supported as the argument of extract() or in a select key`);
    }
    fail(e.loc, `header stack has no member '${e.name}'`);
  }
  if (base.v === "const" && base.t.k === "struct") fail(e.loc, "struct constants are not supported");
  fail(e.loc, `${typeToString(base.t)} has no member '${e.name}'`);
}

function index(e: A.Expr & { kind: "index" }, ctx: Ctx, lvalue: boolean): Val {
  const base = lower(e.expr, ctx, undefined, lvalue);
  if (base.v !== "stack") fail(e.loc, `only header stacks can be indexed, not ${typeToString(base.t)}`);
  const i = lower(e.index, ctx, undefined, false);
  if (i.v !== "const") {
    if (i.t.k !== "bit" && i.t.k !== "int")
      fail(e.index.loc, `a stack index must be bit<W> or int<W>, found ${typeToString(i.t)}`);
    // chosen at run time: BMv2 resolves the element (and checks the bound) per packet
    const j = tvOp(
      "dereference_header_stack",
      { type: "header_stack", value: base.name },
      data(i, e.index.loc),
    );
    return { v: "dynheader", t: (base.t as Type & { k: "stack" }).elem, j };
  }
  const n = Number(i.n);
  if (n < 0 || n >= base.elems.length)
    fail(e.index.loc, `index ${n} out of bounds for a stack of size ${base.elems.length}`);
  const t = (base.t as Type & { k: "stack" }).elem;
  return { v: "header", t, name: base.elems[n]! };
}

function slice(e: A.Expr & { kind: "slice" }, ctx: Ctx, lvalue: boolean): Val {
  if (lvalue) fail(e.loc, "slice assignment is handled by the assignment statement");
  const base = lower(e.expr, ctx, undefined, false);
  const hi = Number(ctx.prog.constValue(e.hi, ctx.scope, INTLIT).n);
  const lo = Number(ctx.prog.constValue(e.lo, ctx.scope, INTLIT).n);
  return sliceOf(base, hi, lo, e.loc);
}

export function sliceOf(base: Val, hi: number, lo: number, loc: Loc): Val {
  if (base.t.k !== "bit" && base.t.k !== "int")
    fail(loc, `cannot slice a value of type ${typeToString(base.t)}`);
  if (hi < lo || lo < 0 || hi >= base.t.w)
    fail(loc, `slice [${hi}:${lo}] is out of range for ${typeToString(base.t)}`);
  const t = bit(hi - lo + 1);
  if (base.v === "const") return cst(t, (base.n & mask(base.t.w)) >> BigInt(lo));
  return expr(t, tvOp("&", tvOp(">>", data(base, loc), tvHex(BigInt(lo))), tvHex(mask(hi - lo + 1))));
}

function unary(e: A.Expr & { kind: "unary" }, ctx: Ctx, want?: Type): Val {
  const a = lower(e.expr, ctx, e.op === "!" ? BOOL : want, false);
  switch (e.op) {
    case "!":
      if (a.t.k !== "bool") fail(e.loc, `'!' needs a bool operand, found ${typeToString(a.t)}`);
      if (a.v === "const") return cst(BOOL, a.n === 0n ? 1n : 0n);
      return expr(BOOL, tvOp("not", null, boolTV(a, e.loc)));
    case "~":
      if (a.t.k !== "bit" && a.t.k !== "int")
        fail(e.loc, `'~' needs a bit<W> or int<W> operand, found ${typeToString(a.t)}`);
      if (a.v === "const") return cst(a.t, ~a.n);
      return expr(a.t, truncate(a.t, tvOp("~", null, data(a, e.loc))));
    case "-":
      if (a.t.k !== "bit" && a.t.k !== "int" && a.t.k !== "intlit")
        fail(e.loc, `unary '-' needs a numeric operand, found ${typeToString(a.t)}`);
      if (a.v === "const") return a.t.k === "intlit" ? { v: "const", t: INTLIT, n: -a.n } : cst(a.t, -a.n);
      return expr(a.t, truncate(a.t, tvOp("-", tvHex(0n), data(a, e.loc))));
    case "+":
      return a;
  }
}

const ARITH = new Set(["+", "-", "*", "/", "%", "|+|", "|-|", "&", "|", "^"]);
const CMP = new Set(["==", "!=", "<", "<=", ">", ">="]);

function binary(e: A.Expr & { kind: "binary" }, ctx: Ctx, want?: Type): Val {
  const op = e.op;
  if (op === "&&" || op === "||") {
    // the right side runs conditionally; an inlined function there would always run
    if (callsFunction(e.right, ctx))
      fail(e.right.loc, `unsupported feature: function call on the right of '${op}'`);
    const a = lower(e.left, ctx, BOOL, false);
    const b = lower(e.right, ctx, BOOL, false);
    for (const [x, ex] of [
      [a, e.left],
      [b, e.right],
    ] as const)
      if (x.t.k !== "bool") fail(ex.loc, `'${op}' needs bool operands, found ${typeToString(x.t)}`);
    if (a.v === "const") return op === "&&" ? (a.n ? b : a) : a.n ? a : b;
    if (b.v === "const") {
      if (op === "&&" && b.n) return a;
      if (op === "||" && !b.n) return a;
    }
    return expr(BOOL, tvOp(op === "&&" ? "and" : "or", boolTV(a, e.loc), boolTV(b, e.loc)));
  }
  if (op === "++") {
    const a = lower(e.left, ctx, undefined, false);
    const b = lower(e.right, ctx, undefined, false);
    for (const [x, ex] of [
      [a, e.left],
      [b, e.right],
    ] as const)
      if (x.t.k !== "bit" && x.t.k !== "int")
        fail(ex.loc, `concatenation '++' needs operands of known width (bit<W>), found ${typeToString(x.t)}`);
    const wa = (a.t as { w: number }).w;
    const wb = (b.t as { w: number }).w;
    const t = bit(wa + wb);
    if (a.v === "const" && b.v === "const")
      return cst(t, ((a.n & mask(wa)) << BigInt(wb)) | (b.n & mask(wb)));
    const hi = tvOp("&", tvOp("<<", data(a, e.loc), tvHex(BigInt(wb))), tvHex(mask(wa + wb)));
    const lo = b.t.k === "int" ? tvOp("&", data(b, e.loc), tvHex(mask(wb))) : data(b, e.loc);
    return expr(t, tvOp("|", hi, lo));
  }
  if (op === "<<" || op === ">>") {
    let a = lower(e.left, ctx, want, false);
    const b = lower(e.right, ctx, undefined, false);
    if (!(a.t.k === "bit" || a.t.k === "int" || a.t.k === "intlit"))
      fail(e.left.loc, `cannot shift a ${typeToString(a.t)}`);
    if (a.t.k === "intlit" && b.v !== "const" && want && (want.k === "bit" || want.k === "int"))
      a = coerce(a, want, e.left.loc, "shift");
    if (!(b.t.k === "bit" || b.t.k === "intlit"))
      fail(e.right.loc, `shift amount must be unsigned, found ${typeToString(b.t)}`);
    if (b.v === "const" && b.n < 0n) fail(e.right.loc, "negative shift amount");
    if (a.v === "const" && b.v === "const") {
      // bound the work: a fixed-width value shifted past its width is all zeros (or sign bits)
      const w = a.t.k === "bit" || a.t.k === "int" ? BigInt(a.t.w) : 4096n;
      if (b.n > w) {
        if (a.t.k === "intlit") fail(e.right.loc, `shift amount ${b.n} is too large`);
        return cst(a.t, op === "<<" || a.n >= 0n ? 0n : -1n);
      }
      const n = op === "<<" ? a.n << b.n : a.n >> b.n;
      return a.t.k === "intlit" ? { v: "const", t: INTLIT, n } : cst(a.t, n);
    }
    if (a.t.k === "intlit")
      fail(e.left.loc, "shifting an integer literal by a run-time amount needs a width (cast it)");
    const j = tvOp(op, data(a, e.loc), data(b, e.loc));
    return expr(a.t, op === "<<" ? truncate(a.t, j) : j);
  }
  // arithmetic, bitwise and comparison operators need operands of one type
  let a = lower(e.left, ctx, CMP.has(op) ? undefined : want, false);
  let b = lower(e.right, ctx, a.t.k === "intlit" ? (CMP.has(op) ? undefined : want) : a.t, false);
  if (a.t.k === "intlit" && b.t.k !== "intlit") a = coerce(a, b.t, e.left.loc, `left operand of '${op}'`);
  if (b.t.k === "intlit" && a.t.k !== "intlit") b = coerce(b, a.t, e.right.loc, `right operand of '${op}'`);
  if (!sameType(a.t, b.t))
    fail(e.loc, `operands of '${op}' have different types: ${typeToString(a.t)} and ${typeToString(b.t)}`);
  const t = a.t;
  if (CMP.has(op)) {
    if (op !== "==" && op !== "!=" && !(t.k === "bit" || t.k === "int" || t.k === "intlit"))
      fail(e.loc, `'${op}' needs numeric operands, found ${typeToString(t)}`);
    if (!(isScalar(t) || t.k === "intlit"))
      fail(e.loc, `comparing values of type ${typeToString(t)} is not supported`);
    if (a.v === "const" && b.v === "const") {
      const x = a.n;
      const y = b.n;
      const r =
        op === "=="
          ? x === y
          : op === "!="
            ? x !== y
            : op === "<"
              ? x < y
              : op === "<="
                ? x <= y
                : op === ">"
                  ? x > y
                  : x >= y;
      return cst(BOOL, r ? 1n : 0n);
    }
    return expr(BOOL, tvOp(op, data(a, e.left.loc), data(b, e.right.loc)));
  }
  if (!ARITH.has(op)) fail(e.loc, `unsupported operator '${op}'`);
  if (!(t.k === "bit" || t.k === "int" || t.k === "intlit"))
    fail(e.loc, `'${op}' needs numeric operands, found ${typeToString(t)}`);
  if (a.v === "const" && b.v === "const") {
    const n = foldArith(op, a.n, b.n, t, e.loc);
    // arbitrary-precision constants stay bounded, so constant folding cannot run away
    if (t.k === "intlit" && (n > 1n << 65536n || n < -(1n << 65536n)))
      fail(e.loc, "integer constant is too large");
    return cst(t, n);
  }
  if (t.k === "intlit")
    fail(e.loc, "integer expression without a width used at run time (cast it to bit<W>)");
  const w = (t as { w: number }).w;
  // division and modulo by a constant power of two become a shift and a mask
  if (
    (op === "/" || op === "%") &&
    b.v === "const" &&
    t.k === "bit" &&
    b.n > 0n &&
    (b.n & (b.n - 1n)) === 0n
  ) {
    const k = BigInt(b.n.toString(2).length - 1);
    return expr(
      t,
      op === "/" ? tvOp(">>", data(a, e.loc), tvHex(k)) : tvOp("&", data(a, e.loc), tvHex(b.n - 1n)),
    );
  }
  switch (op) {
    case "&":
    case "|":
    case "^":
      return expr(t, tvOp(op, data(a, e.loc), data(b, e.loc)));
    case "+":
    case "-":
    case "*":
      return expr(t, truncate(t, tvOp(op, data(a, e.loc), data(b, e.loc))));
    case "|+|":
    case "|-|": {
      const raw = tvOp(op === "|+|" ? "+" : "-", data(a, e.loc), data(b, e.loc));
      return expr(t, tvOp(t.k === "int" ? "sat_cast" : "usat_cast", raw, tvHex(BigInt(w))));
    }
    default:
      fail(e.loc, `unsupported feature: '${op}' on run-time values (only by a constant power of two)`);
  }
}

function foldArith(op: string, x: bigint, y: bigint, t: Type, loc: Loc): bigint {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
    case "%":
      if (y === 0n) fail(loc, "division by zero");
      if (x < 0n || y < 0n) fail(loc, `'${op}' needs non-negative operands`);
      return op === "/" ? x / y : x % y;
    case "&":
      return x & y;
    case "|":
      return x | y;
    case "^":
      return x ^ y;
    case "|+|":
    case "|-|": {
      const r = op === "|+|" ? x + y : x - y;
      if (t.k === "bit") {
        if (r < 0n) return 0n;
        // biome-ignore lint/complexity/useMathMinMax: bigint operands
        return r > mask(t.w) ? mask(t.w) : r;
      }
      if (t.k === "int") {
        const max = (1n << BigInt(t.w - 1)) - 1n;
        const min = -(1n << BigInt(t.w - 1));
        return r > max ? max : r < min ? min : r;
      }
      return r;
    }
  }
  fail(loc, `unsupported operator '${op}'`);
}

function cast(e: A.Expr & { kind: "cast" }, ctx: Ctx): Val {
  const t = ctx.prog.resolveType(e.type, ctx.scope);
  const a = lower(e.expr, ctx, undefined, false);
  if (sameType(a.t, t)) return a;
  const bad = () => fail(e.loc, `cannot cast ${typeToString(a.t)} to ${typeToString(t)}`);
  if (t.k === "bool") {
    if (
      !(
        (a.t.k === "bit" && a.t.w === 1) ||
        (a.t.k === "intlit" && a.v === "const" && (a.n === 0n || a.n === 1n))
      )
    )
      bad();
    if (a.v === "const") return cst(BOOL, a.n);
    return expr(BOOL, tvOp("d2b", null, data(a, e.loc)));
  }
  if (t.k === "bit" || t.k === "int") {
    if (a.t.k === "bool") {
      if (t.w !== 1 || t.k !== "bit") bad();
      if (a.v === "const") return cst(t, a.n);
      return expr(t, tvOp("b2d", null, boolTV(a, e.loc)));
    }
    let src = a;
    if (a.t.k === "enum") {
      if (!a.t.underlying) bad();
      src = a.v === "const" ? cst(a.t.underlying!, a.n) : ({ ...a, t: a.t.underlying! } as Val);
    }
    if (!(src.t.k === "bit" || src.t.k === "int" || src.t.k === "intlit")) bad();
    if (src.v === "const") return cst(t, src.n);
    const from = src.t as { k: string; w: number };
    if (t.k === "bit") {
      if (from.k === "bit" && from.w <= t.w) return { ...src, t } as Val;
      return expr(t, tvOp("&", data(src, e.loc), tvHex(mask(t.w))));
    }
    if (from.k === "int" && from.w <= t.w) return { ...src, t } as Val;
    return expr(t, tvOp("two_comp_mod", data(src, e.loc), tvHex(BigInt(t.w))));
  }
  if (t.k === "enum" && t.underlying) {
    const c = coerce(a, t.underlying, e.loc, "cast");
    if (c.v === "const") return { v: "const", t, n: c.n };
    return { ...c, t } as Val;
  }
  if (t.k === "intlit" && a.v === "const") return { v: "const", t, n: a.n };
  return bad();
}

/** Calls usable inside expressions: `isValid()` and packet `lookahead`. Others are statements. */
function callExpr(e: A.Expr & { kind: "call" }, ctx: Ctx): Val {
  const c = e.callee;
  if (c.kind === "name") {
    const sym = (c.global ? ctx.scope.root() : ctx.scope).lookup(c.name);
    if (sym?.s === "function") {
      if (!ctx.em)
        fail(
          e.loc,
          `unsupported feature: calling function '${c.name}' here (call it in a statement or an assignment)`,
        );
      const r = ctx.prog.inlineFunction(sym, e, ctx, ctx.em);
      if (!r) fail(e.loc, `function '${c.name}' returns void, so it has no value`);
      return r;
    }
  }
  if (c.kind === "member" && c.name === "isValid") {
    if (e.args.length !== 0) fail(e.loc, `isValid() takes no arguments, got ${e.args.length}`);
    const h = lower(c.expr, ctx, undefined, false);
    if (h.v === "dynheader") return expr(BOOL, tvOp("valid", null, h.j));
    if (h.v !== "header") fail(c.loc, `isValid() needs a header, found ${typeToString(h.t)}`);
    return expr(BOOL, tvOp("d2b", null, tvField(h.name, "$valid$")));
  }
  if (c.kind === "member" && c.name === "lookahead")
    fail(
      e.loc,
      "lookahead<T>() is only supported as a select key or the right side of an assignment in a parser state",
    );
  if (c.kind === "member" && c.name === "apply")
    fail(
      e.loc,
      `'${exprText(e)}' is only supported as a statement, in 'if (t.apply().hit)' or in 'switch (t.apply().action_run)'`,
    );
  if (c.kind === "member" && (c.name === "hit" || c.name === "miss")) fail(e.loc, "unexpected call");
  if (
    c.kind === "member" &&
    c.expr.kind === "call" &&
    c.expr.callee.kind === "member" &&
    c.expr.callee.name === "apply"
  )
    fail(e.loc, "unexpected call on a table apply result");
  fail(e.loc, `call to '${exprText(c)}' cannot be used as a value here`);
}

export { hexstr };

/** Does `e` call a user-defined function anywhere? */
function callsFunction(e: A.Expr, ctx: Ctx): boolean {
  switch (e.kind) {
    case "call": {
      const c = e.callee;
      if (c.kind === "name" && ctx.scope.lookup(c.name)?.s === "function") return true;
      return callsFunction(c, ctx) || e.args.some((a) => callsFunction(a.value, ctx));
    }
    case "member":
    case "slice":
    case "unary":
    case "cast":
      return callsFunction(e.expr, ctx);
    case "index":
      return callsFunction(e.expr, ctx) || callsFunction(e.index, ctx);
    case "binary":
    case "mask":
    case "range":
      return callsFunction(e.left, ctx) || callsFunction(e.right, ctx);
    case "ternary":
      return callsFunction(e.cond, ctx) || callsFunction(e.then, ctx) || callsFunction(e.else, ctx);
    case "list":
      return e.items.some((x) => callsFunction(x, ctx));
    default:
      return false;
  }
}
