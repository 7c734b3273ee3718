// The correspondence between a P4Info and the BMv2 JSON loaded in the engine. p4c gives tables,
// actions, registers, counters and meters the same fully qualified names in both files, so
// objects are paired by name; match fields pair by position in the table key (P4Info field ids
// are 1..n in key order) and action parameters by position. Building the map is the "verify"
// step of SetForwardingPipelineConfig: any disagreement is an INVALID_ARGUMENT naming the object.
import {
  type ActionRef_Scope,
  MatchField_MatchType,
  type P4Info,
  Table_IdleTimeoutBehavior,
} from "../../p4runtime/gen/p4/config/v1/p4info_pb.js";
import type { P4DataTypeSpec } from "../../p4runtime/gen/p4/config/v1/p4types_pb.js";
import type { V1Switch } from "../engine.js";
import type { Bmv2Json } from "../json.js";
import type { MatchKind } from "../tables/match.js";
import type { Table as EngineTable } from "../tables/table.js";
import { invalidArgument } from "./errors.js";

export interface FieldInfo {
  id: number;
  name: string;
  width: number;
  /** The engine's match kind for this key position. */
  kind: MatchKind;
}

export interface TableInfo {
  id: number;
  name: string;
  /** In key order; P4Info field id → position in `fieldPos`. */
  fields: FieldInfo[];
  fieldPos: Map<number, number>;
  /** P4Runtime rule: entries need a priority iff a field is ternary, range or optional. */
  needsPriority: boolean;
  /** Action id → scope (TABLE_AND_DEFAULT, TABLE_ONLY, DEFAULT_ONLY). */
  actions: Map<number, ActionRef_Scope>;
  directCounterId: number | undefined;
  isConst: boolean;
  constDefaultActionId: number;
  supportsTimeout: boolean;
  engine: EngineTable;
}

export interface ParamInfo {
  id: number;
  name: string;
  width: number;
}

export interface ActionInfo {
  id: number;
  name: string;
  params: ParamInfo[];
  paramPos: Map<number, number>;
}

export interface ArrayInfo {
  id: number;
  name: string;
  size: number;
  /** Cell width (registers only). */
  width: number;
}

export interface DirectCounterInfo {
  id: number;
  name: string;
  tableId: number;
}

export interface DigestInfo {
  id: number;
  name: string;
  learnListId: number;
  typeSpec: P4DataTypeSpec | undefined;
}

export interface PacketHeaderInfo {
  id: number;
  name: string;
  fields: ParamInfo[];
  /** Header length in bytes (the fields' widths add up to a whole number of bytes). */
  bytes: number;
}

export interface PipelineMap {
  tables: Map<number, TableInfo>;
  actions: Map<number, ActionInfo>;
  actionsByName: Map<string, ActionInfo>;
  registers: Map<number, ArrayInfo>;
  counters: Map<number, ArrayInfo>;
  directCounters: Map<number, DirectCounterInfo>;
  meters: Map<number, ArrayInfo>;
  digests: Map<number, DigestInfo>;
  digestsByListId: Map<number, DigestInfo>;
  packetIn: PacketHeaderInfo | undefined;
  packetOut: PacketHeaderInfo | undefined;
}

const KIND: Record<number, MatchKind | undefined> = {
  [MatchField_MatchType.EXACT]: "exact",
  [MatchField_MatchType.LPM]: "lpm",
  [MatchField_MatchType.TERNARY]: "ternary",
  [MatchField_MatchType.RANGE]: "range",
  [MatchField_MatchType.OPTIONAL]: "optional",
};

const pre = (x: { preamble?: { id: number; name: string } | undefined }, what: string) => {
  if (!x.preamble || x.preamble.id === 0 || x.preamble.name === "") {
    throw invalidArgument(`P4Info: a ${what} has no preamble id or name`);
  }
  return x.preamble;
};

function checkUnique(seen: Set<number>, id: number, name: string): void {
  if (seen.has(id)) throw invalidArgument(`P4Info: duplicate id ${id} (${name})`);
  seen.add(id);
}

