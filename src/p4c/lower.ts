// Front end + lowering core: resolves declarations and types, allocates BMv2 storage for
// variables, and provides the shared state the expression, statement, control and parser
// lowerings use. Errors are located P4Errors.
import * as A from "./ast.js";
import type { ActionJson, SourceInfo, TableJson, TV } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import type { Emitter } from "./emitter.js";
import type { Ctx } from "./expr.js";
import { type InstanceInfo, instantiate } from "./externs.js";
import { exprText } from "./printer.js";
import { type Access, Scope, type Sym, type Val } from "./scope.js";
import { type FieldType, INTLIT, type Type, typeToString, widthOf } from "./types.js";

export interface StorageNaming {
  /** Prefix for header instance names (e.g. "" for the headers struct). */
  headerPrefix: string;
  /** Prefix for scalar field names in the `scalars` header. */
  scalarPrefix: string;
}

export interface ActionInfo {
  fq: string;
  hidden: boolean;
  annotations: A.Annotation[];
  params: { name: string; bitwidth: number; annotations: A.Annotation[] }[];
}

export interface TableInfo {
  fq: string;
  json: TableJson;
  hidden: boolean;
  annotations: A.Annotation[];
  keys: { name: string; bitwidth: number; matchKind: string; annotations: A.Annotation[] }[];
  actionRefs: { id: number; annotations: A.Annotation[] }[];
  constDefault: boolean;
  isConst: boolean;
  size: number;
  supportTimeout: boolean;
  directCounter?: string;
  directMeter?: string;
}

export interface HeaderInstance {
  name: string;
  type: string;
  metadata: boolean;
}

/** Everything shared across the lowering of one program. */
export class Program {
  readonly global = new Scope();
  readonly errors = new Map<string, number>();
  readonly headerTypes = new Map<string, { fields: [string, number, boolean][] }>();
  readonly headerInstances: HeaderInstance[] = [];
  readonly stacks: { name: string; type: string; size: number; elems: string[] }[] = [];
  readonly scalars: [string, number, boolean][] = [];
  private readonly usedNames = new Set<string>();
  private readonly scalarNames = new Set<string>();
  readonly enums: { name: string; entries: [string, number][] }[] = [];
  readonly builtinFiles: Set<string>;
  /** Extern instances by fully qualified name. */
  readonly instances = new Map<string, InstanceInfo>();
  readonly calculations: { name: string; id: number; algo: string; input: TV[] }[] = [];
  readonly learnLists: { id: number; name: string; elements: TV[]; type: Type }[] = [];
  readonly fieldLists: { id: number; name: string; elements: TV[] }[] = [];
  readonly actions: ActionJson[] = [];
  /** Control-plane facts about each emitted action, by BMv2 action id. */
  readonly actionInfo = new Map<number, ActionInfo>();
  readonly tableInfo: TableInfo[] = [];
  /** Table actions already lowered, by action and bound arguments. */
  readonly actionMemo = new Map<string, number>();
  conditionalCount = 0;
  /** Order in which control-plane objects were declared (P4Info lists them in this order). */
  readonly declOrder = new Map<string, number>();
  noteDecl(fq: string): void {
    if (!this.declOrder.has(fq)) this.declOrder.set(fq, this.declOrder.size);
  }
  /** Parsers/controls lowered as part of main (directly or inlined), so not re-checked. */
  readonly loweredBlocks = new Set<A.ParserDecl | A.ControlDecl>();
  parseStateCount = 0;
  /** The user metadata (V1Switch's M) storage, for @field_list lookups. */
  userMeta?: Val;

  constructor(
    readonly ast: A.Program,
    builtinFiles: Iterable<string>,
    readonly programName: string,
  ) {
    this.builtinFiles = new Set(builtinFiles);
  }

  isBuiltin(loc: Loc): boolean {
    return this.builtinFiles.has(loc.file);
  }

