// Straight-line statement lowering (action bodies, code between tables, parser states):
// assignments, action inlining, extern and method calls, and `if`/`return`/`exit` in actions.
import type * as A from "./ast.js";
import { type TV, tvField, tvHex, tvOp } from "./bmv2-json.js";
import { switchToIf } from "./desugar.js";
import { fail, type Loc } from "./diag.js";
import type { Emitter } from "./emitter.js";
import { boolTV, type Ctx, coerce, data, lowerExpr, lowerLValue, param, symKind } from "./expr.js";
import { callExtern } from "./externs.js";
import { exprText, startLoc } from "./printer.js";
import { type Access, Scope, type Sym, type Val } from "./scope.js";
import { BOOL, bit, mask, type Type, typeToString } from "./types.js";

export function lowerStmts(stmts: A.Stmt[], ctx: Ctx, em: Emitter): void {
  for (const s of stmts) lowerStmt(s, ctx, em);
}

export function lowerStmt(s: A.Stmt, ctxIn: Ctx, em: Emitter): void {
  // calls to user functions inside this statement's expressions emit their code into `em`
  const ctx = ctxIn.em === em ? ctxIn : { ...ctxIn, em };
  switch (s.kind) {
    case "empty":
      return;
    case "block":
      lowerStmts(s.stmts, { ...ctx, scope: new Scope(ctx.scope) }, em);
      return;
    case "assign":
      lowerAssign(s.lhs, s.rhs, ctx, em, s.loc);
      return;
    case "call":
      lowerCall(s.call, ctx, em);
      return;
    case "var":
      declareLocal(s.decl, ctx, em);
      return;
    case "const": {
      const t = ctx.prog.resolveType(s.decl.type, ctx.scope);
      const v = ctx.prog.constValue(s.decl.value, ctx.scope, t);
      ctx.scope.declare({
        s: "val",
        name: s.decl.name,
        val: coerce(v, t, s.decl.value.loc, `constant '${s.decl.name}'`),
        access: "const",
        loc: s.loc,
      });
      return;
    }
    case "if": {
      const c = lowerExpr(s.cond, ctx, BOOL);
      if (c.t.k !== "bool") fail(s.cond.loc, `if condition must be a bool, found ${typeToString(c.t)}`);
      if (c.v === "const") {
        const branch = c.n !== 0n ? s.then : s.else;
        if (branch) lowerStmt(branch, { ...ctx, scope: new Scope(ctx.scope) }, em);
        return;
      }
      if (em.kind === "parser")
        fail(s.loc, "unsupported feature: if statement in a parser state (use select)");
      const jz = em.jumpIfZero(
        { type: "expression", value: tvOp("b2d", null, boolTV(c, s.cond.loc)) },
        s.loc,
      );
      lowerStmt(s.then, { ...ctx, scope: new Scope(ctx.scope) }, em);
      if (s.else) {
        const j = em.jump(s.loc);
        em.patchHere(jz);
        lowerStmt(s.else, { ...ctx, scope: new Scope(ctx.scope) }, em);
        em.patchHere(j);
      } else em.patchHere(jz);
      return;
    }
    case "return":
      if (ctx.fnReturn) {
        const { t, val } = ctx.fnReturn;
        if (!s.value !== !val)
          fail(
            s.loc,
            val ? `return needs a value of type ${typeToString(t)}` : "a void function cannot return a value",
          );
        if (s.value && val) {
          const v = coerce(lowerExpr(s.value, ctx, t), t, startLoc(s.value), "return value");
          assignVal(val, v, em, s.loc, `return ${exprText(s.value)}`);
        }
        if (!ctx.trailingReturn?.has(s)) em.emitReturn(s.loc, false);
        return;
      }
      if (s.value) fail(s.loc, "return with a value is only allowed in functions");
      if (em.kind === "parser") fail(s.loc, "unsupported feature: return in a parser state");
      em.emitReturn(s.loc, false);
      return;
    case "exit":
      if (em.kind === "parser") fail(s.loc, "exit is not allowed in a parser");
      em.prim("exit", [], s.loc, "exit");
      if (em.inAction) em.emitReturn(s.loc, true);
      return;
    case "switch":
      if (s.expr.kind === "member" && s.expr.name === "action_run")
        fail(s.loc, "'switch (t.apply().action_run)' is only allowed in a control's apply block");
      lowerStmt(switchToIf(s), ctx, em);
      return;
  }
}

