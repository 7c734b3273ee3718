// v1model and core externs: instantiation (registers, counters, meters) and calls to extern
// functions and methods, lowered to the BMv2 primitives simple_switch implements.
import type * as A from "./ast.js";
import { paramExpr, type TV, tvHex } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import type { Emitter } from "./emitter.js";
import { boolTV, type Ctx, lowerExpr, lowerLValue, param } from "./expr.js";
import { exprText } from "./printer.js";
import { Scope, type Sym, type Val } from "./scope.js";
import { bindArgs } from "./stmt.js";
import { type Type, typeToString, widthOf } from "./types.js";

export type InstanceKind = "register" | "counter" | "direct_counter" | "meter" | "direct_meter";

export interface InstanceInfo {
  kind: InstanceKind;
  fq: string;
  loc: Loc;
  annotations: A.Annotation[];
  size: number;
  /** register cell type */
  valueType?: Type;
  unit: string; // CounterType / MeterType member name
  /** direct counters/meters: the table they are attached to */
  table?: string;
  /** direct meters: where `read()` stores the color */
  resultTarget?: [string, string];
}

const SUPPORTED: Record<string, InstanceKind> = {
  register: "register",
  counter: "counter",
  direct_counter: "direct_counter",
  meter: "meter",
  direct_meter: "direct_meter",
};

/** Declares an extern instance (`register<bit<32>>(N) r;`) in `scope`, named `prefix.r`. */
export function instantiate(decl: A.InstanceDecl, ctx: Ctx, prefix: string): Sym & { s: "instance" } {
  const t = ctx.prog.resolveType(decl.type, ctx.scope);
  const fq = ctx.prog.declName(decl.annotations, decl.name, prefix);
  const sym: Sym & { s: "instance" } = { s: "instance", name: decl.name, t, fq, decl, loc: decl.loc };
  if (t.k === "parser" || t.k === "control")
    fail(decl.loc, `unsupported feature: instantiating ${t.k} '${t.name}' inside another block`);
  if (t.k !== "extern") fail(decl.type.loc, `cannot instantiate ${typeToString(t)}`);
  const kind = SUPPORTED[t.name];
  if (!kind) {
    if (t.name === "action_profile" || t.name === "action_selector")
      fail(decl.loc, `unsupported feature: ${t.name}`);
    fail(decl.loc, `unsupported feature: extern '${t.name}'`);
  }
  const ctor = t.decl.methods.find((m) => m.name === t.decl.name && m.params.length === decl.args.length);
  if (!ctor) fail(decl.loc, `no constructor of '${t.name}' takes ${decl.args.length} argument(s)`);
  const typeScope = externTypeScope(t, ctx.prog.global);
  const bound = bindArgs(
    ctor.params,
    decl.args,
    { ...ctx, where: "const" },
    decl.loc,
    `constructor of '${t.name}'`,
    (p) => ctx.prog.resolveType(p.type, typeScope),
  );
  const constArg = (name: string): Val & { v: "const" } => {
    const b = bound.find((x) => x.param.name === name)!;
    if (b.val?.v !== "const")
      fail(b.argLoc, `argument '${name}' of '${t.name}' must be a compile-time constant`);
    return b.val;
  };
  const info: InstanceInfo = { kind, fq, loc: decl.loc, annotations: decl.annotations, size: 0, unit: "" };
  if (kind === "register" || kind === "counter" || kind === "meter") {
    info.size = Number(constArg("size").n);
    if (info.size <= 0) fail(decl.args[0]!.loc, `${t.name} size must be positive`);
  }
  if (kind !== "register") {
    const ty = constArg("type");
    info.unit = (ty.t as Type & { k: "enum" }).members[Number(ty.n)]!;
  }
  if (kind === "register") {
    const vt = t.args.get("T");
    if (!vt) fail(decl.type.loc, "register needs a cell type: register<bit<W>>(size)");
    if (vt.k !== "bit" && vt.k !== "int")
      fail(decl.type.loc, `unsupported feature: register cells of type ${typeToString(vt)}`);
    info.valueType = vt;
  }
  if (ctx.prog.instances.has(fq)) fail(decl.loc, `duplicate extern instance name '${fq}'`);
  ctx.prog.noteDecl(fq);
  ctx.prog.instances.set(fq, info);
  return sym;
}

