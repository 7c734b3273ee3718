// Translation of P4Runtime TableEntry keys and actions to the engine's form and back, with the
// specification's validity rules: wildcards are expressed by omitting a field (an explicit
// don't-care such as a zero ternary mask, a /0 prefix or a full range is INVALID_ARGUMENT), masked
// bits must be zero, and a priority is required exactly when a field is ternary, range or optional.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ActionRef_Scope } from "../../p4runtime/gen/p4/config/v1/p4info_pb.js";
import {
  FieldMatchSchema,
  type FieldMatch as P4FieldMatch,
  type TableAction,
  TableActionSchema,
  type TableEntry,
} from "../../p4runtime/gen/p4/v1/p4runtime_pb.js";
import type { FieldMatch } from "../tables/match.js";
import { ones, readBits, writeBits } from "./bits.js";
import { invalidArgument, notFound, unimplemented } from "./errors.js";
import type { PipelineMap, TableInfo } from "./mapping.js";

export interface EngineKey {
  match: FieldMatch[];
  /** Priority as the engine wants it (see enginePriority). */
  priority: number;
}

export interface EngineAction {
  name: string;
  params: bigint[];
}

export function tableOf(map: PipelineMap, tableId: number): TableInfo {
  const t = map.tables.get(tableId);
  if (!t) throw notFound(`unknown table id ${tableId}`);
  return t;
}

/**
 * The engine's priority for a P4Runtime priority. A table with several lpm fields but no
 * ternary/range/optional one needs no P4Runtime priority, yet the engine scans it in priority
 * order; all its entries get priority 1 there.
 */
function enginePriority(t: TableInfo, priority: number): number {
  if (t.needsPriority) return priority;
  return t.engine.needsPriority ? 1 : 0;
}

/** The engine key of an entry; checks field ids, kinds, widths, masks and the priority rule. */
export function decodeKey(t: TableInfo, e: TableEntry): EngineKey {
  const given: Array<P4FieldMatch | undefined> = new Array(t.fields.length).fill(undefined);
  for (const fm of e.match) {
    const pos = t.fieldPos.get(fm.fieldId);
    if (pos === undefined) throw invalidArgument(`table ${t.name}: unknown match field id ${fm.fieldId}`);
    if (given[pos]) throw invalidArgument(`table ${t.name}: match field id ${fm.fieldId} given twice`);
    given[pos] = fm;
  }
  const match = t.fields.map((f, i): FieldMatch => {
    const fm = given[i];
    const what = `table ${t.name} field ${f.name}`;
    const w = f.width;
    if (!fm) {
      switch (f.kind) {
        case "lpm":
          return { kind: "lpm", value: 0n, prefixLen: 0 };
        case "ternary":
          return { kind: "ternary", value: 0n, mask: 0n };
        case "range":
          return { kind: "range", low: 0n, high: ones(w) };
        case "optional":
          return { kind: "optional" };
        default:
          throw invalidArgument(`${what}: exact match field is missing`);
      }
    }
    const m = fm.fieldMatchType;
    const kind = f.kind === "valid" ? "exact" : f.kind;
    if (m.case !== kind) throw invalidArgument(`${what}: is ${kind}, got a ${m.case ?? "empty"} match`);
    switch (m.case) {
      case "exact":
        return { kind: "exact", value: readBits(m.value.value, w, what) };
      case "optional":
        return { kind: "optional", value: readBits(m.value.value, w, what) };
      case "lpm": {
        const len = m.value.prefixLen;
        if (len < 1 || len > w) {
          throw invalidArgument(`${what}: prefix length ${len} not in 1..${w} (omit the field for /0)`);
        }
        const v = readBits(m.value.value, w, what);
        if ((v & ones(w - len)) !== 0n)
          throw invalidArgument(`${what}: value has bits set beyond the /${len} prefix`);
        return { kind: "lpm", value: v, prefixLen: len };
      }
      case "ternary": {
        const v = readBits(m.value.value, w, what);
        const mask = readBits(m.value.mask, w, `${what} mask`);
        if (mask === 0n) throw invalidArgument(`${what}: all-zero mask (omit the field for a wildcard)`);
        if ((v & ~mask) !== 0n) throw invalidArgument(`${what}: value has bits set outside the mask`);
        return { kind: "ternary", value: v, mask };
      }
      case "range": {
        const low = readBits(m.value.low, w, `${what} low`);
        const high = readBits(m.value.high, w, `${what} high`);
        if (low > high) throw invalidArgument(`${what}: range low ${low} > high ${high}`);
        if (low === 0n && high === ones(w))
          throw invalidArgument(`${what}: full range (omit the field for a wildcard)`);
        return { kind: "range", low, high };
      }
      default:
        throw invalidArgument(`${what}: unsupported match`);
    }
  });
  if (t.needsPriority && e.priority <= 0) {
    throw invalidArgument(`table ${t.name}: entries need a priority > 0 (ternary, range or optional match)`);
  }
  if (!t.needsPriority && e.priority !== 0) {
    throw invalidArgument(`table ${t.name}: priority must be 0 (no ternary, range or optional match)`);
  }
  return { match, priority: enginePriority(t, e.priority) };
}