function declareLocal(d: A.VarDecl, ctx: Ctx, em: Emitter): void {
  const t = ctx.prog.resolveType(d.type, ctx.scope);
  const v = ctx.prog.allocate(t, { headerPrefix: "", scalarPrefix: "" }, d.name, d.loc, true);
  if (d.init) {
    let src = lowerRhs(d.init, ctx, em, t);
    src = coerce(src, t, startLoc(d.init), `initializer of '${d.name}'`);
    assignVal(v, src, em, d.loc, `${d.name} = ${exprText(d.init)}`);
  } else if (v.v === "header") {
    // a fresh local header starts invalid, even when the action runs again
    em.prim("remove_header", [{ type: "header", value: v.name }]);
  }
  ctx.scope.declare({ s: "val", name: d.name, val: v, access: "local", loc: d.loc });
}

/** Right-hand side, allowing `pkt.lookahead<T>()` in parser states. */
function lowerRhs(e: A.Expr, ctx: Ctx, em: Emitter, want: Type): Val {
  const la = lookaheadOf(e, ctx);
  if (la) {
    if (em.kind !== "parser") fail(e.loc, "lookahead is only allowed in parsers");
    const t = ctx.prog.resolveType(la, ctx.scope);
    if (t.k !== "bit")
      fail(e.loc, `unsupported feature: lookahead<${typeToString(t)}> (only bit<W> is supported)`);
    return { v: "expr", t, j: { type: "lookahead", value: [0, t.w] } };
  }
  return lowerExpr(e, ctx, want);
}

/** The type argument of `pkt.lookahead<T>()` if `e` is such a call. */
export function lookaheadOf(e: A.Expr, ctx: Ctx): A.TypeRef | undefined {
  if (e.kind !== "call" || e.callee.kind !== "member" || e.callee.name !== "lookahead") return undefined;
  const base = e.callee.expr;
  if (base.kind !== "name") return undefined;
  const sym = ctx.scope.lookup(base.name);
  if (sym?.s !== "packet") return undefined;
  if (sym.dir !== "in") fail(e.loc, "lookahead needs a packet_in");
  if (e.typeArgs.length !== 1) fail(e.loc, "lookahead needs one type argument: lookahead<T>()");
  if (e.args.length !== 0) fail(e.loc, "lookahead takes no arguments");
  return e.typeArgs[0];
}

export function lowerAssign(lhs: A.Expr, rhs: A.Expr, ctx: Ctx, em: Emitter, loc: Loc): void {
  const fragment = `${exprText(lhs)} = ${exprText(rhs)}`;
  if (lhs.kind === "slice") {
    const base = lowerLValue(lhs.expr, ctx);
    if (base.v !== "field" || (base.t.k !== "bit" && base.t.k !== "int"))
      fail(lhs.loc, `cannot assign to a slice of ${typeToString(base.t)}`);
    const hi = Number(ctx.prog.constValue(lhs.hi, ctx.scope, { k: "intlit" }).n);
    const lo = Number(ctx.prog.constValue(lhs.lo, ctx.scope, { k: "intlit" }).n);
    const w = base.t.w;
    if (hi < lo || lo < 0 || hi >= w)
      fail(lhs.loc, `slice [${hi}:${lo}] is out of range for ${typeToString(base.t)}`);
    const sw = hi - lo + 1;
    const src = coerce(lowerExpr(rhs, ctx, bit(sw)), bit(sw), rhs.loc, "slice assignment");
    const keep = mask(w) & ~(mask(sw) << BigInt(lo));
    const shifted = tvOp("<<", tvOp("&", data(src, rhs.loc), tvHex(mask(sw))), tvHex(BigInt(lo)));
    const j = tvOp("&", tvOp("|", tvOp("&", tvField(base.h, base.f), tvHex(keep)), shifted), tvHex(mask(w)));
    em.assign(tvField(base.h, base.f), { type: "expression", value: j }, loc, fragment);
    return;
  }
  const dst = lowerLValue(lhs, ctx);
  let src = lowerRhs(rhs, ctx, em, dst.t);
  src = coerce(src, dst.t, startLoc(rhs), `assignment to '${exprText(lhs)}'`);
  assignVal(dst, src, em, loc, fragment);
}