  sourceInfo(loc: Loc, fragment: string): SourceInfo | undefined {
    if (loc.line <= 0) return undefined;
    return { filename: loc.file, line: loc.line, column: loc.col, source_fragment: fragment };
  }

  // ---- names -------------------------------------------------------------------------------
  /** A unique name derived from `base` among all generated global names. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 0; this.usedNames.has(name); k++) name = `${base}_${k}`;
    this.usedNames.add(name);
    return name;
  }
  reserveName(name: string): boolean {
    if (this.usedNames.has(name)) return false;
    this.usedNames.add(name);
    return true;
  }

  // ---- declarations ---------------------------------------------------------------------------
  registerGlobals(): void {
    const g = this.global;
    for (const d of this.ast.decls) {
      switch (d.kind) {
        case "header_union":
          fail(d.loc, "unsupported feature: header_union");
          break;
        case "header":
        case "struct":
          g.declare({ s: "type", name: d.name, t: this.structType(d), loc: d.loc });
          break;
        case "enum":
          g.declare({ s: "type", name: d.name, t: this.enumType(d), loc: d.loc });
          break;
        case "error":
          for (const m of d.members) {
            if (this.errors.has(m.name)) fail(m.loc, `duplicate error '${m.name}'`);
            this.errors.set(m.name, this.errors.size);
          }
          break;
        case "match_kind":
          for (const m of d.members)
            g.declare({
              s: "val",
              name: m.name,
              val: { v: "const", t: { k: "match_kind" }, n: 0n },
              access: "const",
              loc: m.loc,
            });
          break;
        case "typedef":
        case "newtype":
          g.declare({ s: "type", name: d.name, t: this.resolveType(d.type, g), loc: d.loc });
          break;
        case "const": {
          const t = this.resolveType(d.type, g);
          const v = this.constValue(d.value, g, t);
          g.declare({ s: "val", name: d.name, val: v, access: "const", loc: d.loc });
          break;
        }
        case "extern":
          g.declare({
            s: "type",
            name: d.name,
            t: { k: "extern", name: d.name, decl: d, args: new Map() },
            loc: d.loc,
          });
          break;
        case "extern_function":
          g.declare({ s: "extern_fn", name: d.name, decls: [d], loc: d.loc });
          break;
        case "parser_type":
        case "control_type":
        case "package_type":
          g.declare({ s: "prototype", name: d.name, decl: d, loc: d.loc });
          break;
        case "action":
          this.noteDecl(this.declName(d.annotations, d.name, ""));
          g.declare({
            s: "action",
            name: d.name,
            decl: d,
            fq: this.declName(d.annotations, d.name, ""),
            scope: g,
            loc: d.loc,
          });
          break;
        case "parser":
        case "control":
          g.declare({ s: "block", name: d.name, decl: d, loc: d.loc });
          break;
        case "instance":
          // top-level instances other than `main` (externs) are registered when used
          g.declare({
            s: "instance",
            name: d.name,
            t: this.resolveType(d.type, g),
            fq: this.declName(d.annotations, d.name, ""),
            decl: d,
            loc: d.loc,
          });
          break;
        case "function":
          g.declare({ s: "function", name: d.name, decl: d, loc: d.loc });
          break;
      }
    }
  }

  /** Fully qualified control-plane name, honouring `@name` (a leading '.' makes it global). */
  declName(anns: A.Annotation[], local: string, prefix: string): string {
    const n = A.annotation(anns, "name");
    let name = local;
    if (n && typeof n.args[0] === "string") {
      name = n.args[0];
      if (name.startsWith(".")) return name.slice(1);
    }
    return prefix ? `${prefix}.${name}` : name;
  }

