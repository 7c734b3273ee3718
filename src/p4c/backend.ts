// Whole-program lowering for v1model: checks the V1Switch instantiation, binds the blocks'
// parameters to shared storage, lowers each block and assembles the BMv2 JSON document.
import * as A from "./ast.js";
import type { Bmv2Json, PipelineJson } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import { lowerExpr } from "./expr.js";
import { Program } from "./lower.js";
import { lowerChecksums, lowerDeparser } from "./lower-blocks.js";
import { ControlLowering } from "./lower-control.js";
import { lowerParser } from "./lower-parser.js";
import { TableLowering } from "./lower-table.js";
import { typeText } from "./printer.js";
import { Scope, type Val } from "./scope.js";
import { inlineFunction } from "./stmt.js";
import { sameType, type Type, typeToString, widthOf } from "./types.js";

export const BMV2_JSON_VERSION: [number, number] = [2, 23];
export const COMPILER_ID = "p4paxos embedded p4c (src/p4c)";

type Role = "parser" | "verify" | "ingress" | "egress" | "compute" | "deparser";
const ROLES: Role[] = ["parser", "verify", "ingress", "egress", "compute", "deparser"];

export interface LoweredProgram {
  json: Bmv2Json;
  prog: Program;
}

export function lowerProgram(ast: A.Program, builtinFiles: string[], programName: string): LoweredProgram {
  const prog = new Program(ast, builtinFiles, programName);
  prog.evalExpr = (e, scope, want) => lowerExpr(e, { prog, scope, where: "const", block: "" }, want);
  prog.inlineFunction = inlineFunction;
  prog.registerGlobals();

  const main = ast.decls.find((d): d is A.InstanceDecl => d.kind === "instance" && d.name === "main");
  if (!main)
    fail({ file: programName, line: 1, col: 1 }, "no 'main' package instance (e.g. 'V1Switch(...) main;')");
  const pkgType = prog.resolveType(main.type, prog.global);
  if (pkgType.k !== "package" || pkgType.name !== "V1Switch")
    fail(
      main.type.loc,
      `unsupported architecture: main must be a V1Switch (v1model), found ${typeToString(pkgType)}`,
    );
  if (main.args.length !== pkgType.params.length)
    fail(main.loc, `V1Switch expects ${pkgType.params.length} arguments, got ${main.args.length}`);

  // Resolve each argument to a parser/control declaration and check it against the package.
  const blocks = new Map<Role, A.ParserDecl | A.ControlDecl>();
  const typeVars = new Map<string, Type>();
  main.args.forEach((arg, i) => {
    const role = ROLES[i]!;
    const block = blockOf(arg, prog);
    const protoParam = pkgType.params[i]!;
    const proto = prog.global.lookup((protoParam.type as A.TypeRef & { kind: "named" }).name);
    if (proto?.s !== "prototype") fail(arg.loc, "internal: V1Switch parameter type is not a block type");
    checkSignature(
      prog,
      block,
      proto.decl,
      protoParam.type as A.TypeRef & { kind: "named" },
      typeVars,
      arg.loc,
    );
    blocks.set(role, block);
    prog.loweredBlocks.add(block);
  });
  const H = typeVars.get("H")!;
  const M = typeVars.get("M")!;

  // Shared storage: standard_metadata, the headers (H) and the user metadata (M).
  const smSym = prog.global.lookup("standard_metadata_t");
  if (smSym?.s !== "type" || smSym.t.k !== "struct")
    fail(main.loc, "standard_metadata_t is not declared (include <v1model.p4>)");
  const smType = smSym.t;
  const smFields = new Map<string, Val>();
  for (const f of smType.fields)
    smFields.set(f.name, { v: "field", t: f.type, h: "standard_metadata", f: f.name });
  const sm: Val = { v: "struct", t: smType, fields: smFields };
  prog.reserveName("scalars");
  prog.reserveName("standard_metadata");
  const hdr = prog.allocate(H, { headerPrefix: "", scalarPrefix: "hdr." }, "", main.loc, false);
  const meta = sameType(H, M)
    ? prog.allocate(M, { headerPrefix: "userMetadata.", scalarPrefix: "userMetadata." }, "", main.loc, false)
    : prog.allocate(M, { headerPrefix: "", scalarPrefix: "userMetadata." }, "", main.loc, false);
  prog.userMeta = meta;

  // V1Switch parameter roles by position, per block kind
  const LAYOUT: Record<Role, ("pkt" | "hdr" | "meta" | "sm")[]> = {
    parser: ["pkt", "hdr", "meta", "sm"],
    verify: ["hdr", "meta"],
    ingress: ["hdr", "meta", "sm"],
    egress: ["hdr", "meta", "sm"],
    compute: ["hdr", "meta"],
    deparser: ["pkt", "hdr"],
  };
  const scopeFor = (role: Role): Scope => {
    const block = blocks.get(role)!;
    if (block.ctorParams.length > 0)
      fail(block.ctorParams[0]!.loc, "unsupported feature: constructor parameters of top-level blocks");
    if (block.typeParams.length > 0) fail(block.loc, "unsupported feature: generic parsers/controls");
    const s = new Scope(prog.global);
    block.params.forEach((p, i) => {
      const r = LAYOUT[role][i]!;
      if (r === "pkt") {
        s.declare({ s: "packet", name: p.name, dir: role === "parser" ? "in" : "out", loc: p.loc });
        return;
      }
      const val = r === "sm" ? sm : r === "hdr" ? hdr : meta;
      s.declare({
        s: "val",
        name: p.name,
        val,
        access: p.direction === "none" ? "in" : p.direction,
        loc: p.loc,
      });
    });
    return s;
  };

  const parserDecl = blocks.get("parser") as A.ParserDecl;
  const states = lowerParser(prog, parserDecl, scopeFor("parser"), parserDecl.name);
  const checksums: Bmv2Json["checksums"] = [];
  const verifyDecl = blocks.get("verify") as A.ControlDecl;
  lowerChecksums(prog, verifyDecl, scopeFor("verify"), true, checksums);
  const pipelines: PipelineJson[] = [];
  for (const role of ["ingress", "egress"] as const) {
    const decl = blocks.get(role) as A.ControlDecl;
    const r = new ControlLowering(
      prog,
      decl,
      scopeFor(role),
      prog.declName(decl.annotations, decl.name, ""),
    ).lower();
    const pl: PipelineJson = {
      name: role,
      id: pipelines.length,
      source_info: prog.sourceInfo(decl.loc, decl.name),
      init_table: r.init,
      tables: r.tables,
      action_profiles: [],
      conditionals: r.conditionals,
    };
    if (!pl.source_info) delete pl.source_info;
    pipelines.push(pl);
  }
  const computeDecl = blocks.get("compute") as A.ControlDecl;
  lowerChecksums(prog, computeDecl, scopeFor("compute"), false, checksums);
  const deparserDecl = blocks.get("deparser") as A.ControlDecl;
  const order = lowerDeparser(prog, deparserDecl, scopeFor("deparser"));

  // ---- assemble ----
  const pad = (fields: [string, number, boolean][], name: string) => {
    const total = fields.reduce((s, f) => s + f[1], 0);
    if (total % 8 !== 0) fields.push([name, 8 - (total % 8), false]);
    return fields;
  };
  const headerTypes: Bmv2Json["header_types"] = [];
  headerTypes.push({ name: "scalars_0", id: 0, fields: pad([...prog.scalars], "_padding_0") });
  headerTypes.push({
    name: "standard_metadata",
    id: 1,
    fields: pad(
      smType.fields.map((f) => [f.name, widthOf(f.type)!, false]),
      "_padding",
    ),
  });
  for (const d of ast.decls) {
    if (d.kind !== "header") continue;
    const ht = prog.headerTypes.get(d.name);
    if (ht) headerTypes.push({ name: d.name, id: headerTypes.length, fields: ht.fields });
  }
  const headers: Bmv2Json["headers"] = [
    { name: "scalars", id: 0, header_type: "scalars_0", metadata: true, pi_omit: true },
    { name: "standard_metadata", id: 1, header_type: "standard_metadata", metadata: true, pi_omit: true },
  ];
  const headerIds = new Map<string, number>();
  for (const h of prog.headerInstances) {
    headerIds.set(h.name, headers.length);
    headers.push({
      name: h.name,
      id: headers.length,
      header_type: h.type,
      metadata: h.metadata,
      pi_omit: true,
    });
  }
  const aliases: Bmv2Json["field_aliases"] = [];
  for (const f of smType.fields) {
    const a = A.annotation(f.annotations, "alias");
    if (a && typeof a.args[0] === "string") aliases.push([a.args[0], ["standard_metadata", f.name]]);
  }
  const instances = [...prog.instances.values()];
  const json: Bmv2Json = {
    header_types: headerTypes,
    headers,
    header_stacks: prog.stacks.map((s, id) => ({
      name: s.name,
      id,
      header_type: s.type,
      size: s.size,
      header_ids: s.elems.map((e) => headerIds.get(e)!),
    })),
    header_union_types: [],
    header_unions: [],
    header_union_stacks: [],
    field_lists: prog.fieldLists.map((f) => ({ id: f.id, name: f.name, elements: f.elements })),
    errors: [...prog.errors].map(([n, c]) => [n, c]),
    enums: prog.enums,
    parsers: [{ name: "parser", id: 0, init_state: "start", parse_states: states }],
    parse_vsets: [],
    deparsers: [{ name: "deparser", id: 0, order, primitives: [] }],
    meter_arrays: instances
      .filter((i) => i.kind === "meter" || (i.kind === "direct_meter" && i.table))
      .map((i, id) => {
        const m: Record<string, unknown> = {
          name: i.fq,
          id,
          source_info: prog.sourceInfo(i.loc, i.fq),
          is_direct: i.kind === "direct_meter",
          rate_count: 2,
          type: i.unit,
          size: i.kind === "meter" ? i.size : tableSize(prog, i.table!),
        };
        if (i.kind === "direct_meter") {
          m.binding = i.table;
          if (!i.resultTarget)
            fail(i.loc, `direct meter '${i.fq}' is never read (call read() in the table's actions)`);
          m.result_target = i.resultTarget;
        }
        if (!m.source_info) delete m.source_info;
        return m;
      }),
    counter_arrays: instances
      .filter((i) => i.kind === "counter" || (i.kind === "direct_counter" && i.table))
      .map((i, id) => {
        const c: Record<string, unknown> = {
          name: i.fq,
          id,
          source_info: prog.sourceInfo(i.loc, i.fq),
          is_direct: i.kind === "direct_counter",
        };
        if (i.kind === "counter") c.size = i.size;
        else {
          c.size = tableSize(prog, i.table!);
          c.binding = i.table;
        }
        if (!c.source_info) delete c.source_info;
        return c;
      }),
    register_arrays: instances
      .filter((i) => i.kind === "register")
      .map((i, id) => {
        const r: Bmv2Json["register_arrays"][number] = {
          name: i.fq,
          id,
          source_info: prog.sourceInfo(i.loc, i.fq),
          size: i.size,
          bitwidth: widthOf(i.valueType!)!,
        };
        if (!r.source_info) delete r.source_info;
        return r;
      }),
    calculations: prog.calculations,
    learn_lists: prog.learnLists.map((l) => ({ id: l.id, name: l.name, elements: l.elements })),
    actions: prog.actions,
    pipelines,
    checksums,
    force_arith: [],
    extern_instances: [],
    field_aliases: aliases,
    program: programName,
    __meta__: { version: BMV2_JSON_VERSION, compiler: COMPILER_ID },
  };
  checkUnusedCode(ast, builtinFiles, programName, prog);
  return { json, prog };
}

