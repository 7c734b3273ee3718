// Controls → BMv2 pipelines: the apply block becomes a graph of tables and conditionals;
// code between tables runs in synthesized (hidden) single-action tables, as p4c does.
import type * as A from "./ast.js";
import { type ActionJson, type ConditionalJson, hexstr, type TableJson } from "./bmv2-json.js";
import { switchToIf } from "./desugar.js";
import { fail, type Loc } from "./diag.js";
import { Emitter } from "./emitter.js";
import { boolTV, type Ctx, coerce, lowerExpr } from "./expr.js";
import { instantiate } from "./externs.js";
import type { Program, TableInfo } from "./lower.js";
import { TableLowering } from "./lower-table.js";
import { exprText } from "./printer.js";
import { Scope, type Sym } from "./scope.js";
import { assignVal, bindArgs, inlineAction, lowerStmt } from "./stmt.js";
import { BOOL, typeToString, widthOf } from "./types.js";

type Next = string | null;
/** A hole is a pointer in the graph still waiting for "what comes next". */
type Hole = (next: Next) => void;
/** Empty code: whatever comes next. */
const PASS = Symbol("pass");
/** `return`: the end of the enclosing control (for an inlined control, what follows its apply). */
const RET = Symbol("return");
interface Frag {
  entry: Next | typeof PASS | typeof RET;
  holes: Hole[];
}
const EMPTY: Frag = { entry: PASS, holes: [] };

export interface PipelineResult {
  init: Next;
  tables: TableJson[];
  conditionals: ConditionalJson[];
}

export class ControlLowering {
  private readonly tables: TableJson[] = [];
  private readonly conditionals: ConditionalJson[] = [];
  private readonly applied = new Set<string>();
  private run?: { em: Emitter; loc: Loc; scopeCtx: Ctx };
  private readonly ctx: Ctx;
  /** Pointers that a `return` leads to, for the control being lowered (innermost last). */
  private readonly retHoles: Hole[][] = [[]];

  private readonly tablesLowering: TableLowering;

  constructor(
    private readonly prog: Program,
    private readonly decl: A.ControlDecl,
    scope: Scope,
    fq: string,
  ) {
    this.ctx = { prog, scope, where: "control", block: fq };
    this.tablesLowering = new TableLowering(prog, this.ctx, {
      addAction: (...a) => this.addAction(...a),
      pushTable: (json, info) => this.pushTable(json, info),
    });
  }

  /** Lowers the actions of this control (and of its sub-controls) that no table or call used. */
  checkUnusedActions(): void {
    for (const [scope, decl] of this.actionScopes) {
      for (const d of decl.locals) {
        if (d.kind !== "action") continue;
        const sym = scope.lookupLocal(d.name);
        if (sym?.s !== "action" || this.prog.actionMemo.has(this.tablesLowering.memoKey(sym, undefined)))
          continue;
        this.tablesLowering.tableAction(sym, undefined, { ...this.ctx, scope }, { freshDirectional: true });
      }
    }
  }

  /** Scopes in which control locals were declared, for checkUnusedActions. */
  private readonly actionScopes: [Scope, A.ControlDecl][] = [];

  lower(): PipelineResult {
    const init = this.declareLocals(this.decl, this.ctx);
    const frag = this.stmts([...init, ...this.decl.apply.stmts], this.ctx);
    for (const h of frag.holes) h(null);
    for (const h of this.retHoles[0]!) h(null);
    const entry = frag.entry === PASS || frag.entry === RET ? null : frag.entry;
    return { init: entry, tables: this.tables, conditionals: this.conditionals };
  }

  private seq(a: Frag, b: Frag): Frag {
    if (a.entry === PASS) return b;
    if (b.entry === PASS) return a;
    if (a.entry === RET) return a; // code after a return is dead
    if (b.entry === RET) {
      this.retHoles[this.retHoles.length - 1]!.push(...a.holes);
      return { entry: a.entry, holes: [] };
    }
    for (const h of a.holes) h(b.entry);
    return { entry: a.entry, holes: b.holes };
  }

