// Parsers → BMv2 parse states: statements become parser ops, `select` becomes a transition
// key plus value/mask transitions (values are byte-padded per key field and concatenated).
import type * as A from "./ast.js";
import { hexstr, type ParseState, type Transition, type TV } from "./bmv2-json.js";
import { splitParserIfs } from "./desugar.js";
import { fail } from "./diag.js";
import { Emitter } from "./emitter.js";
import { type Ctx, coerce, data, lowerExpr, lowerLValue } from "./expr.js";
import { instantiate } from "./externs.js";
import type { Program } from "./lower.js";
import { exprText } from "./printer.js";
import { Scope } from "./scope.js";
import { lookaheadOf, lowerStmt } from "./stmt.js";
import { BOOL, mask, type Type, typeToString, widthOf } from "./types.js";

/** `all`: also lower unreachable states (to check them; the output is then not for BMv2). */
export function lowerParser(
  prog: Program,
  decl: A.ParserDecl,
  scope: Scope,
  fq: string,
  opts: { all?: boolean } = {},
): ParseState[] {
  const ctx: Ctx = { prog, scope, where: "parser", block: fq };
  const init = new Emitter("parser");
  for (const d of decl.locals) {
    switch (d.kind) {
      case "var": {
        const t = prog.resolveType(d.type, scope);
        const v = prog.allocate(t, { headerPrefix: "", scalarPrefix: "" }, d.name, d.loc, false);
        scope.declare({ s: "val", name: d.name, val: v, access: "local", loc: d.loc });
        if (d.init)
          lowerStmt(
            { kind: "assign", loc: d.loc, lhs: { kind: "name", loc: d.loc, name: d.name }, rhs: d.init },
            ctx,
            init,
          );
        break;
      }
      case "const": {
        const t = prog.resolveType(d.type, scope);
        const v = coerce(prog.constValue(d.value, scope, t), t, d.value.loc, `constant '${d.name}'`);
        scope.declare({ s: "val", name: d.name, val: v, access: "const", loc: d.loc });
        break;
      }
      case "instance":
        scope.declare(instantiate(d, ctx, fq));
        break;
      default:
        fail(d.loc, `unsupported feature: ${d.kind} declarations in a parser`);
    }
  }
  const split = splitParserIfs(decl.states);
  const allStates = split.states;
  const states = new Map<string, A.ParserState>();
  for (const s of allStates) {
    if (s.name === "accept" || s.name === "reject")
      fail(s.loc, `state '${s.name}' is built in and cannot be declared`);
    if (states.has(s.name)) fail(s.loc, `duplicate state '${s.name}'`);
    states.set(s.name, s);
  }
  if (!states.has("start")) fail(decl.loc, `parser '${decl.name}' has no 'start' state`);
  const targetOf = (name: string, loc: A.SelectCase["targetLoc"]): string | null => {
    if (name === "accept" || name === "reject") return null;
    if (!states.has(name)) fail(loc, `unknown parser state '${name}'`);
    return name;
  };
  // reachable states in declaration order (p4c drops unreachable ones too)
  const reachable = new Set<string>(["start"]);
  const work = ["start"];
  while (work.length > 0) {
    const s = states.get(work.pop()!)!;
    const tr = s.transition;
    const targets = !tr
      ? []
      : tr.kind === "direct"
        ? [[tr.target, tr.targetLoc] as const]
        : tr.cases.map((c) => [c.target, c.targetLoc] as const);
    for (const [t, loc] of targets) {
      const n = targetOf(t, loc);
      if (n && !reachable.has(n)) {
        reachable.add(n);
        work.push(n);
      }
    }
  }
  const out: ParseState[] = [];
  const stateScopes = new Map<string, Scope>();
  for (const s of allStates) {
    if (!reachable.has(s.name) && !opts.all) continue;
    const em = new Emitter("parser");
    if (s.name === "start") em.ops.push(...init.ops);
    // states split off an `if` continue the scope of the state they came from
    const link = split.scopeOf.get(s.name);
    const base = link ? (stateScopes.get(link.origin) ?? new Scope(scope)) : new Scope(scope);
    const stateScope = link?.child ? new Scope(base) : base;
    if (!link) stateScopes.set(s.name, stateScope);
    const sctx: Ctx = { ...ctx, scope: stateScope };
    for (const st of s.stmts) lowerStmt(st, sctx, em);
    const { key, transitions } = lowerTransition(s, sctx, em, targetOf);
    out.push({
      name: s.name,
      id: prog.parseStateCount++,
      parser_ops: em.ops,
      transitions,
      transition_key: key,
    });
  }
  return out;
}

