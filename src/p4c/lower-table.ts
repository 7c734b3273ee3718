// Tables → BMv2 table objects (keys, actions, default entry, const entries, direct counters
// and meters) and the P4Info facts about them; table actions → BMv2 actions.
import * as A from "./ast.js";
import {
  type ActionJson,
  type EntryJson,
  hexstr,
  type MatchKeyJson,
  type TableJson,
  type TableKey,
  type TV,
} from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import { Emitter } from "./emitter.js";
import { type Ctx, coerce, lowerExpr, lowerLValue } from "./expr.js";
import type { Program, TableInfo } from "./lower.js";
import { exprText } from "./printer.js";
import { Scope, type Sym, type Val } from "./scope.js";
import { assignVal, lowerStmt } from "./stmt.js";
import { BOOL, INTLIT, mask, type Type, typeToString, widthOf } from "./types.js";

/** What the enclosing control provides: registration of actions and tables. */
export interface TableHost {
  addAction(
    json: ActionJson,
    fq: string,
    anns: A.Annotation[],
    hidden: boolean,
    params?: { name: string; bitwidth: number; annotations: A.Annotation[] }[],
  ): number;
  pushTable(json: TableJson, info: Omit<TableInfo, "fq" | "json">): void;
}

export interface LoweredTable {
  json: TableJson;
  /** P4 names of the table's actions, in `json.actions` order. */
  actionNames: string[];
  /** Non-field keys: the hidden action computing them, to run just before the lookup. */
  keyAction?: { id: number; table: string; loc: Loc };
}

export class TableLowering {
  constructor(
    private readonly prog: Program,
    private readonly ctx: Ctx,
    private readonly host: TableHost,
  ) {}