  /** Points `set` at fragment `f` (or, for empty code, leaves it as a hole). */
  private link(f: Frag, set: Hole, holes: Hole[]): void {
    if (f.entry === PASS) holes.push(set);
    else if (f.entry === RET) this.retHoles[this.retHoles.length - 1]!.push(set);
    else {
      set(f.entry);
      holes.push(...f.holes);
    }
  }

  /** Declares a control's locals in ctx.scope (names prefixed by ctx.block); returns initialisers. */
  private declareLocals(decl: A.ControlDecl, ctx: Ctx): A.Stmt[] {
    const { prog } = this;
    this.actionScopes.push([ctx.scope, decl]);
    const initCode: A.Stmt[] = [];
    for (const d of decl.locals) {
      switch (d.kind) {
        case "var": {
          const t = prog.resolveType(d.type, ctx.scope);
          const v = prog.allocate(t, { headerPrefix: "", scalarPrefix: "" }, d.name, d.loc, true);
          ctx.scope.declare({ s: "val", name: d.name, val: v, access: "local", loc: d.loc });
          // control-local initialisers run at the start of every apply
          if (d.init)
            initCode.push({
              kind: "assign",
              loc: d.loc,
              lhs: { kind: "name", loc: d.loc, name: d.name },
              rhs: d.init,
            });
          break;
        }
        case "const": {
          const t = prog.resolveType(d.type, ctx.scope);
          const v = coerce(prog.constValue(d.value, ctx.scope, t), t, d.value.loc, `constant '${d.name}'`);
          ctx.scope.declare({ s: "val", name: d.name, val: v, access: "const", loc: d.loc });
          break;
        }
        case "action": {
          const fq = prog.declName(d.annotations, d.name, ctx.block);
          prog.reserveName(fq);
          prog.noteDecl(fq);
          ctx.scope.declare({ s: "action", name: d.name, decl: d, fq, scope: ctx.scope, loc: d.loc });
          break;
        }
        case "table":
          prog.noteDecl(prog.declName(d.annotations, d.name, ctx.block));
          ctx.scope.declare({
            s: "table",
            name: d.name,
            decl: d,
            fq: prog.declName(d.annotations, d.name, ctx.block),
            scope: ctx.scope,
            loc: d.loc,
          });
          break;
        case "instance": {
          const t = prog.resolveType(d.type, ctx.scope);
          if (t.k === "control") {
            if (d.args.length > 0) fail(d.loc, "unsupported feature: constructor arguments for controls");
            ctx.scope.declare({
              s: "instance",
              name: d.name,
              t,
              fq: prog.declName(d.annotations, d.name, ctx.block),
              decl: d,
              loc: d.loc,
            });
          } else ctx.scope.declare(instantiate(d, ctx, ctx.block));
          break;
        }
        case "value_set":
          fail(d.loc, "unsupported feature: value_set");
      }
    }
    return initCode;
  }