/** Scope in which an extern's type parameters resolve to their bound types (or stay open). */
function externTypeScope(
  t: Type & { k: "extern" },
  parent: Scope,
  methodTypeParams: string[] = [],
  explicit: Type[] = [],
): Scope {
  const s = new Scope(parent);
  for (const tp of t.decl.typeParams) {
    s.declare({ s: "type", name: tp, t: t.args.get(tp) ?? { k: "typevar", name: tp }, loc: t.decl.loc });
  }
  methodTypeParams.forEach((tp, i) => {
    if (s.lookupLocal(tp)) return;
    s.declare({ s: "type", name: tp, t: explicit[i] ?? { k: "typevar", name: tp }, loc: t.decl.loc });
  });
  return s;
}

function fnTypeScope(typeParams: string[], explicit: Type[], parent: Scope, loc: Loc): Scope {
  const s = new Scope(parent);
  typeParams.forEach((tp, i) => {
    s.declare({ s: "type", name: tp, t: explicit[i] ?? { k: "typevar", name: tp }, loc });
  });
  return s;
}

/** Calls an extern function (`sym` is extern_fn) or a method of an instance or packet. */
export function callExtern(
  call: A.Expr & { kind: "call" },
  sym: Sym,
  method: string | undefined,
  ctx: Ctx,
  em: Emitter,
): void {
  const frag = exprText(call);
  const explicit = call.typeArgs.map((t) => ctx.prog.resolveType(t, ctx.scope));
  if (sym.s === "packet") {
    packetMethod(call, sym, method!, ctx, em);
    return;
  }
  if (sym.s === "instance") {
    const t = sym.t as Type & { k: "extern" };
    const m = t.decl.methods.find((x) => x.name === method && x.name !== t.decl.name);
    if (!m) fail(call.callee.loc, `extern '${t.name}' has no method '${method}'`);
    const typeScope = externTypeScope(t, ctx.prog.global, m.typeParams, explicit);
    const args = bindArgs(m.params, call.args, ctx, call.loc, `${t.name}.${method}`, (p) =>
      ctx.prog.resolveType(p.type, typeScope),
    );
    const info = ctx.prog.instanceInfo(sym, ctx);
    const v = (i: number) => args[i]!.val!;
    switch (`${info.kind}.${method}`) {
      case "register.read":
        em.prim(
          "register_read",
          [param(v(0), call.loc), { type: "register_array", value: info.fq }, param(v(1), call.loc)],
          call.loc,
          frag,
        );
        return;
      case "register.write":
        em.prim(
          "register_write",
          [{ type: "register_array", value: info.fq }, param(v(0), call.loc), param(v(1), call.loc)],
          call.loc,
          frag,
        );
        return;
      case "counter.count":
        em.prim("count", [{ type: "counter_array", value: info.fq }, param(v(0), call.loc)], call.loc, frag);
        return;
      case "meter.execute_meter":
        em.prim(
          "execute_meter",
          [{ type: "meter_array", value: info.fq }, param(v(0), call.loc), param(v(1), call.loc)],
          call.loc,
          frag,
        );
        return;
      case "direct_counter.count":
        if (ctx.where !== "action")
          fail(
            call.loc,
            "direct_counter.count() is only allowed in an action of the table it is attached to",
          );
        return; // BMv2 counts direct counters itself on every hit
      case "direct_meter.read": {
        const r = v(0);
        if (r.v !== "field") fail(call.loc, "direct_meter.read needs a field to store the color in");
        if (info.resultTarget && (info.resultTarget[0] !== r.h || info.resultTarget[1] !== r.f))
          fail(call.loc, "unsupported feature: one direct meter read into different fields");
        info.resultTarget = [r.h, r.f];
        return;
      }
    }
    fail(call.loc, `unsupported feature: ${t.name}.${method}`);
  }
  if (sym.s !== "extern_fn") fail(call.loc, "not an extern");
  const decl = sym.decls.find((d) => d.params.length === call.args.length) ?? sym.decls[0]!;
  const typeScope = fnTypeScope(decl.typeParams, explicit, ctx.prog.global, call.loc);
  const args = bindArgs(decl.params, call.args, ctx, call.loc, `${decl.name}`, (p) =>
    ctx.prog.resolveType(p.type, typeScope),
  );
  const v = (i: number) => args[i]!.val!;
  const enumMember = (val: Val, loc: Loc): string => {
    if (val.v !== "const" || val.t.k !== "enum") fail(loc, "expected an enum constant");
    return val.t.members[Number(val.n)]!;
  };
  switch (decl.name) {
    case "verify":
      if (em.kind !== "parser") fail(call.loc, "verify() is only allowed in parsers");
      em.parserOp("verify", [boolTV(v(0), call.loc), tvHex((v(1) as Val & { v: "const" }).n)]);
      return;
    case "mark_to_drop":
      em.prim("mark_to_drop", [{ type: "header", value: "standard_metadata" }], call.loc, frag);
      return;
    case "random":
      em.prim(
        "modify_field_rng_uniform",
        [param(v(0), call.loc), param(v(1), call.loc), param(v(2), call.loc)],
        call.loc,
        frag,
      );
      return;
    case "truncate":
      em.prim("truncate", [param(v(0), call.loc)], call.loc, frag);
      return;
    case "assert":
    case "assume":
      em.prim(decl.name, [paramExpr(boolTV(v(0), call.loc))], call.loc, frag);
      return;
    case "log_msg": {
      const msg = v(0);
      if (msg.v !== "string") fail(call.loc, "log_msg needs a string literal");
      const items = args.length > 1 ? flatten(v(1), call.loc, false) : [];
      em.prim(
        "log_msg",
        [
          { type: "string", value: msg.s },
          { type: "parameters_vector", value: items },
        ],
        call.loc,
        frag,
      );
      return;
    }
    case "hash": {
      const algo = enumMember(v(1), args[1]!.argLoc);
      const calc = ctx.prog.addCalculation(algo, flatten(v(3), args[3]!.argLoc, true), call.loc);
      em.prim(
        "modify_field_with_hash_based_offset",
        [
          param(v(0), call.loc),
          param(v(2), call.loc),
          { type: "calculation", value: calc },
          param(v(4), call.loc),
        ],
        call.loc,
        frag,
      );
      return;
    }
    case "digest": {
      const data = v(1);
      const dt = data.t;
      if (dt.k !== "struct" && dt.k !== "header")
        fail(
          args[1]!.argLoc,
          `digest data must be a struct (give the type: digest<T>(...)), found ${typeToString(dt)}`,
        );
      const id = ctx.prog.addLearnList(dt, flatten(data, args[1]!.argLoc, true), call.loc);
      em.prim("generate_digest", [param(v(0), call.loc), tvHex(BigInt(id))], call.loc, frag);
      return;
    }
    case "clone":
    case "clone3":
    case "clone_preserving_field_list": {
      const kind = enumMember(v(0), args[0]!.argLoc);
      let fl = 0;
      if (decl.name === "clone3") fl = ctx.prog.addFieldList(flatten(v(2), args[2]!.argLoc, false));
      if (decl.name === "clone_preserving_field_list") fl = ctx.prog.fieldListByIndex(v(2), args[2]!.argLoc);
      const op = kind === "I2E" ? "clone_ingress_pkt_to_egress" : "clone_egress_pkt_to_egress";
      em.prim(op, [param(v(1), call.loc), tvHex(BigInt(fl))], call.loc, frag);
      return;
    }
    case "resubmit":
    case "recirculate":
      em.prim(
        decl.name,
        [tvHex(BigInt(ctx.prog.addFieldList(flatten(v(0), args[0]!.argLoc, false))))],
        call.loc,
        frag,
      );
      return;
    case "resubmit_preserving_field_list":
    case "recirculate_preserving_field_list":
      em.prim(
        decl.name.replace("_preserving_field_list", ""),
        [tvHex(BigInt(ctx.prog.fieldListByIndex(v(0), args[0]!.argLoc)))],
        call.loc,
        frag,
      );
      return;
    case "verify_checksum":
    case "update_checksum":
    case "verify_checksum_with_payload":
    case "update_checksum_with_payload":
      fail(call.loc, `${decl.name} is only allowed in the checksum controls of V1Switch`);
  }
  fail(call.loc, `unsupported feature: extern function '${decl.name}'`);
}