/** Copies a value into an l-value of the same type, field by field for structs. */
export function assignVal(dst: Val, src: Val, em: Emitter, loc: Loc, fragment: string): void {
  switch (dst.v) {
    case "dynfield":
      em.assign(
        param(dst, loc),
        src.v === "const" && dst.t.k === "bool" ? tvHex(src.n, 1) : param(src, loc),
        loc,
        fragment,
      );
      return;
    case "field": {
      let s: TV;
      if (src.v === "expr" && src.j.type === "lookahead") s = src.j;
      else if (src.v === "const" && dst.t.k === "bool") s = tvHex(src.n, 1);
      else s = param(src, loc);
      em.assign(tvField(dst.h, dst.f), s, loc, fragment);
      return;
    }
    case "header":
      if (src.v === "header") {
        em.prim(
          "assign_header",
          [
            { type: "header", value: dst.name },
            { type: "header", value: src.name },
          ],
          loc,
          fragment,
        );
        return;
      }
      if (src.v === "list") {
        em.prim("add_header", [{ type: "header", value: dst.name }], loc, fragment);
        const t = dst.t as Type & { k: "header" };
        t.fields.forEach((f, i) => {
          assignVal({ v: "field", t: f.type, h: dst.name, f: f.name }, src.items[i]!, em, loc, fragment);
        });
        return;
      }
      break;
    case "struct": {
      const t = dst.t as Type & { k: "struct" };
      if (src.v === "struct") {
        for (const f of t.fields)
          assignVal(dst.fields.get(f.name)!, src.fields.get(f.name)!, em, loc, fragment);
        return;
      }
      if (src.v === "list") {
        t.fields.forEach((f, i) => {
          assignVal(dst.fields.get(f.name)!, src.items[i]!, em, loc, fragment);
        });
        return;
      }
      break;
    }
    case "stack":
      if (src.v === "stack") {
        dst.elems.forEach((e, i) => {
          em.prim(
            "assign_header",
            [
              { type: "header", value: e },
              { type: "header", value: src.elems[i]! },
            ],
            loc,
            fragment,
          );
        });
        return;
      }
      break;
  }
  if (src.v === "dynheader" || dst.v === "dynheader")
    fail(loc, "unsupported feature: copying a whole header stack element chosen at run time");
  fail(loc, `cannot assign a ${typeToString(src.t)} value to a ${typeToString(dst.t)}`);
}

// ---- calls ----------------------------------------------------------------------------------------
export function lowerCall(call: A.Expr & { kind: "call" }, ctx: Ctx, em: Emitter): void {
  const c = call.callee;
  if (c.kind === "name") {
    const sym = (c.global ? ctx.scope.root() : ctx.scope).lookup(c.name);
    if (!sym) fail(c.loc, `unknown name '${c.name}'`);
    if (sym.s === "action") {
      if (ctx.where === "parser") fail(c.loc, "actions cannot be called from a parser");
      inlineAction(sym, call, ctx, em);
      return;
    }
    if (sym.s === "extern_fn") {
      callExtern(call, sym, undefined, ctx, em);
      return;
    }
    if (sym.s === "function") {
      inlineFunction(sym, call, ctx, em);
      return;
    }
    fail(c.loc, `'${c.name}' is not callable (it is ${symKind(sym.s)})`);
  }
  if (c.kind === "member") {
    if (c.expr.kind === "name") {
      const sym = ctx.scope.lookup(c.expr.name);
      if (sym && (sym.s === "instance" || sym.s === "packet")) {
        callExtern(call, sym, c.name, ctx, em);
        return;
      }
      if (sym?.s === "action")
        fail(
          c.expr.loc,
          `'${c.expr.name}' is an action: it has no method '${c.name}' (call it as ${c.expr.name}(...))`,
        );
      if (sym?.s === "table")
        fail(
          c.loc,
          c.name === "apply"
            ? "tables can only be applied in a control's apply block"
            : `tables have no method '${c.name}'`,
        );
    }
    const base = lowerExpr(c.expr, ctx);
    if (base.v === "dynheader")
      fail(c.loc, `unsupported feature: ${c.name}() on a header stack element chosen at run time`);
    if (base.v === "header") {
      const hv = { type: "header", value: base.name };
      if (call.args.length !== 0) fail(call.loc, `${c.name}() takes no arguments, got ${call.args.length}`);
      if (c.name === "setValid") {
        em.prim("add_header", [hv], call.loc, exprText(call));
        return;
      }
      if (c.name === "setInvalid") {
        em.prim("remove_header", [hv], call.loc, exprText(call));
        return;
      }
      if (c.name === "isValid") return;
      fail(c.loc, `headers have no method '${c.name}'`);
    }
    if (base.v === "stack" && (c.name === "push_front" || c.name === "pop_front")) {
      if (call.args.length !== 1) fail(call.loc, `${c.name} expects 1 argument, got ${call.args.length}`);
      const n = ctx.prog.constValue(call.args[0]!.value, ctx.scope, { k: "intlit" });
      em.prim(
        c.name === "push_front" ? "push" : "pop",
        [{ type: "header_stack", value: base.name }, tvHex(n.n)],
        call.loc,
        exprText(call),
      );
      return;
    }
    fail(c.loc, `${typeToString(base.t)} has no method '${c.name}'`);
  }
  fail(call.loc, `'${exprText(c)}' is not callable`);
}