/**
 * Code main never runs is still checked, as p4c does: every parser and control is lowered again
 * into a scratch program with fresh storage for its parameters (so blocks main does not use, and
 * sub-controls never applied, get checked), then each control's actions that no table or call
 * used, and the top-level actions. Scratch results are discarded.
 */
function checkUnusedCode(ast: A.Program, builtinFiles: string[], programName: string, used: Program): void {
  const scratch = () => {
    const prog = new Program(ast, builtinFiles, programName);
    prog.evalExpr = (e, scope, want) => lowerExpr(e, { prog, scope, where: "const", block: "" }, want);
    prog.inlineFunction = inlineFunction;
    prog.registerGlobals();
    return prog;
  };
  for (const d of ast.decls) {
    if ((d.kind !== "parser" && d.kind !== "control") || used.isBuiltin(d.loc)) continue;
    if (d.typeParams.length > 0 || d.ctorParams.length > 0) continue; // checked where instantiated
    const isDeparser = d.params.some((p) => p.type.kind === "named" && p.type.name === "packet_out");
    // main's deparser and checksum blocks have no unused parts to find (its parser may have
    // unreachable states)
    if (used.loweredBlocks.has(d) && d.kind === "control" && (isDeparser || callsChecksum(d.apply.stmts)))
      continue;
    const prog = scratch();
    const scope = new Scope(prog.global);
    for (const p of d.params) {
      const t = prog.resolveType(p.type, prog.global);
      if (t.k === "extern" && (t.name === "packet_in" || t.name === "packet_out")) {
        scope.declare({ s: "packet", name: p.name, dir: t.name === "packet_in" ? "in" : "out", loc: p.loc });
        continue;
      }
      const val = prog.allocate(
        t,
        { headerPrefix: `${p.name}.`, scalarPrefix: `${p.name}.` },
        "",
        p.loc,
        false,
      );
      scope.declare({
        s: "val",
        name: p.name,
        val,
        access: p.direction === "none" ? "in" : p.direction,
        loc: p.loc,
      });
    }
    if (d.kind === "parser") lowerParser(prog, d, scope, d.name, { all: true });
    else if (isDeparser) lowerDeparser(prog, d, scope);
    else if (callsChecksum(d.apply.stmts))
      lowerChecksums(prog, d, scope, /verify/.test(JSON.stringify(d.apply.stmts)), []);
    else {
      const c = new ControlLowering(prog, d, scope, d.name);
      c.lower();
      c.checkUnusedActions();
    }
  }
  const prog = scratch();
  const tables = new TableLowering(
    prog,
    { prog, scope: prog.global, where: "control", block: "" },
    {
      addAction: (json) => {
        json.id = prog.actions.length;
        prog.actions.push(json);
        return json.id;
      },
      pushTable: () => {},
    },
  );
  for (const d of ast.decls) {
    if (d.kind !== "action" || used.isBuiltin(d.loc)) continue;
    const sym = prog.global.lookupLocal(d.name);
    if (sym?.s === "action")
      tables.tableAction(
        sym,
        undefined,
        { prog, scope: prog.global, where: "control", block: "" },
        { freshDirectional: true },
      );
  }
}

