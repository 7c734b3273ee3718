// Compiles BMv2 actions (and parser `primitive` ops) into JS functions `(P, D) => void`, where D
// holds the action data of the matched entry. Supports simple_switch's v1model primitive set.

import { parseHexstr, repOf, type Value } from "../bits.js";
import { LoadError } from "../errors.js";
import type { ActionJson, PrimitiveJson, TV } from "../json.js";
import { ExprCompiler } from "./expr.js";
import type { Layout } from "./layout.js";
import type { Env, PacketState } from "./runtime.js";

export type ActionFn = (P: PacketState, D: Value[]) => void;

/** Name → index lookups for objects primitives refer to. */
export interface Registry {
  register(name: string): number;
  registerWidth(index: number): number;
  counter(name: string): number;
  meter(name: string): number;
  calculation(name: string): number;
  fieldList(id: number): boolean;
  learnList(id: number): boolean;
  /** Interns a constant into E.consts. */
  constant(v: Value): number;
}

export class PrimitiveCompiler {
  private readonly x: ExprCompiler;
  constructor(
    private readonly layout: Layout,
    private readonly reg: Registry,
    private readonly where: string,
    runtimeData: number[] = [],
  ) {
    this.x = new ExprCompiler({
      layout,
      where,
      runtimeData,
      registerIndex: (n) => reg.register(n),
      registerWidth: (i) => reg.registerWidth(i),
      constant: (v) => reg.constant(v),
    });
  }

  private fail(msg: string): never {
    throw new LoadError(`${msg} in ${this.where}`);
  }

  private arity(p: PrimitiveJson, n: number | number[]): void {
    const ok = Array.isArray(n) ? n.includes(p.parameters.length) : p.parameters.length === n;
    if (!ok) this.fail(`primitive '${p.op}' has ${p.parameters.length} parameters`);
  }

  private named(tv: TV, type: string): string {
    if (tv.type !== type || typeof tv.value !== "string") this.fail(`expected a ${type} parameter`);
    return tv.value;
  }

  private konst(tv: TV): number {
    const t = this.x.compile(tv);
    if (t.konst === undefined) this.fail("expected a constant parameter");
    return Number(t.konst);
  }

  private num(tv: TV): string {
    return this.x.asIndex(this.x.compile(tv));
  }

  private big(tv: TV): string {
    const t = this.x.compile(tv);
    if (t.kind === "wide") return `E.w2b(${t.code})`;
    return t.kind === "big" ? t.code : `BigInt(${this.x.asIndex(t)})`;
  }

