// The deparser (emit order) and the checksum controls (checksum + calculation objects).
import type * as A from "./ast.js";
import type { Bmv2Json } from "./bmv2-json.js";
import { fail } from "./diag.js";
import { boolTV, type Ctx, lowerExpr, lowerLValue } from "./expr.js";
import { flatten } from "./externs.js";
import type { Program } from "./lower.js";
import { exprText } from "./printer.js";
import { Scope, type Val } from "./scope.js";
import { BOOL, typeToString } from "./types.js";

/** Header instance names in the order the deparser's emit calls serialize them. */
export function lowerDeparser(prog: Program, decl: A.ControlDecl, scope: Scope): string[] {
  const ctx: Ctx = { prog, scope, where: "deparser", block: decl.name };
  if (decl.locals.length > 0) fail(decl.locals[0]!.loc, "unsupported feature: declarations in a deparser");
  const order: string[] = [];
  const add = (v: Val, loc: A.Expr["loc"]) => {
    switch (v.v) {
      case "header":
        if (order.includes(v.name)) fail(loc, `header '${v.name}' is emitted twice`);
        order.push(v.name);
        return;
      case "stack":
        for (const e of v.elems) add({ v: "header", t: (v.t as { elem: Val["t"] }).elem, name: e }, loc);
        return;
      case "struct":
        for (const f of v.fields.values()) if (f.v !== "field") add(f, loc);
        return;
      case "list":
        for (const x of v.items) add(x, loc);
        return;
      default:
        fail(loc, `emit needs a header, a header stack or a struct of headers, found ${typeToString(v.t)}`);
    }
  };
  const walk = (stmts: A.Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === "block") {
        walk(s.stmts);
        continue;
      }
      if (s.kind === "empty") continue;
      if (s.kind !== "call")
        fail(s.loc, "unsupported feature: only emit() calls are supported in a deparser");
      const c = s.call.callee;
      const sym = c.kind === "member" && c.expr.kind === "name" ? scope.lookup(c.expr.name) : undefined;
      if (!(c.kind === "member" && c.name === "emit" && sym?.s === "packet" && sym.dir === "out"))
        fail(s.loc, `unsupported feature: '${exprText(s.call)}' in a deparser (only packet.emit(...))`);
      if (s.call.args.length !== 1) fail(s.loc, `emit expects 1 argument, got ${s.call.args.length}`);
      const arg = s.call.args[0]!.value;
      add(lowerExpr(arg, ctx), arg.loc);
    }
  };
  walk(decl.apply.stmts);
  return order;
}

/** verify_checksum / update_checksum calls of the V1Switch checksum controls. */
export function lowerChecksums(
  prog: Program,
  decl: A.ControlDecl,
  scope: Scope,
  verify: boolean,
  out: Bmv2Json["checksums"],
): void {
  const ctx: Ctx = { prog, scope: new Scope(scope), where: "checksum", block: decl.name };
  if (decl.locals.length > 0)
    fail(decl.locals[0]!.loc, "unsupported feature: declarations in a checksum control");
  const want = verify ? "verify_checksum" : "update_checksum";
  const walk = (stmts: A.Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === "block") {
        walk(s.stmts);
        continue;
      }
      if (s.kind === "empty") continue;
      if (s.kind !== "call" || s.call.callee.kind !== "name")
        fail(s.loc, `unsupported feature: only ${want}(...) calls are supported in '${decl.name}'`);
      const name = s.call.callee.name;
      const payload = name === `${want}_with_payload`;
      if (name !== want && !payload)
        fail(s.loc, `only ${want}(...) calls are allowed in '${decl.name}', found '${name}'`);
      const args = s.call.args;
      if (args.length !== 4) fail(s.loc, `${name} expects 4 arguments, got ${args.length}`);
      const cond = lowerExpr(args[0]!.value, ctx, BOOL);
      if (cond.t.k !== "bool")
        fail(args[0]!.loc, `condition of ${name} must be a bool, found ${typeToString(cond.t)}`);
      if (cond.v === "const" && cond.n === 0n) continue;
      const dataV = lowerExpr(args[1]!.value, ctx);
      const inputs = flatten(dataV, args[1]!.loc, true);
      if (payload) inputs.push({ type: "payload", value: null });
      const target = verify
        ? lowerExpr(args[2]!.value, ctx)
        : lowerLValue(args[2]!.value, ctx, `checksum argument of ${name}`);
      if (target.v !== "field") fail(args[2]!.loc, `the checksum argument of ${name} must be a field`);
      const algo = lowerExpr(args[3]!.value, ctx);
      if (algo.v !== "const" || algo.t.k !== "enum" || algo.t.name !== "HashAlgorithm")
        fail(args[3]!.loc, `${name} needs a HashAlgorithm constant`);
      const calc = prog.addCalculation(algo.t.members[Number(algo.n)]!, inputs, s.loc);
      out.push({
        name: prog.uniqueName("cksum"),
        id: out.length,
        target: [target.h, target.f],
        type: "generic",
        calculation: calc,
        verify,
        update: !verify,
        if_cond: cond.v === "const" ? null : boolTV(cond, args[0]!.loc),
      });
    }
  };
  walk(decl.apply.stmts);
}
