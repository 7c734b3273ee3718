// Builds the P4Info model from a lowered program: control-plane visible tables, actions,
// externs, digests and controller packet metadata, with P4Runtime ids.
import * as A from "./ast.js";
import { fail } from "./diag.js";
import type { Program } from "./lower.js";
import {
  type ActionScope,
  assignIds,
  type DataTypeSpec,
  IdPrefix,
  type IdRequest,
  idKey,
  type MatchType,
  type P4Info,
  shortestUniqueSuffixes,
  type TypeInfo,
} from "./p4info.js";
import type { Type } from "./types.js";
import { widthOf } from "./types.js";

function explicitId(anns: A.Annotation[]): number | undefined {
  const a = A.annotation(anns, "id");
  if (!a) return undefined;
  const v = a.args[0];
  if (typeof v !== "bigint") fail(a.loc, "@id needs an integer argument");
  return Number(v);
}

function typeSpec(t: Type): DataTypeSpec {
  if (t.k === "bool") return { bool: {} };
  if (t.k === "int") return { bitstring: { int: { bitwidth: t.w } } };
  if (t.k === "struct") return { struct: { name: t.name } };
  if (t.k === "header") return { header: { name: t.name } };
  return { bitstring: { bit: { bitwidth: widthOf(t) ?? 0 } } };
}