/** Pairs every P4Info object with its BMv2 JSON / engine counterpart, or throws INVALID_ARGUMENT. */
export function buildPipelineMap(info: P4Info, json: Bmv2Json, engine: V1Switch): PipelineMap {
  const ids = new Set<number>();
  const map: PipelineMap = {
    tables: new Map(),
    actions: new Map(),
    actionsByName: new Map(),
    registers: new Map(),
    counters: new Map(),
    directCounters: new Map(),
    meters: new Map(),
    digests: new Map(),
    digestsByListId: new Map(),
    packetIn: undefined,
    packetOut: undefined,
  };

  const jsonActions = new Map((json.actions ?? []).map((a) => [a.name, a]));
  for (const a of info.actions) {
    const p = pre(a, "action");
    checkUnique(ids, p.id, p.name);
    const j = jsonActions.get(p.name);
    if (!j) throw invalidArgument(`P4Info action ${p.name} is not in the device config`);
    const rd = j.runtime_data ?? [];
    if (rd.length !== a.params.length) {
      throw invalidArgument(
        `action ${p.name}: P4Info has ${a.params.length} parameters, the device config ${rd.length}`,
      );
    }
    const params = a.params.map((q, i) => {
      if (rd[i]!.bitwidth !== q.bitwidth) {
        throw invalidArgument(
          `action ${p.name} parameter ${q.name}: P4Info width ${q.bitwidth}, device config ${rd[i]!.bitwidth}`,
        );
      }
      return { id: q.id, name: q.name, width: q.bitwidth };
    });
    const ai: ActionInfo = {
      id: p.id,
      name: p.name,
      params,
      paramPos: new Map(params.map((q, i) => [q.id, i])),
    };
    map.actions.set(p.id, ai);
    map.actionsByName.set(p.name, ai);
  }

  const tableNames = new Set(engine.tableNames());
  for (const t of info.tables) {
    const p = pre(t, "table");
    checkUnique(ids, p.id, p.name);
    if (!tableNames.has(p.name)) throw invalidArgument(`P4Info table ${p.name} is not in the device config`);
    const et = engine.table(p.name);
    if (et.keys.length !== t.matchFields.length) {
      throw invalidArgument(
        `table ${p.name}: P4Info has ${t.matchFields.length} match fields, the device config ${et.keys.length}`,
      );
    }
    const fields = t.matchFields.map((f, i): FieldInfo => {
      const k = et.keys[i]!;
      const kind = f.match.case === "matchType" ? KIND[f.match.value] : undefined;
      if (!kind) throw invalidArgument(`table ${p.name} field ${f.name}: unsupported match type`);
      const same = k.kind === kind || (k.kind === "valid" && kind === "exact");
      if (!same || k.width !== f.bitwidth) {
        throw invalidArgument(
          `table ${p.name} field ${f.name}: P4Info ${kind} bit<${f.bitwidth}>, device config ${k.kind} bit<${k.width}>`,
        );
      }
      return { id: f.id, name: f.name, width: f.bitwidth, kind: k.kind };
    });
    const engineActions = new Set(et.actions.map((a) => a.name));
    const actions = new Map<number, ActionRef_Scope>();
    for (const r of t.actionRefs) {
      const a = map.actions.get(r.id);
      if (!a) throw invalidArgument(`table ${p.name} refers to unknown action id ${r.id}`);
      if (!engineActions.has(a.name)) {
        throw invalidArgument(
          `table ${p.name}: action ${a.name} is not an action of the table in the device config`,
        );
      }
      actions.set(r.id, r.scope);
    }
    if (t.implementationId !== 0) {
      throw invalidArgument(`table ${p.name}: action profiles / selectors are not supported`);
    }
    map.tables.set(p.id, {
      id: p.id,
      name: p.name,
      fields,
      fieldPos: new Map(fields.map((f, i) => [f.id, i])),
      needsPriority: fields.some((f) => f.kind === "ternary" || f.kind === "range" || f.kind === "optional"),
      actions,
      directCounterId: undefined,
      isConst: t.isConstTable || et.constEntries,
      constDefaultActionId: t.constDefaultActionId,
      supportsTimeout: t.idleTimeoutBehavior === Table_IdleTimeoutBehavior.NOTIFY_CONTROL,
      engine: et,
    });
  }

  const registers = engine.program.registers;
  for (const r of info.registers) {
    const p = pre(r, "register");
    checkUnique(ids, p.id, p.name);
    const reg = registers.get(p.name);
    if (!reg) throw invalidArgument(`P4Info register ${p.name} is not in the device config`);
    const ts = r.typeSpec?.typeSpec;
    const bt = ts?.case === "bitstring" ? ts.value.typeSpec : undefined;
    const width = bt?.case === "bit" || bt?.case === "int" ? bt.value.bitwidth : undefined;
    if (width !== reg.width || r.size !== reg.size) {
      throw invalidArgument(
        `register ${p.name}: P4Info bit<${width ?? "?"}>[${r.size}], device config bit<${reg.width}>[${reg.size}]`,
      );
    }
    map.registers.set(p.id, { id: p.id, name: p.name, size: reg.size, width: reg.width });
  }

  const counters = engine.program.counters;
  for (const c of info.counters) {
    const p = pre(c, "counter");
    checkUnique(ids, p.id, p.name);
    const ec = counters.get(p.name);
    if (!ec || ec.direct)
      throw invalidArgument(`P4Info counter ${p.name} is not an indexed counter of the device config`);
    if (Number(c.size) !== ec.size) {
      throw invalidArgument(`counter ${p.name}: P4Info size ${c.size}, device config ${ec.size}`);
    }
    map.counters.set(p.id, { id: p.id, name: p.name, size: ec.size, width: 0 });
  }
  for (const c of info.directCounters) {
    const p = pre(c, "direct counter");
    checkUnique(ids, p.id, p.name);
    const ec = counters.get(p.name);
    const table = map.tables.get(c.directTableId);
    if (!ec?.direct || !table || ec.binding !== table.name) {
      throw invalidArgument(`P4Info direct counter ${p.name} does not match a direct counter of its table`);
    }
    table.directCounterId = p.id;
    map.directCounters.set(p.id, { id: p.id, name: p.name, tableId: table.id });
  }

  const meters = engine.program.meters;
  for (const m of info.meters) {
    const p = pre(m, "meter");
    checkUnique(ids, p.id, p.name);
    const em = meters.get(p.name);
    if (!em || em.direct)
      throw invalidArgument(`P4Info meter ${p.name} is not an indexed meter of the device config`);
    map.meters.set(p.id, { id: p.id, name: p.name, size: em.size, width: 0 });
  }

  const learnLists = new Map((json.learn_lists ?? []).map((l) => [l.name, l]));
  for (const d of info.digests) {
    const p = pre(d, "digest");
    checkUnique(ids, p.id, p.name);
    const l = learnLists.get(p.name);
    if (!l) throw invalidArgument(`P4Info digest ${p.name} is not a learn list of the device config`);
    const di: DigestInfo = { id: p.id, name: p.name, learnListId: l.id, typeSpec: d.typeSpec };
    map.digests.set(p.id, di);
    map.digestsByListId.set(l.id, di);
  }

  for (const cpm of info.controllerPacketMetadata) {
    const p = pre(cpm, "controller packet metadata");
    checkUnique(ids, p.id, p.name);
    if (p.name !== "packet_in" && p.name !== "packet_out") continue;
    const fields = cpm.metadata.map((m) => ({ id: m.id, name: m.name, width: m.bitwidth }));
    const bits = fields.reduce((s, f) => s + f.width, 0);
    if (bits % 8 !== 0 || fields.some((f) => f.width < 1)) {
      throw invalidArgument(`controller header ${p.name}: fields add up to ${bits} bits, not whole bytes`);
    }
    // The header the program emits/extracts must have exactly these fields.
    const header = json.header_types.find((h) => {
      const hf = h.fields.filter((f) => f[0] !== "_padding");
      return (
        hf.length === fields.length &&
        hf.every((f, i) => f[0] === fields[i]!.name && f[1] === fields[i]!.width)
      );
    });
    if (!header) {
      throw invalidArgument(
        `controller header ${p.name}: no header type in the device config has its fields`,
      );
    }
    const h: PacketHeaderInfo = { id: p.id, name: p.name, fields, bytes: bits / 8 };
    if (p.name === "packet_in") map.packetIn = h;
    else map.packetOut = h;
  }
  return map;
}