function callsChecksum(stmts: A.Stmt[]): boolean {
  return stmts.some(
    (s) =>
      (s.kind === "call" &&
        s.call.callee.kind === "name" &&
        /^(verify|update)_checksum/.test(s.call.callee.name)) ||
      (s.kind === "block" && callsChecksum(s.stmts)),
  );
}

function tableSize(prog: Program, table: string): number {
  return prog.tableInfo.find((t) => t.fq === table)?.size ?? 1024;
}

function blockOf(arg: A.Arg, prog: Program): A.ParserDecl | A.ControlDecl {
  const e = arg.value;
  let name: string | undefined;
  if (e.kind === "call" && e.callee.kind === "name") {
    if (e.args.length > 0) fail(e.loc, "unsupported feature: constructor arguments for top-level blocks");
    name = e.callee.name;
  } else if (e.kind === "name") {
    const sym = prog.global.lookup(e.name);
    if (sym?.s === "instance" && sym.decl.type.kind === "named") name = sym.decl.type.name;
    else name = e.name;
  }
  if (!name) fail(e.loc, "V1Switch arguments must instantiate parsers/controls, e.g. MyIngress()");
  const sym = prog.global.lookup(name);
  if (!sym) fail(e.loc, `unknown name '${name}'`);
  if (sym.s !== "block") fail(e.loc, `'${name}' is not a parser or control`);
  return sym.decl;
}