export interface BoundArg {
  param: A.Param;
  /** Absent for a directionless action parameter left to the control plane. */
  val?: Val;
  argLoc: Loc;
}

/**
 * Matches call arguments to parameters (positional or named, defaults allowed), lowering each:
 * out/inout arguments must be l-values; `in`/directionless ones are converted to the parameter type.
 */
export function bindArgs(
  params: A.Param[],
  args: A.Arg[],
  ctx: Ctx,
  loc: Loc,
  what: string,
  paramType: (p: A.Param) => Type,
  opts: { allowMissingDirectionless?: boolean; typeScope?: Scope } = {},
): BoundArg[] {
  const named = args.some((a) => a.name !== undefined);
  const byParam = new Map<A.Param, A.Arg>();
  if (named) {
    for (const a of args) {
      if (a.name === undefined) fail(a.loc, "cannot mix named and positional arguments");
      const p = params.find((q) => q.name === a.name);
      if (!p) fail(a.loc, `${what} has no parameter named '${a.name}'`);
      if (byParam.has(p)) fail(a.loc, `argument '${a.name}' given twice`);
      byParam.set(p, a);
    }
  } else {
    if (args.length > params.length)
      fail(
        args[params.length]!.loc,
        `${what} expects ${countText(params, opts)} argument(s), got ${args.length}`,
      );
    args.forEach((a, i) => {
      byParam.set(params[i]!, a);
    });
  }
  const out: BoundArg[] = [];
  for (const p of params) {
    const a = byParam.get(p);
    if (!a || a.value.kind === "default") {
      if (p.defaultValue) {
        const t = paramType(p);
        out.push({
          param: p,
          val: coerce(
            lowerExpr(p.defaultValue, { ...ctx, scope: opts.typeScope ?? ctx.scope }, t),
            t,
            p.loc,
            what,
          ),
          argLoc: loc,
        });
        continue;
      }
      if (opts.allowMissingDirectionless && p.direction === "none") {
        out.push({ param: p, argLoc: loc });
        continue;
      }
      if (!a)
        fail(
          loc,
          `${what} expects ${countText(params, opts)} argument(s), got ${args.length}: missing '${p.name}'`,
        );
      fail(a.loc, `'_' is not allowed for parameter '${p.name}' of ${what}`);
    }
    const t = paramType(p);
    if (p.direction === "out" || p.direction === "inout") {
      const v = lowerLValue(a.value, ctx, `argument for '${p.direction}' parameter '${p.name}' of ${what}`);
      if (t.k !== "typevar" && t.k !== "dontcare" && v.t.k !== t.k && !(v.t.k === t.k))
        fail(
          startLoc(a.value),
          `argument for '${p.name}' of ${what}: expected ${typeToString(t)}, found ${typeToString(v.t)}`,
        );
      coerce(v, t, startLoc(a.value), `argument for '${p.name}' of ${what}`);
      out.push({ param: p, val: v, argLoc: a.loc });
    } else {
      const v = lowerRhsArg(a.value, ctx, t);
      out.push({
        param: p,
        val: coerce(v, t, startLoc(a.value), `argument for '${p.name}' of ${what}`),
        argLoc: a.loc,
      });
    }
  }
  return out;
}