export function buildP4Info(prog: Program): P4Info {
  // P4Info lists objects in declaration order, as p4c does
  const seq = (name: string) => prog.declOrder.get(name) ?? Number.MAX_SAFE_INTEGER;
  const bySeq = <T>(xs: T[], name: (x: T) => string): T[] =>
    [...xs].sort(
      (a, b) => seq(name(a)) - seq(name(b)) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0),
    );
  const tables = bySeq(
    prog.tableInfo.filter((t) => !t.hidden),
    (t) => t.fq,
  );
  // actions referenced by visible tables, once each, in first-use order
  const actionIds: number[] = [];
  for (const t of tables) for (const r of t.actionRefs) if (!actionIds.includes(r.id)) actionIds.push(r.id);
  const actionsByName = new Map<string, number>();
  for (const id of actionIds) {
    const info = prog.actionInfo.get(id)!;
    if (!actionsByName.has(info.fq)) actionsByName.set(info.fq, id);
  }
  const instances = bySeq([...prog.instances.values()], (i) => i.fq);
  const controllerHeaders = prog.ast.decls.filter(
    (d): d is A.StructLikeDecl =>
      d.kind === "header" && A.annotation(d.annotations, "controller_header") !== undefined,
  );

  const requests: IdRequest[] = [];
  for (const t of tables)
    requests.push({ prefix: IdPrefix.TABLE, name: t.fq, explicit: explicitId(t.annotations) });
  for (const [name, id] of actionsByName)
    requests.push({
      prefix: IdPrefix.ACTION,
      name,
      explicit: explicitId(prog.actionInfo.get(id)!.annotations),
    });
  const prefixOf = {
    register: IdPrefix.REGISTER,
    counter: IdPrefix.COUNTER,
    direct_counter: IdPrefix.DIRECT_COUNTER,
    meter: IdPrefix.METER,
    direct_meter: IdPrefix.DIRECT_METER,
  } as const;
  const visibleInstances = instances.filter(
    (i) => !(i.kind === "direct_counter" || i.kind === "direct_meter") || i.table,
  );
  for (const i of visibleInstances)
    requests.push({ prefix: prefixOf[i.kind], name: i.fq, explicit: explicitId(i.annotations) });
  for (const l of prog.learnLists) requests.push({ prefix: IdPrefix.DIGEST, name: l.name });
  const cpmName = (d: A.StructLikeDecl) =>
    String(A.annotation(d.annotations, "controller_header")!.args[0] ?? d.name);
  for (const d of controllerHeaders)
    requests.push({
      prefix: IdPrefix.CONTROLLER_HEADER,
      name: cpmName(d),
      explicit: explicitId(d.annotations),
    });
  let ids: Map<string, number>;
  try {
    ids = assignIds(requests);
  } catch (e) {
    fail({ file: prog.programName, line: 1, col: 1 }, (e as Error).message);
  }
  const idOf = (prefix: IdPrefix, name: string) => ids.get(idKey(prefix, name))!;
  const aliases = shortestUniqueSuffixes(requests.map((r) => r.name));
  const preamble = (prefix: IdPrefix, name: string, anns: A.Annotation[] = []) => {
    const annotations = annotationTexts(anns);
    return {
      id: idOf(prefix, name),
      name,
      alias: aliases.get(name) ?? name,
      ...(annotations.length ? { annotations } : {}),
    };
  };

  const matchType = (k: string): MatchType =>
    ({ exact: "EXACT", lpm: "LPM", ternary: "TERNARY", range: "RANGE", optional: "OPTIONAL" })[
      k
    ] as MatchType;
  const scopeOf = (anns: A.Annotation[]): ActionScope =>
    A.annotation(anns, "defaultonly")
      ? "DEFAULT_ONLY"
      : A.annotation(anns, "tableonly")
        ? "TABLE_ONLY"
        : "TABLE_AND_DEFAULT";

  const p4info: P4Info = {
    pkgInfo: { arch: "v1model" },
    tables: tables.map((t) => {
      const defaultAction = prog.actionInfo.get(t.json.default_entry.action_id)!;
      const direct: number[] = [];
      if (t.directCounter) direct.push(idOf(IdPrefix.DIRECT_COUNTER, t.directCounter));
      if (t.directMeter) direct.push(idOf(IdPrefix.DIRECT_METER, t.directMeter));
      return {
        preamble: preamble(IdPrefix.TABLE, t.fq, t.annotations),
        matchFields: t.keys.map((k, i) => ({
          id: explicitId(k.annotations) ?? i + 1,
          name: k.name,
          bitwidth: k.bitwidth,
          matchType: matchType(k.matchKind),
        })),
        actionRefs: t.actionRefs.map((r) => ({
          id: idOf(IdPrefix.ACTION, prog.actionInfo.get(r.id)!.fq),
          scope: scopeOf(r.annotations),
        })),
        constDefaultActionId: t.constDefault ? idOf(IdPrefix.ACTION, defaultAction.fq) : 0,
        directResourceIds: direct,
        size: t.size,
        idleTimeoutBehavior: t.supportTimeout ? "NOTIFY_CONTROL" : "NO_TIMEOUT",
        isConstTable: t.isConst,
      };
    }),
    actions: bySeq([...actionsByName], ([name]) => name).map(([name, id]) => ({
      preamble: preamble(IdPrefix.ACTION, name, prog.actionInfo.get(id)!.annotations),
      params: prog.actionInfo.get(id)!.params.map((p, i) => ({
        id: explicitId(p.annotations) ?? i + 1,
        name: p.name,
        bitwidth: p.bitwidth,
      })),
    })),
    counters: visibleInstances
      .filter((i) => i.kind === "counter")
      .map((i) => ({
        preamble: preamble(IdPrefix.COUNTER, i.fq, i.annotations),
        spec: { unit: counterUnit(i.unit) },
        size: i.size,
      })),
    directCounters: visibleInstances
      .filter((i) => i.kind === "direct_counter")
      .map((i) => ({
        preamble: preamble(IdPrefix.DIRECT_COUNTER, i.fq, i.annotations),
        spec: { unit: counterUnit(i.unit) },
        directTableId: idOf(IdPrefix.TABLE, i.table!),
      })),
    meters: visibleInstances
      .filter((i) => i.kind === "meter")
      .map((i) => ({
        preamble: preamble(IdPrefix.METER, i.fq, i.annotations),
        spec: { unit: meterUnit(i.unit) },
        size: i.size,
      })),
    directMeters: visibleInstances
      .filter((i) => i.kind === "direct_meter")
      .map((i) => ({
        preamble: preamble(IdPrefix.DIRECT_METER, i.fq, i.annotations),
        spec: { unit: meterUnit(i.unit) },
        directTableId: idOf(IdPrefix.TABLE, i.table!),
      })),
    controllerPacketMetadata: controllerHeaders.map((d) => {
      const t = prog.structType(d) as Type & { k: "header" };
      return {
        preamble: preamble(IdPrefix.CONTROLLER_HEADER, cpmName(d), d.annotations),
        metadata: t.fields.map((f, i) => ({
          id: explicitId(f.annotations) ?? i + 1,
          name: f.name,
          bitwidth: widthOf(f.type)!,
        })),
      };
    }),
    registers: visibleInstances
      .filter((i) => i.kind === "register")
      .map((i) => ({
        preamble: preamble(IdPrefix.REGISTER, i.fq, i.annotations),
        typeSpec: typeSpec(i.valueType!),
        size: i.size,
      })),
    digests: prog.learnLists.map((l) => ({
      preamble: preamble(IdPrefix.DIGEST, l.name),
      typeSpec: typeSpec(l.type),
    })),
  };
  // type_info: the struct/header types digests refer to
  const typeInfo: TypeInfo = { structs: {}, headers: {} };
  const addType = (t: Type) => {
    if (t.k === "struct" && !typeInfo.structs[t.name]) {
      typeInfo.structs[t.name] = {
        members: t.fields.map((f) => ({ name: f.name, typeSpec: typeSpec(f.type) })),
      };
      for (const f of t.fields) addType(f.type);
    } else if (t.k === "header" && !typeInfo.headers[t.name]) {
      typeInfo.headers[t.name] = {
        members: t.fields.map((f) => ({
          name: f.name,
          typeSpec: { bitstring: { bit: { bitwidth: widthOf(f.type)! } } },
        })),
      };
    }
  };
  for (const l of prog.learnLists) addType(l.type);
  p4info.typeInfo = typeInfo; // written even when empty, as p4c does
  return p4info;
}

/** Annotations as P4Info lists them (`@noWarn("unused")`), minus the ones P4Info encodes itself. */
function annotationTexts(anns: A.Annotation[]): string[] {
  const structural = new Set(["name", "id", "hidden", "defaultonly", "tableonly"]);
  return anns
    .filter((a) => !structural.has(a.name))
    .map((a) => {
      return a.raw === undefined ? `@${a.name}` : `@${a.name}(${a.raw})`;
    });
}

function counterUnit(u: string): "BYTES" | "PACKETS" | "BOTH" {
  return u === "bytes" ? "BYTES" : u === "packets" ? "PACKETS" : "BOTH";
}

function meterUnit(u: string): "BYTES" | "PACKETS" {
  return u === "bytes" ? "BYTES" : "PACKETS";
}