/** The P4Runtime form of an engine key: wildcards omitted, values canonical. */
export function encodeKey(t: TableInfo, match: readonly FieldMatch[]): P4FieldMatch[] {
  const out: P4FieldMatch[] = [];
  match.forEach((m, i) => {
    const f = t.fields[i]!;
    const w = f.width;
    const fm = (v: MessageInitShape<typeof FieldMatchSchema>["fieldMatchType"]) =>
      out.push(create(FieldMatchSchema, { fieldId: f.id, fieldMatchType: v }));
    switch (m.kind) {
      case "exact":
        fm({ case: "exact", value: { value: writeBits(m.value, w) } });
        break;
      case "valid":
        fm({ case: "exact", value: { value: writeBits(m.value ? 1n : 0n, w) } });
        break;
      case "lpm":
        if (m.prefixLen > 0)
          fm({ case: "lpm", value: { value: writeBits(m.value, w), prefixLen: m.prefixLen } });
        break;
      case "ternary":
        if (m.mask !== 0n)
          fm({ case: "ternary", value: { value: writeBits(m.value, w), mask: writeBits(m.mask, w) } });
        break;
      case "range":
        if (!(m.low === 0n && m.high === ones(w))) {
          fm({ case: "range", value: { low: writeBits(m.low, w), high: writeBits(m.high, w) } });
        }
        break;
      case "optional":
        if (m.value !== undefined) fm({ case: "optional", value: { value: writeBits(m.value, w) } });
        break;
    }
  });
  return out;
}

/** The P4Runtime priority of an engine entry. */
export function p4rtPriority(t: TableInfo, enginePrio: number): number {
  return t.needsPriority ? enginePrio : 0;
}

/** Checks a table action against the table's action refs, scopes and parameter widths. */
export function decodeAction(
  map: PipelineMap,
  t: TableInfo,
  ta: TableAction | undefined,
  forDefault: boolean,
): EngineAction {
  const a = ta?.type;
  if (!a || a.case === undefined) throw invalidArgument(`table ${t.name}: the entry has no action`);
  if (a.case !== "action") throw unimplemented(`table ${t.name}: action profiles are not supported`);
  const info = map.actions.get(a.value.actionId);
  if (!info) throw notFound(`unknown action id ${a.value.actionId}`);
  const scope = t.actions.get(info.id);
  if (scope === undefined) throw invalidArgument(`table ${t.name} has no action ${info.name}`);
  if (forDefault && scope === ActionRef_Scope.TABLE_ONLY) {
    throw invalidArgument(`table ${t.name}: action ${info.name} cannot be the default action`);
  }
  if (!forDefault && scope === ActionRef_Scope.DEFAULT_ONLY) {
    throw invalidArgument(`table ${t.name}: action ${info.name} is for the default entry only`);
  }
  const params: Array<bigint | undefined> = new Array(info.params.length).fill(undefined);
  for (const p of a.value.params) {
    const pos = info.paramPos.get(p.paramId);
    if (pos === undefined) throw invalidArgument(`action ${info.name}: unknown parameter id ${p.paramId}`);
    if (params[pos] !== undefined)
      throw invalidArgument(`action ${info.name}: parameter id ${p.paramId} given twice`);
    const pi = info.params[pos]!;
    params[pos] = readBits(p.value, pi.width, `action ${info.name} parameter ${pi.name}`);
  }
  const missing = info.params.filter((_, i) => params[i] === undefined);
  if (missing.length > 0) {
    throw invalidArgument(`action ${info.name}: missing parameter ${missing.map((p) => p.name).join(", ")}`);
  }
  return { name: info.name, params: params as bigint[] };
}

/** The P4Runtime form of an engine action (by name), parameters canonical. */
export function encodeAction(
  map: PipelineMap,
  name: string,
  params: readonly bigint[],
): TableAction | undefined {
  const info = map.actionsByName.get(name);
  if (!info) return undefined;
  return create(TableActionSchema, {
    type: {
      case: "action",
      value: {
        actionId: info.id,
        params: info.params.map((p, i) => ({ paramId: p.id, value: writeBits(params[i] ?? 0n, p.width) })),
      },
    },
  });
}