function lowerRhsArg(e: A.Expr, ctx: Ctx, t: Type): Val {
  return lowerExpr(e, ctx, t.k === "typevar" || t.k === "dontcare" ? undefined : t);
}

function countText(params: A.Param[], opts: { allowMissingDirectionless?: boolean }): string {
  const required = params.filter(
    (p) => !p.defaultValue && !(opts.allowMissingDirectionless && p.direction === "none"),
  ).length;
  return required === params.length ? `${params.length}` : `${required} to ${params.length}`;
}

/** Inlines an action called from another action or from straight-line control code. */
export function inlineAction(
  sym: Sym & { s: "action" },
  call: A.Expr & { kind: "call" },
  ctx: Ctx,
  em: Emitter,
): void {
  const decl = sym.decl;
  const declScope = sym.scope;
  const bound = bindArgs(decl.params, call.args, ctx, call.loc, `action '${decl.name}'`, (p) =>
    ctx.prog.resolveType(p.type, declScope),
  );
  const scope = new Scope(declScope);
  for (const b of bound) {
    const access: Access = b.param.direction === "none" ? "in" : (b.param.direction as Access);
    let v = b.val!;
    if (b.param.direction === "in" || b.param.direction === "none") {
      // copy-in: scalars are evaluated once, before the body runs (the body may change the
      // field an argument was read from); headers and structs are passed by reference
      if (v.v === "expr" || v.v === "field") {
        const tmp = ctx.prog.scalarField(`${decl.name}_${b.param.name}`, v.t);
        assignVal(tmp, v, em, b.argLoc, `${b.param.name}`);
        v = tmp;
      }
    }
    scope.declare({ s: "val", name: b.param.name, val: v, access, loc: b.param.loc });
  }
  em.pushReturnFrame();
  lowerStmts(
    decl.body.stmts,
    { ...ctx, scope, where: "action", fnReturn: undefined, trailingReturn: undefined },
    em,
  );
  em.popReturnFrame();
}

/** Inlines a user function (arguments copied in like an action's); returns its result storage. */
export function inlineFunction(
  sym: Sym & { s: "function" },
  call: A.Expr & { kind: "call" },
  ctx: Ctx,
  em: Emitter,
): Val | undefined {
  const decl = sym.decl;
  const prog = ctx.prog;
  if (decl.typeParams.length > 0) fail(decl.loc, `unsupported feature: generic function '${decl.name}'`);
  if (prog.inliningFunctions.has(decl))
    fail(call.loc, `function '${decl.name}' calls itself (recursion is not allowed in P4)`);
  const bound = bindArgs(decl.params, call.args, ctx, call.loc, `function '${decl.name}'`, (p) =>
    prog.resolveType(p.type, prog.global),
  );
  const scope = new Scope(prog.global);
  for (const b of bound) {
    let v = b.val!;
    if ((b.param.direction === "in" || b.param.direction === "none") && (v.v === "expr" || v.v === "field")) {
      const tmp = prog.scalarField(`${decl.name}_${b.param.name}`, v.t);
      assignVal(tmp, v, em, b.argLoc, b.param.name);
      v = tmp;
    }
    scope.declare({
      s: "val",
      name: b.param.name,
      val: v,
      access: b.param.direction === "none" ? "in" : b.param.direction,
      loc: b.param.loc,
    });
  }
  const rt = prog.resolveType(decl.returnType, prog.global);
  const val =
    rt.k === "void"
      ? undefined
      : prog.allocate(rt, { headerPrefix: "", scalarPrefix: "" }, `${decl.name}_retval`, decl.loc, false);
  // a `return` at the very end needs no jump (which also lets simple functions run in parsers)
  const last = decl.body.stmts[decl.body.stmts.length - 1];
  const trailingReturn = new Set<A.Stmt>(last?.kind === "return" ? [last] : []);
  prog.inliningFunctions.add(decl);
  em.pushReturnFrame();
  lowerStmts(
    decl.body.stmts,
    { ...ctx, scope, where: ctx.where, em, fnReturn: { t: rt, val }, trailingReturn },
    em,
  );
  em.popReturnFrame();
  prog.inliningFunctions.delete(decl);
  return val;
}