function packetMethod(
  call: A.Expr & { kind: "call" },
  sym: Sym & { s: "packet" },
  method: string,
  ctx: Ctx,
  em: Emitter,
): void {
  if (sym.dir === "out") {
    if (method === "emit") fail(call.loc, "emit() is only allowed in the deparser's apply block");
    fail(call.callee.loc, `packet_out has no method '${method}'`);
  }
  if (em.kind !== "parser") fail(call.loc, `packet_in.${method}() is only allowed in parsers`);
  switch (method) {
    case "extract": {
      if (call.args.length === 2)
        fail(call.loc, "unsupported feature: extract with a variable-size header (varbit)");
      if (call.args.length !== 1) fail(call.loc, `extract expects 1 argument, got ${call.args.length}`);
      em.parserOp("extract", [extractTarget(call.args[0]!.value, ctx)]);
      return;
    }
    case "advance": {
      if (call.args.length !== 1) fail(call.loc, `advance expects 1 argument, got ${call.args.length}`);
      const n = lowerExpr(call.args[0]!.value, ctx, { k: "bit", w: 32 });
      em.parserOp("advance", [n.v === "const" ? tvHex(n.n, 32) : param(n, call.loc)]);
      return;
    }
    case "lookahead":
      fail(call.loc, "the result of lookahead must be used (assign it or select on it)");
      break;
    case "length":
      fail(call.loc, "unsupported feature: packet_in.length()");
  }
  fail(call.callee.loc, `packet_in has no method '${method}'`);
}