  private readonly structCache = new Map<A.StructLikeDecl, Type>();
  structType(d: A.StructLikeDecl): Type {
    const cached = this.structCache.get(d);
    if (cached) return cached;
    const fields: FieldType[] = [];
    const kind = d.kind === "header_union" ? "union" : d.kind;
    const t: Type = { k: kind, name: d.name, fields, decl: d };
    this.structCache.set(d, t);
    if (d.typeParams.length > 0) fail(d.loc, `unsupported feature: generic ${d.kind} '${d.name}'`);
    const seen = new Set<string>();
    for (const f of d.fields) {
      if (seen.has(f.name)) fail(f.loc, `duplicate field '${f.name}' in ${d.kind} '${d.name}'`);
      seen.add(f.name);
      const ft = this.resolveType(f.type, this.global);
      if (d.kind === "header") {
        if (!(ft.k === "bit" || ft.k === "int" || ft.k === "bool" || (ft.k === "enum" && ft.underlying))) {
          if (ft.k === "varbit") fail(f.loc, "unsupported feature: varbit header fields");
          fail(
            f.loc,
            `header field '${f.name}' must be bit<W>, int<W>, bool or a serializable enum, not ${typeToString(ft)}`,
          );
        }
      }
      if (d.kind === "header_union" && ft.k !== "header") fail(f.loc, "header_union members must be headers");
      fields.push({ name: f.name, type: ft, annotations: f.annotations });
    }
    return t;
  }

  private enumType(d: A.EnumDecl): Type {
    const values = new Map<string, bigint>();
    let underlying: Type | undefined;
    if (d.underlying) {
      underlying = this.resolveType(d.underlying, this.global);
      if (underlying.k !== "bit" && underlying.k !== "int")
        fail(d.underlying.loc, "enum underlying type must be bit<W> or int<W>");
    }
    d.members.forEach((m, i) => {
      if (values.has(m.name)) fail(m.loc, `duplicate enum member '${m.name}'`);
      if (underlying) {
        if (!m.value) fail(m.loc, `member '${m.name}' of serializable enum '${d.name}' needs a value`);
        const v = this.constValue(m.value, this.global, underlying);
        values.set(m.name, v.n);
      } else values.set(m.name, BigInt(i));
    });
    const builtin = this.isBuiltin(d.loc);
    if (!builtin) this.enums.push({ name: d.name, entries: [...values].map(([k, v]) => [k, Number(v)]) });
    return { k: "enum", name: d.name, members: d.members.map((m) => m.name), underlying, values, builtin };
  }

  // ---- types ---------------------------------------------------------------------------------
  resolveType(t: A.TypeRef, scope: Scope): Type {
    switch (t.kind) {
      case "bit":
      case "int":
      case "varbit": {
        if (t.kind === "int" && !t.width) return INTLIT;
        const w = Number(this.constValue(t.width!, scope, INTLIT).n);
        if (!Number.isInteger(w) || w <= 0 || w > 2048) fail(t.loc, `invalid width ${w} for ${t.kind}`);
        if (t.kind === "int" && w < 2) fail(t.loc, "int<W> needs a width of at least 2");
        return { k: t.kind, w };
      }
      case "bool":
        return { k: "bool" };
      case "void":
        return { k: "void" };
      case "error":
        return { k: "error" };
      case "string":
        return { k: "string" };
      case "match_kind":
        return { k: "match_kind" };
      case "dontcare":
        return { k: "dontcare" };
      case "tuple":
        return { k: "tuple", items: t.items.map((x) => this.resolveType(x, scope)) };
      case "stack": {
        const elem = this.resolveType(t.elem, scope);
        if (elem.k !== "header") fail(t.loc, `header stacks must contain headers, not ${typeToString(elem)}`);
        const size = Number(this.constValue(t.size, scope, INTLIT).n);
        if (size <= 0 || size > 4096) fail(t.size.loc, `invalid header stack size ${size}`);
        return { k: "stack", elem, size };
      }
      case "named": {
        const sym = scope.lookup(t.name);
        if (!sym) fail(t.loc, `unknown type '${t.name}'`);
        if (sym.s === "type") {
          if (sym.t.k === "extern") {
            const decl = sym.t.decl;
            if (t.args.length > decl.typeParams.length)
              fail(
                t.loc,
                `extern '${t.name}' takes ${decl.typeParams.length} type argument(s), got ${t.args.length}`,
              );
            const args = new Map<string, Type>();
            t.args.forEach((a, i) => {
              args.set(decl.typeParams[i]!, this.resolveType(a, scope));
            });
            return { k: "extern", name: sym.t.name, decl, args };
          }
          if (t.args.length > 0) fail(t.loc, `type '${t.name}' is not generic`);
          return sym.t;
        }
        if (sym.s === "block") return { k: sym.decl.kind, name: sym.decl.name, params: sym.decl.params };
        if (sym.s === "prototype") {
          const k =
            sym.decl.kind === "parser_type"
              ? "parser"
              : sym.decl.kind === "control_type"
                ? "control"
                : "package";
          return { k, name: sym.decl.name, params: sym.decl.params };
        }
        fail(t.loc, `'${t.name}' is not a type`);
      }
    }
  }