  /** `c.apply(args)` of a control instance: its body is inlined, its names prefixed by the instance. */
  private inlineControl(sym: Sym & { s: "instance" }, call: A.Expr & { kind: "call" }, ctx: Ctx): Frag {
    const bs = this.prog.global.lookup((sym.t as { name: string }).name);
    if (bs?.s !== "block" || bs.decl.kind !== "control")
      fail(call.loc, `'${sym.name}' is not a control instance`);
    const decl = bs.decl;
    if (this.inlining.has(decl)) fail(call.loc, `control '${decl.name}' applies itself recursively`);
    if (decl.ctorParams.length > 0) fail(decl.loc, "unsupported feature: control constructor parameters");
    const pending = this.flush();
    const scope = new Scope(this.prog.global);
    const bound = bindArgs(decl.params, call.args, ctx, call.loc, `control '${decl.name}'`, (p) =>
      this.prog.resolveType(p.type, this.prog.global),
    );
    let copies = EMPTY;
    for (const b of bound) {
      let v = b.val!;
      if (
        (b.param.direction === "in" || b.param.direction === "none") &&
        (v.v === "expr" || v.v === "field")
      ) {
        // copy-in: evaluate the argument once, before the control runs
        const tmp = this.prog.scalarField(`${sym.name}_${b.param.name}`, v.t);
        assignVal(tmp, v, this.runEmitter(ctx, b.argLoc), b.argLoc, b.param.name);
        v = tmp;
      }
      const access = b.param.direction === "none" ? "in" : b.param.direction;
      scope.declare({ s: "val", name: b.param.name, val: v, access, loc: b.param.loc });
    }
    copies = this.flush();
    const sub: Ctx = { prog: this.prog, scope, where: "control", block: sym.fq };
    this.inlining.add(decl);
    this.prog.loweredBlocks.add(decl);
    this.retHoles.push([]);
    const init = this.declareLocals(decl, sub);
    let body = this.stmts([...init, ...decl.apply.stmts], sub);
    const rets = this.retHoles.pop()!;
    this.inlining.delete(decl);
    if (body.entry === RET) body = { entry: PASS, holes: [] };
    if (body.entry === PASS && rets.length > 0) fail(call.loc, "internal: return with no code");
    body = { entry: body.entry, holes: [...body.holes, ...rets] };
    return this.seq(this.seq(pending, copies), body);
  }

  private readonly inlining = new Set<A.ControlDecl>();

  // ---- straight-line runs -------------------------------------------------------------------------
  private runEmitter(ctx: Ctx, loc: Loc): Emitter {
    if (!this.run || this.run.scopeCtx.scope !== ctx.scope) {
      // every nested block flushes before and after itself, so a pending run is never dropped
      if (this.run && this.run.em.ops.length > 0)
        throw new Error("internal: unflushed code before a nested block");
      this.run = { em: new Emitter("action", (l, f) => this.prog.sourceInfo(l, f)), loc, scopeCtx: ctx };
      this.run.em.pushReturnFrame();
    }
    return this.run.em;
  }

  /** Closes the current run of simple statements into a hidden action + table. */
  private flush(): Frag {
    const r = this.run;
    this.run = undefined;
    if (!r || r.em.ops.length === 0) return EMPTY;
    r.em.popReturnFrame();
    const actName = this.prog.uniqueName(`${r.scopeCtx.block}.act`);
    const id = this.addAction(
      { name: actName, id: 0, runtime_data: [], primitives: r.em.ops },
      actName,
      [],
      true,
    );
    return this.hiddenTable(actName.replace(/\.act(_\d+)?$/, ".tbl_act$1"), id, [], r.loc);
  }

  private addAction(
    json: ActionJson,
    fq: string,
    anns: A.Annotation[],
    hidden: boolean,
    params: { name: string; bitwidth: number; annotations: A.Annotation[] }[] = [],
  ): number {
    json.id = this.prog.actions.length;
    this.prog.actions.push(json);
    this.prog.actionInfo.set(json.id, { fq, hidden, annotations: anns, params });
    return json.id;
  }

  private hiddenTable(name: string, actionId: number, data: string[], loc: Loc): Frag {
    const tname = this.prog.uniqueName(name);
    const act = this.prog.actions[actionId]!;
    const json: TableJson = {
      name: tname,
      id: 0,
      source_info: this.prog.sourceInfo(loc, ""),
      key: [],
      match_type: "exact",
      type: "simple",
      max_size: 1024,
      with_counters: false,
      support_timeout: false,
      direct_meters: null,
      action_ids: [actionId],
      actions: [act.name],
      base_default_next: null,
      next_tables: { [act.name]: null },
      default_entry: { action_id: actionId, action_const: true, action_data: data, action_entry_const: true },
    };
    if (!json.source_info) delete json.source_info;
    this.pushTable(json, {
      hidden: true,
      annotations: [],
      keys: [],
      actionRefs: [{ id: actionId, annotations: [] }],
      constDefault: true,
      isConst: false,
      size: 1024,
      supportTimeout: false,
    });
    return { entry: tname, holes: [(n) => setAllNext(json, n)] };
  }