  lowerTable(sym: Sym & { s: "table" }): LoweredTable {
    const { prog } = this;
    const d = sym.decl;
    const ctx: Ctx = { ...this.ctx, scope: sym.scope };
    const props = new Map<string, A.TableProperty>();
    for (const p of d.properties) {
      if (props.has(p.name)) fail(p.loc, `duplicate table property '${p.name}'`);
      props.set(p.name, p);
    }
    const known = [
      "key",
      "actions",
      "default_action",
      "size",
      "entries",
      "counters",
      "meters",
      "support_timeout",
      "implementation",
    ];
    for (const p of d.properties) {
      if (!known.includes(p.name)) fail(p.loc, `unsupported table property '${p.name}'`);
      if (p.name === "implementation")
        fail(p.loc, "unsupported feature: table implementation (action profiles/selectors)");
    }
    // keys
    const keys: TableKey[] = [];
    const keyInfo: TableInfo["keys"] = [];
    const keyTypes: Type[] = [];
    const pre: { dst: Val; src: Val; loc: Loc }[] = [];
    for (const k of props.get("key")?.key ?? []) {
      const mk = k.matchKind;
      if (!["exact", "lpm", "ternary", "range", "optional"].includes(mk)) {
        if (mk === "selector") fail(k.matchKindLoc, "unsupported feature: selector match (action selectors)");
        const s = ctx.scope.lookup(mk);
        if (!s) fail(k.matchKindLoc, `unknown match kind '${mk}'`);
        fail(k.matchKindLoc, `unsupported match kind '${mk}'`);
      }
      const nameAnn = A.annotation(k.annotations, "name");
      let name = typeof nameAnn?.args[0] === "string" ? nameAnn.args[0] : exprText(k.expr);
      let target: [string, string];
      let type: Type;
      const v = lowerExpr(k.expr, ctx);
      const validField = v.v === "expr" ? validityField(v.j) : undefined;
      if (k.expr.kind === "call" && validField) {
        // isValid() keys match on the header's $valid$ field
        target = validField;
        type = { k: "bit", w: 1 };
        if (!nameAnn) name = exprText(k.expr).replace(/\.isValid\(\)$/, ".$valid$");
      } else if (v.v === "field") {
        target = [v.h, v.f];
        type = v.t;
      } else {
        if (
          !(v.v === "expr" || v.v === "const" || v.v === "dynfield") ||
          widthOf(v.t) === undefined ||
          v.t.k === "intlit"
        )
          fail(
            k.expr.loc,
            `table key '${exprText(k.expr)}' must be a field, isValid() or an expression of known width`,
          );
        const tmp = prog.scalarField(`key_${d.name}_${keys.length}`, v.t);
        pre.push({ dst: tmp, src: v, loc: k.loc });
        target = [tmp.h, tmp.f];
        type = v.t;
      }
      const width = widthOf(type)!;
      if (mk === "lpm" && keys.some((x) => x.match_type === "lpm"))
        fail(k.matchKindLoc, "a table can have at most one lpm key");
      keys.push({ match_type: mk, name, target, mask: null });
      keyInfo.push({ name, bitwidth: width, matchKind: mk, annotations: k.annotations });
      keyTypes.push(type);
    }
    const matchType = keys.some((k) => k.match_type === "range")
      ? "range"
      : keys.some((k) => k.match_type === "ternary" || k.match_type === "optional")
        ? "ternary"
        : keys.some((k) => k.match_type === "lpm")
          ? "lpm"
          : "exact";
    // actions
    const actionsProp = props.get("actions");
    if (!actionsProp) fail(d.loc, `table '${d.name}' has no actions property`);
    const refs = actionsProp.actions!;
    const ids: number[] = [];
    const names: string[] = [];
    const p4names: string[] = [];
    const refInfo: TableInfo["actionRefs"] = [];
    for (const r of refs) {
      const as = ctx.scope.lookup(r.name);
      if (!as) fail(r.loc, `unknown action '${r.name}'`);
      if (as.s !== "action") fail(r.loc, `'${r.name}' is not an action`);
      if (p4names.includes(r.name)) fail(r.loc, `action '${r.name}' listed twice in table '${d.name}'`);
      const id = this.tableAction(as, r.args, ctx);
      ids.push(id);
      names.push(prog.actions[id]!.name);
      p4names.push(r.name);
      refInfo.push({ id, annotations: r.annotations });
    }
    // default action
    const defProp = props.get("default_action");
    let defId: number;
    let defData: string[] = [];
    const defConst = defProp?.isConst ?? false;
    if (defProp) {
      const v = defProp.value!;
      const an = v.kind === "call" ? v.callee : v;
      if (an.kind !== "name") fail(v.loc, "default_action must name an action");
      const idx = p4names.indexOf(an.name);
      if (idx < 0)
        fail(an.loc, `default action '${an.name}' is not in the actions list of table '${d.name}'`);
      defId = ids[idx]!;
      defData = this.actionData(
        prog.actions[defId]!,
        v.kind === "call" ? v.args : [],
        v.loc,
        ctx,
        refs[idx]!.args?.length ?? 0,
      );
    } else {
      const na = ctx.scope.lookup("NoAction");
      if (na?.s !== "action")
        fail(d.loc, `table '${d.name}' has no default_action and NoAction is not declared`);
      const idx = p4names.indexOf("NoAction");
      if (idx >= 0) defId = ids[idx]!;
      else {
        defId = this.tableAction(na, undefined, ctx);
        ids.push(defId);
        names.push(prog.actions[defId]!.name);
        p4names.push("NoAction");
        refInfo.push({ id: defId, annotations: [{ name: "defaultonly", args: [], loc: d.loc }] });
      }
    }
    // size, counters, meters, timeout
    const sizeProp = props.get("size");
    const size = sizeProp ? Number(prog.constValue(sizeProp.value!, ctx.scope, INTLIT).n) : 1024;
    if (size <= 0) fail(sizeProp!.loc, "table size must be positive");
    const tfq = sym.fq;
    let directCounter: string | undefined;
    let directMeter: string | undefined;
    for (const [pname, kind] of [
      ["counters", "direct_counter"],
      ["meters", "direct_meter"],
    ] as const) {
      const p = props.get(pname);
      if (!p) continue;
      const e = p.value!;
      const isym = e.kind === "name" ? ctx.scope.lookup(e.name) : undefined;
      if (isym?.s !== "instance") fail(e.loc, `'${pname}' must name a ${kind} instance`);
      const info = prog.instanceInfo(isym, ctx);
      if (info.kind !== kind) fail(e.loc, `'${pname}' must name a ${kind}, not a ${info.kind}`);
      if (info.table && info.table !== tfq)
        fail(e.loc, `${kind} '${isym.name}' is already attached to table '${info.table}'`);
      info.table = tfq;
      if (pname === "counters") directCounter = info.fq;
      else directMeter = info.fq;
    }
    const timeoutProp = props.get("support_timeout");
    const supportTimeout = timeoutProp
      ? prog.constValue(timeoutProp.value!, ctx.scope, BOOL).n !== 0n
      : false;
    const json: TableJson = {
      name: tfq,
      id: 0,
      source_info: prog.sourceInfo(d.loc, d.name),
      key: keys,
      match_type: matchType,
      type: "simple",
      max_size: size,
      with_counters: directCounter !== undefined,
      support_timeout: supportTimeout,
      direct_meters: directMeter ?? null,
      action_ids: ids,
      actions: names,
      base_default_next: null,
      next_tables: Object.fromEntries(names.map((n) => [n, null])),
      default_entry: {
        action_id: defId,
        action_const: defConst,
        action_data: defData,
        action_entry_const: defConst,
      },
    };
    if (!json.source_info) delete json.source_info;
    const entriesProp = props.get("entries");
    if (entriesProp) {
      json.entries = entriesProp.entries!.map((en, i) =>
        this.entry(en, i, keys, keyTypes, p4names, ids, refs, ctx),
      );
    }
    this.host.pushTable(json, {
      hidden: A.annotation(d.annotations, "hidden") !== undefined,
      annotations: d.annotations,
      keys: keyInfo,
      actionRefs: refInfo,
      constDefault: defConst,
      isConst: entriesProp?.isConst ?? false,
      size,
      supportTimeout,
      directCounter,
      directMeter,
    });
    let keyAction: LoweredTable["keyAction"];
    if (pre.length > 0) {
      // non-field keys are computed into temporaries just before the lookup
      const em = new Emitter("action", (l, f) => prog.sourceInfo(l, f));
      for (const p of pre) assignVal(p.dst, p.src, em, p.loc, "key");
      const block = tfq.includes(".") ? tfq.slice(0, tfq.lastIndexOf(".")) : "";
      const actName = prog.uniqueName(block ? `${block}.act` : "act");
      const id = this.host.addAction(
        { name: actName, id: 0, runtime_data: [], primitives: em.ops },
        actName,
        [],
        true,
      );
      keyAction = { id, table: block ? `${block}.tbl_key_${d.name}` : `tbl_key_${d.name}`, loc: d.loc };
    }
    return { json, actionNames: p4names, keyAction };
  }