  // ---- constants -------------------------------------------------------------------------------
  /** Hook set by the statement lowering: inlines a user function, returning its result. */
  inlineFunction!: (
    sym: Sym & { s: "function" },
    call: A.Expr & { kind: "call" },
    ctx: Ctx,
    em: Emitter,
  ) => Val | undefined;
  /** Functions being inlined (P4 forbids recursion). */
  readonly inliningFunctions = new Set<A.FunctionDecl>();

  /** Hook set by the expression lowering: evaluates an expression with no side effects. */
  evalExpr!: (e: A.Expr, scope: Scope, want?: Type) => Val;

  constValue(e: A.Expr, scope: Scope, want: Type): Val & { v: "const" } {
    const v = this.evalExpr(e, scope, want);
    if (v.v !== "const") fail(e.loc, `expected a compile-time constant, found '${exprText(e)}'`);
    return v;
  }

  // ---- storage -----------------------------------------------------------------------------------
  headerTypeName(t: Type & { k: "struct" | "header" | "union" }): string {
    if (!this.headerTypes.has(t.name)) {
      const fields: [string, number, boolean][] = t.fields.map((f) => [
        f.name,
        widthOf(f.type)!,
        f.type.k === "int",
      ]);
      this.headerTypes.set(t.name, { fields });
    }
    return t.name;
  }

  addHeaderInstance(base: string, t: Type & { k: "struct" | "header" | "union" }, metadata: boolean): string {
    const name = this.uniqueName(base);
    this.headerInstances.push({ name, type: this.headerTypeName(t), metadata });
    return name;
  }

  scalarField(base: string, t: Type): Val & { v: "field" } {
    let name = base;
    for (let k = 0; this.scalarNames.has(name); k++) name = `${base}_${k}`;
    this.scalarNames.add(name);
    const w = widthOf(t);
    if (w === undefined)
      fail({ file: "<internal>", line: 0, col: 0 }, `cannot store ${typeToString(t)} in a field`);
    this.scalars.push([name, w, t.k === "int"]);
    return { v: "field", t, h: "scalars", f: name };
  }