  private pushTable(json: TableJson, info: Omit<TableInfo, "fq" | "json">): void {
    json.id = this.prog.tableInfo.length;
    this.prog.tableInfo.push({ fq: json.name, json, ...info });
    this.tables.push(json);
  }

  // ---- statements ----------------------------------------------------------------------------------
  private stmts(stmts: A.Stmt[], ctx: Ctx): Frag {
    let frag = EMPTY;
    for (const s of stmts) {
      if (s.kind === "return") {
        frag = this.seq(frag, this.flush());
        return this.seq(frag, { entry: RET, holes: [] });
      }
      if (s.kind === "exit") {
        this.runEmitter(ctx, s.loc).prim("exit", [], s.loc, "exit");
        frag = this.seq(frag, this.flush());
        for (const h of frag.holes) h(null);
        return { entry: frag.entry === PASS ? null : frag.entry, holes: [] };
      }
      const f = this.stmt(s, ctx);
      if (f) frag = this.seq(this.seq(frag, this.flush()), f);
    }
    return this.seq(frag, this.flush());
  }

  /** Lowers one statement: control flow returns a fragment; simple code joins the current run. */
  private stmt(s: A.Stmt, ctx: Ctx): Frag | undefined {
    switch (s.kind) {
      case "block": {
        const inner = { ...ctx, scope: new Scope(ctx.scope) };
        const pending = this.flush();
        return this.seq(pending, this.stmts(s.stmts, inner));
      }
      case "if":
        return this.ifStmt(s, ctx);
      case "switch":
        return this.switchStmt(s, ctx);
      case "call": {
        const ctl = this.controlApply(s.call, ctx);
        if (ctl) return this.inlineControl(ctl, s.call, ctx);
        const applied = this.tableApply(s.call, ctx);
        if (applied) {
          const t = this.applyTable(applied, s.loc);
          return this.seq(t.pre, { entry: t.json.name, holes: [(n) => setAllNext(t.json, n)] });
        }
        const direct = this.directActionCall(s.call, ctx);
        if (direct) return direct;
        break;
      }
      case "var":
      case "const":
        // declarations join the current run (their scope is the current block)
        break;
    }
    const em = this.runEmitter(ctx, s.loc);
    lowerStmt(s, this.run!.scopeCtx, em);
    return undefined;
  }

  private ifStmt(s: A.Stmt & { kind: "if" }, ctx: Ctx): Frag {
    const pending = this.flush();
    const hm = this.hitMiss(s.cond, ctx);
    if (hm) {
      const t = this.applyTable(hm.table, s.loc);
      const thenF = this.stmts([s.then], { ...ctx, scope: new Scope(ctx.scope) });
      const elseF = s.else ? this.stmts([s.else], { ...ctx, scope: new Scope(ctx.scope) }) : EMPTY;
      const [onHit, onMiss] = hm.hit ? [thenF, elseF] : [elseF, thenF];
      const json = t.json;
      json.next_tables = { __HIT__: null, __MISS__: null };
      const holes: Hole[] = [(n) => (json.base_default_next = n)];
      this.link(onHit, (n) => (json.next_tables.__HIT__ = n), holes);
      this.link(onMiss, (n) => (json.next_tables.__MISS__ = n), holes);
      return this.seq(pending, this.seq(t.pre, { entry: json.name, holes }));
    }
    const c = lowerExpr(s.cond, ctx, BOOL);
    if (c.t.k !== "bool") fail(s.cond.loc, `if condition must be a bool, found ${typeToString(c.t)}`);
    if (c.v === "const") {
      const branch = c.n !== 0n ? s.then : s.else;
      return this.seq(
        pending,
        branch ? this.stmts([branch], { ...ctx, scope: new Scope(ctx.scope) }) : EMPTY,
      );
    }
    const name = this.prog.uniqueName("node");
    const cond: ConditionalJson = {
      name,
      id: 0,
      source_info: this.prog.sourceInfo(s.cond.loc, exprText(s.cond)),
      expression: boolTV(c, s.cond.loc),
      true_next: null,
      false_next: null,
    };
    if (!cond.source_info) delete cond.source_info;
    cond.id = this.prog.conditionalCount++;
    this.conditionals.push(cond);
    const holes: Hole[] = [];
    const thenF = this.stmts([s.then], { ...ctx, scope: new Scope(ctx.scope) });
    this.link(thenF, (n) => (cond.true_next = n), holes);
    const elseF = s.else ? this.stmts([s.else], { ...ctx, scope: new Scope(ctx.scope) }) : EMPTY;
    this.link(elseF, (n) => (cond.false_next = n), holes);
    return this.seq(pending, { entry: name, holes });
  }