  /** Constant action data for a default action or an entry. */
  private actionData(act: ActionJson, args: A.Arg[], loc: Loc, ctx: Ctx, bound: number): string[] {
    const info = this.prog.actionInfo.get(act.id)!;
    const runtimeArgs = args.slice(bound);
    if (runtimeArgs.length !== act.runtime_data.length)
      fail(
        loc,
        `action '${info.fq}' expects ${act.runtime_data.length} argument(s), got ${runtimeArgs.length}`,
      );
    return runtimeArgs.map((a, i) => {
      const rd = act.runtime_data[i]!;
      const t: Type = { k: "bit", w: rd.bitwidth };
      const v = coerce(lowerExpr(a.value, ctx, t), t, a.loc, `argument for '${rd.name}'`);
      if (v.v !== "const") fail(a.loc, `argument for '${rd.name}' must be a compile-time constant`);
      return hexstr(v.n & mask(rd.bitwidth), rd.bitwidth);
    });
  }

  private entry(
    en: A.EntryDecl,
    i: number,
    keys: TableKey[],
    keyTypes: Type[],
    p4names: string[],
    ids: number[],
    refs: A.ActionRef[],
    ctx: Ctx,
  ): EntryJson {
    if (en.keys.length !== keys.length)
      fail(en.loc, `entry has ${en.keys.length} key value(s), the table has ${keys.length} key(s)`);
    const matchKey: MatchKeyJson[] = en.keys.map((ke, k) => {
      const mt = keys[k]!.match_type;
      const t = keyTypes[k]!;
      const w = widthOf(t)!;
      const full = mask(w);
      const val = (e: A.Expr): bigint => {
        const v = coerce(
          lowerExpr(e, ctx, t.k === "bool" ? BOOL : { k: "bit", w }),
          t.k === "bool" ? BOOL : { k: "bit", w },
          e.loc,
          "entry key",
        );
        if (v.v !== "const") fail(e.loc, "entry keys must be compile-time constants");
        return v.n & full;
      };
      const h = (n: bigint) => hexstr(n, w);
      if (ke.kind === "default") {
        if (mt === "exact") fail(ke.loc, "'_' / default is not allowed for an exact key");
        if (mt === "lpm") return { match_type: mt, key: h(0n), prefix_length: 0 };
        if (mt === "range") return { match_type: mt, start: h(0n), end: h(full) };
        return { match_type: mt, key: h(0n), mask: h(0n) };
      }
      if (ke.kind === "mask") {
        const value = val(ke.left);
        const m = val(ke.right);
        if (mt === "lpm") {
          const plen = prefixLength(m, w);
          if (plen === undefined)
            fail(ke.right.loc, "lpm mask must be a prefix (contiguous ones from the top)");
          return { match_type: mt, key: h(value & m), prefix_length: plen };
        }
        if (mt !== "ternary" && mt !== "optional")
          fail(ke.loc, `a mask ('&&&') is not allowed for a ${mt} key`);
        return { match_type: mt, key: h(value & m), mask: h(m) };
      }
      if (ke.kind === "range") {
        if (mt !== "range") fail(ke.loc, `a range ('..') is only allowed for a range key`);
        return { match_type: mt, start: h(val(ke.left)), end: h(val(ke.right)) };
      }
      const value = val(ke);
      if (mt === "lpm") return { match_type: mt, key: h(value), prefix_length: w };
      if (mt === "ternary" || mt === "optional") return { match_type: mt, key: h(value), mask: h(full) };
      if (mt === "range") return { match_type: mt, start: h(value), end: h(value) };
      return { match_type: mt, key: h(value) };
    });
    const idx = p4names.indexOf(en.action.name);
    if (idx < 0) fail(en.action.loc, `action '${en.action.name}' is not in the table's actions list`);
    const id = ids[idx]!;
    const data = this.actionData(
      this.prog.actions[id]!,
      en.action.args ?? [],
      en.action.loc,
      ctx,
      refs[idx]?.args?.length ?? 0,
    );
    let priority = i + 1;
    const prAnn = A.annotation(en.annotations, "priority");
    if (en.priority) priority = Number(this.prog.constValue(en.priority, ctx.scope, INTLIT).n);
    else if (prAnn && typeof prAnn.args[0] === "bigint") priority = Number(prAnn.args[0]);
    const out: EntryJson = {
      match_key: matchKey,
      action_entry: { action_id: id, action_data: data },
      priority,
    };
    const si = this.prog.sourceInfo(en.loc, "");
    if (si) out.source_info = si;
    return out;
  }