function lowerTransition(
  s: A.ParserState,
  ctx: Ctx,
  em: Emitter,
  targetOf: (n: string, loc: A.SelectCase["targetLoc"]) => string | null,
): { key: TV[]; transitions: Transition[] } {
  const tr = s.transition;
  if (!tr) return { key: [], transitions: [{ type: "default", value: null, mask: null, next_state: null }] };
  if (tr.kind === "direct")
    return {
      key: [],
      transitions: [
        { type: "default", value: null, mask: null, next_state: targetOf(tr.target, tr.targetLoc) },
      ],
    };
  const key: TV[] = [];
  const types: Type[] = [];
  for (const k of tr.keys) {
    const la = lookaheadOf(k, ctx);
    if (la) {
      const t = ctx.prog.resolveType(la, ctx.scope);
      if (t.k !== "bit")
        fail(k.loc, `unsupported feature: lookahead<${typeToString(t)}> in select (only bit<W>)`);
      key.push({ type: "lookahead", value: [0, t.w] });
      types.push(t);
      continue;
    }
    if (k.kind === "member" && k.expr.kind === "member" && k.expr.name === "last") {
      const st = lowerLValue(k.expr.expr, ctx, "select key");
      if (st.v !== "stack") fail(k.loc, "'.last' needs a header stack");
      const ht = (st.t as Type & { k: "stack" }).elem as Type & { k: "header" };
      const f = ht.fields.find((x) => x.name === k.name);
      if (!f) fail(k.loc, `header ${ht.name} has no field '${k.name}'`);
      key.push({ type: "stack_field", value: [st.name, k.name] });
      types.push(f.type);
      continue;
    }
    const v = lowerExpr(k, ctx);
    const w = widthOf(v.t);
    if (w === undefined || v.t.k === "intlit")
      fail(k.loc, `select key '${exprText(k)}' needs a known width, found ${typeToString(v.t)}`);
    if (v.v === "field") key.push({ type: "field", value: [v.h, v.f] });
    else {
      // other expressions are computed into a temporary first
      const tmp = ctx.prog.scalarField(
        `${s.name}_select_${key.length}`,
        v.t.k === "bool" ? { k: "bit", w: 1 } : v.t,
      );
      em.assign(
        { type: "field", value: [tmp.h, tmp.f] },
        v.v === "const" ? { type: "hexstr", value: hexstr(v.n, w) } : data(v, k.loc),
      );
      key.push({ type: "field", value: [tmp.h, tmp.f] });
    }
    types.push(v.t);
  }
  const transitions: Transition[] = [];
  for (const c of tr.cases) {
    const next = targetOf(c.target, c.targetLoc);
    if (c.keyset.kind === "default") {
      transitions.push({ type: "default", value: null, mask: null, next_state: next });
      continue;
    }
    const parts = c.keyset.kind === "list" ? c.keyset.items : [c.keyset];
    if (parts.length !== types.length)
      fail(c.keyset.loc, `select case has ${parts.length} value(s), the select has ${types.length} key(s)`);
    // each component yields (value, mask) alternatives; ranges expand to several prefixes
    const alts: { v: bigint; m: bigint }[][] = parts.map((p, i) => {
      const t = types[i]!;
      const w = widthOf(t)!;
      const full = mask(w);
      const constOf = (e: A.Expr): bigint => {
        const want: Type = t.k === "bool" ? BOOL : t.k === "enum" || t.k === "error" ? t : { k: "bit", w };
        const v = coerce(lowerExpr(e, ctx, want), want, e.loc, "select case");
        if (v.v !== "const") fail(e.loc, "select case values must be compile-time constants");
        return v.n & full;
      };
      if (p.kind === "default") return [{ v: 0n, m: 0n }];
      if (p.kind === "mask") {
        const m = constOf(p.right);
        return [{ v: constOf(p.left) & m, m }];
      }
      if (p.kind === "range") {
        const lo = constOf(p.left);
        const hi = constOf(p.right);
        if (lo > hi) fail(p.loc, `empty range ${lo} .. ${hi}`);
        return rangeToPrefixes(lo, hi, w);
      }
      return [{ v: constOf(p), m: full }];
    });
    let combos: { v: bigint; m: bigint }[][] = [[]];
    for (const a of alts) combos = combos.flatMap((c) => a.map((x) => [...c, x]));
    if (combos.length > 4096) fail(c.keyset.loc, "select case expands to too many transitions");
    for (const combo of combos) {
      let value = "";
      let maskHex = "";
      let masked = false;
      combo.forEach((x, i) => {
        const w = widthOf(types[i]!)!;
        if (x.m !== mask(w)) masked = true;
        value += hexstr(x.v, w).slice(2);
        maskHex += hexstr(x.m, w).slice(2);
      });
      transitions.push({
        type: "hexstr",
        value: `0x${value}`,
        mask: masked ? `0x${maskHex}` : null,
        next_state: next,
      });
    }
  }
  return { key, transitions };
}

/** Covers [lo, hi] with aligned power-of-two blocks, each a (value, mask) pair. */
export function rangeToPrefixes(lo: bigint, hi: bigint, w: number): { v: bigint; m: bigint }[] {
  const out: { v: bigint; m: bigint }[] = [];
  const full = mask(w);
  let cur = lo;
  while (cur <= hi) {
    let size = 1n;
    // grow the block while it stays aligned and inside the range
    while (size < 1n << BigInt(w) && cur % (size * 2n) === 0n && cur + size * 2n - 1n <= hi) size *= 2n;
    out.push({ v: cur, m: full & ~(size - 1n) });
    cur += size;
  }
  return out;
}