/** Checks a block against its V1Switch prototype (arity, directions, types), binding H and M. */
function checkSignature(
  prog: Program,
  block: A.ParserDecl | A.ControlDecl,
  proto: A.PrototypeDecl,
  use: A.TypeRef & { kind: "named" },
  typeVars: Map<string, Type>,
  loc: Loc,
): void {
  const wantKind = proto.kind === "parser_type" ? "parser" : "control";
  if (block.kind !== wantKind)
    fail(loc, `'${block.name}' is a ${block.kind}, but V1Switch expects a ${wantKind} here (${proto.name})`);
  // prototype type parameter → the package type variable used for it (Parser<H, M> → H, M)
  const rename = new Map<string, string>();
  proto.typeParams.forEach((tp, i) => {
    const a = use.args[i];
    if (a?.kind === "named") rename.set(tp, a.name);
  });
  const sig = `${proto.name}(${proto.params.map((p) => `${p.direction === "none" ? "" : `${p.direction} `}${typeText(p.type)}`).join(", ")})`;
  if (block.params.length !== proto.params.length)
    fail(
      block.loc,
      `${block.kind} '${block.name}' has ${block.params.length} parameter(s), but V1Switch expects ${sig}`,
    );
  proto.params.forEach((pp, i) => {
    const bp = block.params[i]!;
    if (bp.direction !== pp.direction)
      fail(bp.loc, `parameter '${bp.name}' of '${block.name}' must be '${pp.direction}', as in ${sig}`);
    const bt = prog.resolveType(bp.type, prog.global);
    if (pp.type.kind === "named" && rename.has(pp.type.name)) {
      const v = rename.get(pp.type.name)!;
      const prev = typeVars.get(v);
      if (!prev) {
        if (bt.k !== "struct")
          fail(
            bp.type.loc,
            `parameter '${bp.name}' of '${block.name}' must have a struct type, found ${typeToString(bt)}`,
          );
        typeVars.set(v, bt);
      } else if (!sameType(prev, bt))
        fail(
          bp.type.loc,
          `parameter '${bp.name}' of '${block.name}' has type ${typeToString(bt)}, but the other blocks use ${typeToString(prev)}`,
        );
      return;
    }
    const pt = prog.resolveType(pp.type, prog.global);
    if (!sameType(pt, bt))
      fail(
        bp.type.loc,
        `parameter '${bp.name}' of '${block.name}' must have type ${typeToString(pt)}, found ${typeToString(bt)}`,
      );
  });
}