  /** Lowers an action for use in a table (memoised by action and bound arguments). */
  /** Memo key of a table action: the action and the arguments the actions list binds. */
  memoKey(sym: Sym & { s: "action" }, boundArgs: A.Arg[] | undefined): string {
    return `${sym.fq}|${(boundArgs ?? []).map((a) => exprText(a.value)).join(",")}|${sym.loc.file}:${sym.loc.line}`;
  }

  tableAction(
    sym: Sym & { s: "action" },
    boundArgs: A.Arg[] | undefined,
    ctx: Ctx,
    opts: { freshDirectional?: boolean } = {},
  ): number {
    const { prog } = this;
    const key = this.memoKey(sym, boundArgs);
    const memo = prog.actionMemo.get(key);
    if (memo !== undefined) return memo;
    const d = sym.decl;
    const scope = new Scope(sym.scope);
    const runtime: { name: string; bitwidth: number; annotations: A.Annotation[] }[] = [];
    const actx: Ctx = { ...ctx, scope, where: "action" };
    const em = new Emitter("action", (l, f) => prog.sourceInfo(l, f));
    const nBound = boundArgs?.length ?? 0;
    if (nBound > d.params.length)
      fail(boundArgs![d.params.length]!.loc, `action '${d.name}' has ${d.params.length} parameter(s)`);
    d.params.forEach((p, i) => {
      const t = prog.resolveType(p.type, sym.scope);
      if (i < nBound) {
        const a = boundArgs![i]!;
        const v =
          p.direction === "out" || p.direction === "inout"
            ? lowerExprLValue(a.value, ctx, p, d.name)
            : coerce(lowerExpr(a.value, ctx, t), t, a.loc, `argument for '${p.name}'`);
        scope.declare({
          s: "val",
          name: p.name,
          val: v,
          access: p.direction === "none" ? "in" : p.direction,
          loc: p.loc,
        });
        return;
      }
      if (p.direction !== "none" && opts.freshDirectional) {
        // checking an action no table uses: its directional parameters get scratch storage
        const v = prog.allocate(
          t,
          { headerPrefix: `${d.name}.`, scalarPrefix: `${d.name}.` },
          p.name,
          p.loc,
          false,
        );
        scope.declare({ s: "val", name: p.name, val: v, access: p.direction, loc: p.loc });
        return;
      }
      if (p.direction !== "none")
        fail(
          p.loc,
          `parameter '${p.name}' of action '${d.name}' has a direction, so the table must bind it: ${d.name}(...)`,
        );
      const w = widthOf(t);
      if (w === undefined || t.k === "intlit" || t.k === "error")
        fail(
          p.type.loc,
          `action parameter '${p.name}' must be bit<W>, int<W>, bool or a serializable enum, not ${typeToString(t)}`,
        );
      scope.declare({
        s: "val",
        name: p.name,
        val: { v: "runtime", t, i: runtime.length, name: p.name },
        access: "runtime",
        loc: p.loc,
      });
      runtime.push({ name: p.name, bitwidth: w, annotations: p.annotations });
    });
    em.pushReturnFrame();
    for (const s of d.body.stmts) lowerStmt(s, actx, em);
    em.popReturnFrame();
    const json: ActionJson = {
      name: sym.fq,
      id: 0,
      runtime_data: runtime.map((r) => ({ name: r.name, bitwidth: r.bitwidth })),
      primitives: em.ops,
    };
    const hidden = A.annotation(d.annotations, "hidden") !== undefined;
    const id = this.host.addAction(json, sym.fq, d.annotations, hidden, runtime);
    prog.actionMemo.set(key, id);
    return id;
  }
}

function lowerExprLValue(e: A.Expr, ctx: Ctx, p: A.Param, action: string): Val {
  return lowerLValue(e, ctx, `argument for '${p.direction}' parameter '${p.name}' of action '${action}'`);
}

function prefixLength(m: bigint, w: number): number | undefined {
  for (let len = 0; len <= w; len++) {
    const pm = len === 0 ? 0n : (mask(len) << BigInt(w - len)) & mask(w);
    if (pm === m) return len;
  }
  return undefined;
}

/** `[header, "$valid$"]` if `j` is `d2b(header.$valid$)`, the lowering of `header.isValid()`. */
function validityField(j: TV): [string, string] | undefined {
  const o = j.value as { op?: string; right?: TV };
  if (j.type !== "expression" || o.op !== "d2b" || o.right?.type !== "field") return undefined;
  const f = o.right.value as [string, string];
  return f[1] === "$valid$" ? f : undefined;
}