  private switchStmt(s: A.Stmt & { kind: "switch" }, ctx: Ctx): Frag {
    const pending = this.flush();
    const e = s.expr;
    if (!(e.kind === "member" && e.name === "action_run"))
      return this.seq(pending, this.stmts([switchToIf(s)], ctx));
    const table = this.tableApply(e.expr, ctx);
    if (!table) fail(e.loc, "switch needs 't.apply().action_run'");
    const t = this.applyTable(table, s.loc);
    const json = t.json;
    for (const k of Object.keys(json.next_tables)) json.next_tables[k] = null;
    const holes: Hole[] = [(n) => (json.base_default_next = n)];
    const covered = new Set<string>();
    let defaultFrag: Frag | undefined;
    let pendingLabels: string[] = [];
    let sawDefault = false;
    const scopeActions = new Map<string, string>(); // P4 name → JSON action name
    for (const [i, name] of json.actions.entries()) scopeActions.set(t.actionNames[i]!, name);
    for (const c of s.cases) {
      let label: string | "default";
      if (c.label.kind === "default") {
        label = "default";
        sawDefault = true;
      } else {
        if (c.label.kind !== "name") fail(c.label.loc, "switch labels must be action names");
        const jn = scopeActions.get(c.label.name);
        if (!jn) fail(c.label.loc, `action '${c.label.name}' is not an action of table '${table.name}'`);
        if (covered.has(jn)) fail(c.label.loc, `duplicate switch label '${c.label.name}'`);
        covered.add(jn);
        label = jn;
      }
      pendingLabels.push(label);
      if (!c.body) continue;
      const f = this.stmts(c.body.stmts, { ...ctx, scope: new Scope(ctx.scope) });
      // all labels sharing this body point at it; its holes are collected once
      const setters = pendingLabels
        .filter((l) => l !== "default")
        .map((l) => (n: Next) => (json.next_tables[l] = n));
      if (pendingLabels.includes("default")) defaultFrag = f;
      const fan: Hole = (n) => {
        for (const set of setters) set(n);
      };
      if (setters.length > 0) this.link(f, fan, holes);
      else if (f.entry !== PASS && f.entry !== RET) holes.push(...f.holes);
      pendingLabels = [];
    }
    if (pendingLabels.length > 0) fail(s.loc, "the last switch case needs a body");
    const rest = json.actions.filter((a) => !covered.has(a));
    const restSet: Hole = (n) => {
      for (const a of rest) json.next_tables[a] = n;
    };
    if (sawDefault && defaultFrag) {
      if (defaultFrag.entry === PASS || defaultFrag.entry === RET || rest.length === 0)
        this.link(defaultFrag, restSet, holes);
      else restSet(defaultFrag.entry); // its holes were collected with its case
    } else holes.push(restSet);
    return this.seq(pending, this.seq(t.pre, { entry: json.name, holes }));
  }

  /** `c.apply(...)` of a control instance → the instance symbol. */
  private controlApply(e: A.Expr, ctx: Ctx): (Sym & { s: "instance" }) | undefined {
    if (
      e.kind !== "call" ||
      e.callee.kind !== "member" ||
      e.callee.name !== "apply" ||
      e.callee.expr.kind !== "name"
    )
      return undefined;
    const sym = ctx.scope.lookup(e.callee.expr.name);
    return sym?.s === "instance" && sym.t.k === "control" ? sym : undefined;
  }