  /** Allocates storage for a variable of type `t`; returns the l-value it lowers to. */
  allocate(t: Type, naming: StorageNaming, path: string, loc: Loc, metadataHeaders: boolean): Val {
    switch (t.k) {
      case "bit":
      case "int":
      case "bool":
      case "error":
      case "enum":
        return this.scalarField(naming.scalarPrefix + path, t);
      case "header":
        return {
          v: "header",
          t,
          name: this.addHeaderInstance(naming.headerPrefix + path, t, metadataHeaders),
        };
      case "stack": {
        const base = this.uniqueName(naming.headerPrefix + path);
        const elemT = t.elem as Type & { k: "header" };
        const elems: string[] = [];
        for (let i = 0; i < t.size; i++) {
          const n = `${base}[${i}]`;
          this.reserveName(n);
          this.headerInstances.push({ name: n, type: this.headerTypeName(elemT), metadata: false });
          elems.push(n);
        }
        this.stacks.push({ name: base, type: elemT.name, size: t.size, elems });
        return { v: "stack", t, name: base, elems };
      }
      case "struct": {
        const fields = new Map<string, Val>();
        for (const f of t.fields)
          fields.set(
            f.name,
            this.allocate(f.type, naming, path ? `${path}.${f.name}` : f.name, loc, metadataHeaders),
          );
        return { v: "struct", t, fields };
      }
      case "union":
        fail(loc, "unsupported feature: header_union variables");
        break;
      case "varbit":
        fail(loc, "unsupported feature: varbit variables");
        break;
      default:
        fail(loc, `cannot declare a variable of type ${typeToString(t)}`);
    }
  }

  /** Info of an extern instance; top-level instances are created on first use. */
  instanceInfo(sym: Sym & { s: "instance" }, ctx: Ctx): InstanceInfo {
    const found = this.instances.get(sym.fq);
    if (found) return found;
    instantiate(sym.decl, { ...ctx, scope: this.global, block: "" }, "");
    return this.instances.get(sym.fq)!;
  }

  addCalculation(algo: string, input: TV[], loc: Loc): string {
    const supported = [
      "crc32",
      "crc16",
      "csum16",
      "identity",
      "xor16",
      "random",
      "crc32_custom",
      "crc16_custom",
    ];
    if (!supported.includes(algo)) fail(loc, `unsupported hash algorithm '${algo}'`);
    const key = JSON.stringify([algo, input]);
    const prev = this.calculations.find((c) => JSON.stringify([c.algo, c.input]) === key);
    if (prev) return prev.name;
    const name = this.uniqueName("calc");
    this.calculations.push({ name, id: this.calculations.length, algo, input });
    return name;
  }

  addLearnList(t: Type & { k: "struct" | "header" | "union" }, elements: TV[], loc: Loc): number {
    const prev = this.learnLists.find((l) => l.name === t.name);
    if (prev) {
      if (JSON.stringify(prev.elements) !== JSON.stringify(elements))
        fail(loc, `unsupported feature: digests of type '${t.name}' built from different fields`);
      return prev.id;
    }
    const id = this.learnLists.length + 1;
    this.learnLists.push({ id, name: t.name, elements, type: t });
    return id;
  }

  addFieldList(elements: TV[]): number {
    const key = JSON.stringify(elements);
    const prev = this.fieldLists.find((f) => JSON.stringify(f.elements) === key);
    if (prev) return prev.id;
    const id = this.fieldLists.length + 1;
    this.fieldLists.push({ id, name: `field_list${id}`, elements });
    return id;
  }

  /** Field list of the user metadata fields annotated `@field_list(index)`. */
  fieldListByIndex(index: Val, loc: Loc): number {
    if (index.v !== "const") fail(loc, "the field list index must be a compile-time constant");
    const meta = this.userMeta;
    const elements: TV[] = [];
    const walk = (v: Val) => {
      if (v.v !== "struct") return;
      const t = v.t as Type & { k: "struct" };
      for (const f of t.fields) {
        const fv = v.fields.get(f.name)!;
        const ann = A.annotation(f.annotations, "field_list");
        if (ann?.args.some((a) => typeof a === "bigint" && a === index.n)) {
          if (fv.v === "field") elements.push({ type: "field", value: [fv.h, fv.f] });
          else fail(loc, "unsupported feature: @field_list on a non-scalar field");
        }
        walk(fv);
      }
    };
    if (meta) walk(meta);
    const id = this.addFieldList(elements);
    this.fieldLists[id - 1]!.name = `field_list${index.n}`;
    return id;
  }

  declareVal(scope: Scope, name: string, val: Val, access: Access, loc: Loc): void {
    scope.declare({ s: "val", name, val, access, loc });
  }
}