  /** JS statement(s) for one primitive; `jump(k)` renders a jump to primitive k. */
  statement(p: PrimitiveJson, jump: (target: string) => string): string {
    const a = p.parameters ?? [];
    switch (p.op) {
      case "assign": {
        this.arity(p, 2);
        const dst = a[0]!;
        if (dst.type === "header") return this.statement({ op: "assign_header", parameters: a }, jump);
        if (dst.type === "header_stack")
          return this.statement({ op: "assign_header_stack", parameters: a }, jump);
        if (dst.type === "header_union") return this.statement({ op: "assign_union", parameters: a }, jump);
        return this.x.store(this.x.lvalue(dst), this.x.compile(a[1]!));
      }
      case "assign_header": {
        this.arity(p, 2);
        const d = this.x.headerRef(a[0]!);
        const s = this.x.headerRef(a[1]!);
        return `E.copyHeader(P, ${d.code}, ${s.code});`;
      }
      case "assign_header_stack": {
        this.arity(p, 2);
        const d = this.x.compile(a[0]!);
        const s = this.x.compile(a[1]!);
        if (d.kind !== "stack" || s.kind !== "stack") this.fail("assign_header_stack expects stacks");
        return `E.copyStack(P, ${d.code}, ${s.code});`;
      }
      case "assign_union": {
        this.arity(p, 2);
        const [d, src] = [a[0]!, a[1]!].map((tv) => {
          if (tv.type !== "header_union") this.fail("assign_union expects header unions");
          return this.layout.union(String(tv.value), this.where).headers;
        });
        if (d!.length !== src!.length) this.fail("assign_union between different union types");
        return `E.copyUnion(P, [${d!.join(", ")}], [${src!.join(", ")}]);`;
      }
      case "add_header":
        this.arity(p, 1);
        return `E.addHeader(P, ${this.x.headerRef(a[0]!).code});`;
      case "remove_header":
        this.arity(p, 1);
        return `V[${this.x.headerRef(a[0]!).code}] = 0;`;
      case "push":
      case "pop": {
        this.arity(p, 2);
        const s = this.x.compile(a[0]!);
        if (s.kind !== "stack") this.fail(`${p.op} expects a header stack`);
        return `E.${p.op}(P, ${s.code}, ${this.num(a[1]!)});`;
      }
      case "mark_to_drop":
      case "drop":
        this.arity(p, [0, 1]);
        return "E.markToDrop(P);";
      case "exit":
        return "P.exit = true; return;";
      case "_jump":
        this.arity(p, 1);
        return jump(String(this.konst(a[0]!)));
      case "_jump_if_zero": {
        this.arity(p, 2);
        const c = this.x.compile(a[0]!);
        return `if (!${this.x.asBool(c)}) { ${jump(String(this.konst(a[1]!)))} }`;
      }
      case "log_msg":
        return "";
      case "assume":
      case "assert":
        this.arity(p, 1);
        return `if (!${this.x.asBool(this.x.compile(a[0]!))}) throw new E.PacketError("${p.op} failed in ${this.where.replace(/["\\]/g, "")}");`;
      case "count": {
        this.arity(p, 2);
        const c = this.reg.counter(this.named(a[0]!, "counter_array"));
        return `E.counters[${c}].count(${this.num(a[1]!)}, P.len);`;
      }
      case "execute_meter": {
        this.arity(p, 3);
        const m = this.reg.meter(this.named(a[0]!, "meter_array"));
        const lv = this.x.lvalue(a[2]!);
        const v = {
          code: `E.meters[${m}].execute(${this.num(a[1]!)}, P.len, E.now())`,
          kind: "num" as const,
          bits: 2,
          neg: false,
        };
        return this.x.store(lv, v);
      }
      case "register_read": {
        this.arity(p, 3);
        const r = this.reg.register(this.named(a[1]!, "register_array"));
        const w = this.reg.registerWidth(r);
        const lv = this.x.lvalue(a[0]!);
        const v = {
          code: `E.registers[${r}].read(${this.num(a[2]!)})`,
          kind: repOf(w),
          bits: w,
          neg: false,
        };
        return this.x.store(lv, v);
      }
      case "register_write": {
        this.arity(p, 3);
        const r = this.reg.register(this.named(a[0]!, "register_array"));
        const w = this.reg.registerWidth(r);
        return `E.registers[${r}].write(${this.num(a[1]!)}, ${this.x.convert(this.x.compile(a[2]!), w, false)});`;
      }
      case "modify_field_with_hash_based_offset": {
        this.arity(p, 4);
        const lv = this.x.lvalue(a[0]!);
        const c = this.reg.calculation(this.named(a[2]!, "calculation"));
        const v = {
          code: `E.hashOffset(P, ${c}, ${this.big(a[1]!)}, ${this.big(a[3]!)})`,
          kind: "big" as const,
          bits: 1 << 20,
          neg: false,
        };
        return this.x.store(lv, v);
      }
      case "modify_field_rng_uniform": {
        this.arity(p, 3);
        const lv = this.x.lvalue(a[0]!);
        const v = {
          code: `E.rngUniform(${this.big(a[1]!)}, ${this.big(a[2]!)})`,
          kind: "big" as const,
          bits: 1 << 20,
          neg: false,
        };
        return this.x.store(lv, v);
      }
      case "generate_digest": {
        this.arity(p, 2);
        const id = this.konst(a[1]!);
        if (!this.reg.learnList(id)) this.fail(`unknown learn list ${id}`);
        return `P.learnList = ${id};`;
      }
      case "clone_ingress_pkt_to_egress":
      case "clone_egress_pkt_to_egress": {
        this.arity(p, [1, 2]);
        const fl = a.length > 1 ? this.konst(a[1]!) : 0;
        if (fl !== 0 && !this.reg.fieldList(fl)) this.fail(`unknown field list ${fl}`);
        return `P.cloneSession = ${this.num(a[0]!)}; P.cloneFieldList = ${fl};`;
      }
      case "resubmit":
      case "resubmit_preserving_field_list":
      case "recirculate":
      case "recirculate_preserving_field_list": {
        this.arity(p, [0, 1]);
        const fl = a.length > 0 ? this.konst(a[0]!) : 0;
        if (fl !== 0 && !this.reg.fieldList(fl)) this.fail(`unknown field list ${fl}`);
        return p.op.startsWith("resubmit")
          ? `P.resubmitFieldList = ${fl};`
          : `P.recirculateFieldList = ${fl};`;
      }
      case "truncate":
        this.arity(p, 1);
        return `P.truncateTo = ${this.num(a[0]!)};`;
      default:
        return this.fail(`unsupported primitive '${p.op}'`);
    }
  }

  /** The body of a function over (P, D) running `prims` in order, with _jump support. */
  body(prims: PrimitiveJson[]): string {
    const hasJumps = prims.some((p) => p.op === "_jump" || p.op === "_jump_if_zero");
    const head = "const F = P.F, V = P.V, S = P.S;\n";
    if (!hasJumps) return head + prims.map((p) => this.statement(p, () => "")).join("\n");
    const cases = prims.map((p, i) => `case ${i}: ${this.statement(p, (t) => `pc = ${t}; continue;`)}`);
    return `${head}let pc = 0;\nfor (;;) {\nswitch (pc) {\n${cases.join("\n")}\ndefault: return;\n}\nreturn;\n}`;
  }
}

export function compileAction(layout: Layout, reg: Registry, env: Env, action: ActionJson): ActionFn {
  const where = `action ${action.name}`;
  if (!Array.isArray(action.primitives)) throw new LoadError(`malformed ${where}`);
  const widths = (action.runtime_data ?? []).map((r) => r.bitwidth);
  const pc = new PrimitiveCompiler(layout, reg, where, widths);
  return makeFn(env, pc.body(action.primitives), where) as ActionFn;
}

/** Instantiates generated code with `E` in scope. */
export function makeFn(env: Env, body: string, where: string, params = "P, D"): unknown {
  try {
    return new Function("E", `"use strict";\nreturn function (${params}) {\n${body}\n};`)(env);
  } catch (e) {
    throw new LoadError(`internal code generation error in ${where}: ${(e as Error).message}`);
  }
}

export const hexNumber = (s: string): number => Number(parseHexstr(s));