/** extract(hdr) → {type: regular}; extract(stack.next) → {type: stack}. */
function extractTarget(e: A.Expr, ctx: Ctx): TV {
  if (e.kind === "member" && e.name === "next") {
    const base = lowerLValue(e.expr, ctx, "argument of extract");
    if (base.v !== "stack") fail(e.loc, `'.next' needs a header stack, found ${typeToString(base.t)}`);
    return { type: "stack", value: base.name };
  }
  const v = lowerLValue(e, ctx, "argument of extract");
  if (v.v === "dynheader")
    fail(e.loc, "unsupported feature: extract into a stack element chosen at run time (use .next)");
  if (v.v !== "header") fail(e.loc, `extract needs a header, found ${typeToString(v.t)}`);
  return { type: "regular", value: v.name };
}

/** Flattens a value into a list of fields/constants (for hash inputs, digests, field lists). */
export function flatten(v: Val, loc: Loc, needWidth: boolean): TV[] {
  switch (v.v) {
    case "field":
      return [{ type: "field", value: [v.h, v.f] }];
    case "header":
      return (v.t as Type & { k: "header" }).fields.map((f) => ({ type: "field", value: [v.name, f.name] }));
    case "struct":
      return [...v.fields.values()].flatMap((f) => flatten(f, loc, needWidth));
    case "list":
      return v.items.flatMap((x) => flatten(x, loc, needWidth));
    case "const": {
      const w = widthOf(v.t);
      if (needWidth && w === undefined) fail(loc, "constants in a field list need a width (e.g. 8w0)");
      return [{ type: "hexstr", value: tvHex(v.n, w).value, ...(w !== undefined ? { bitwidth: w } : {}) }];
    }
    case "stack":
      fail(loc, "unsupported feature: header stacks in a field list");
      break;
    default:
      fail(loc, "field lists may only contain fields, headers, structs and constants");
  }
}