  /** `t.apply()` → the table symbol. */
  private tableApply(e: A.Expr, ctx: Ctx): (Sym & { s: "table" }) | undefined {
    if (e.kind !== "call" || e.callee.kind !== "member" || e.callee.name !== "apply") return undefined;
    const base = e.callee.expr;
    if (base.kind !== "name") return undefined;
    const sym = ctx.scope.lookup(base.name);
    if (sym?.s !== "table") return undefined;
    if (e.args.length !== 0) fail(e.loc, `apply() takes no arguments, got ${e.args.length}`);
    return sym;
  }

  /** `t.apply().hit`, `t.apply().miss`, and their negations. */
  private hitMiss(e: A.Expr, ctx: Ctx): { table: Sym & { s: "table" }; hit: boolean } | undefined {
    if (e.kind === "unary" && e.op === "!") {
      const inner = this.hitMiss(e.expr, ctx);
      return inner ? { table: inner.table, hit: !inner.hit } : undefined;
    }
    if (e.kind !== "member" || (e.name !== "hit" && e.name !== "miss")) return undefined;
    const t = this.tableApply(e.expr, ctx);
    return t ? { table: t, hit: e.name === "hit" } : undefined;
  }

  /** A direct action call in an apply block becomes a hidden table running that action. */
  private directActionCall(call: A.Expr & { kind: "call" }, ctx: Ctx): Frag | undefined {
    if (call.callee.kind !== "name") return undefined;
    const sym = ctx.scope.lookup(call.callee.name);
    if (sym?.s !== "action") return undefined;
    const params = sym.decl.params;
    if (params.some((p) => p.direction !== "none")) {
      // directional arguments: inline into the current run instead
      inlineAction(sym, call, ctx, this.runEmitter(ctx, call.loc));
      return EMPTY;
    }
    if (call.args.length !== params.length || call.args.some((a) => a.name !== undefined))
      fail(
        call.loc,
        `action '${sym.decl.name}' expects ${params.length} argument(s), got ${call.args.length}`,
      );
    const data: string[] = [];
    params.forEach((p, i) => {
      const t = this.prog.resolveType(p.type, sym.scope);
      const v = coerce(
        lowerExpr(call.args[i]!.value, ctx, t),
        t,
        call.args[i]!.loc,
        `argument for '${p.name}' of action '${sym.decl.name}'`,
      );
      if (v.v !== "const") return;
      data.push(hexstr(v.n, widthOf(t)));
    });
    if (data.length !== params.length) {
      inlineAction(sym, call, ctx, this.runEmitter(ctx, call.loc));
      return EMPTY;
    }
    const pending = this.flush();
    const id = this.tablesLowering.tableAction(sym, undefined, ctx);
    const base = sym.fq.includes(".") ? sym.fq.replace(/\.([^.]*)$/, ".tbl_$1") : `tbl_${sym.fq}`;
    return this.seq(pending, this.hiddenTable(base, id, data, call.loc));
  }

  // ---- tables ---------------------------------------------------------------------------------------
  private applyTable(
    sym: Sym & { s: "table" },
    loc: Loc,
  ): { pre: Frag; json: TableJson; actionNames: string[] } {
    if (this.applied.has(sym.fq))
      fail(loc, `unsupported feature: table '${sym.name}' is applied more than once`);
    this.applied.add(sym.fq);
    const t = this.tablesLowering.lowerTable(sym);
    const pre = t.keyAction
      ? this.hiddenTable(t.keyAction.table, t.keyAction.id, [], t.keyAction.loc)
      : EMPTY;
    return { pre, json: t.json, actionNames: t.actionNames };
  }
}

function setAllNext(json: TableJson, n: Next): void {
  json.base_default_next = n;
  for (const k of Object.keys(json.next_tables)) json.next_tables[k] = n;
}
