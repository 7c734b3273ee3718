// P4Info-aware helpers: name <-> id lookups, TableEntry construction from a
// friendly form with width and match-kind checks, rendering entries back for
// display, packet metadata and P4Data decoding. Errors are P4InfoError with
// the object named, so a controller can report exactly what was wrong.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  BytestringError,
  decodeSigned,
  decodeUnsigned,
  encodeUnsigned,
  formatIpv4,
  formatMac,
  parseIpv4,
  parseIpv6,
  parseMac,
} from "./bytes.js";
import {
  type Action_Param,
  type Action as ActionInfo,
  type ActionProfile,
  ActionRef_Scope,
  type ControllerPacketMetadata,
  type ControllerPacketMetadata_Metadata,
  type Counter,
  type Digest,
  type DirectCounter,
  type DirectMeter,
  type MatchField,
  MatchField_MatchType,
  type Meter,
  type P4Info,
  type Preamble,
  type Register,
  type Table,
  type ValueSet,
} from "./gen/p4/config/v1/p4info_pb.js";
import type { P4DataTypeSpec, P4TypeInfo } from "./gen/p4/config/v1/p4types_pb.js";
import type { P4Data } from "./gen/p4/v1/p4data_pb.js";
import {
  type Action,
  ActionSchema,
  EntitySchema,
  type FieldMatch,
  FieldMatchSchema,
  type PacketMetadata,
  PacketMetadataSchema,
  TableActionSchema,
  type TableEntry,
  TableEntrySchema,
  type Update,
  type Update_Type,
  UpdateSchema,
} from "./gen/p4/v1/p4runtime_pb.js";

/** An unknown name or id, or an entry that does not fit the P4Info. */
export class P4InfoError extends Error {
  override readonly name = "P4InfoError";
}

/** A value for a match field or parameter: a number, a bigint, text ("10.0.0.1", "aa:bb:..", "0x1f", "42") or raw bytes. */
export type Value = bigint | number | string | Uint8Array;

/** A match on one field. A bare Value means exact (or optional, or full-width lpm/ternary/range). */
export type MatchSpec =
  | Value
  | { exact: Value }
  | { lpm: readonly [Value, number] }
  | { ternary: readonly [Value, Value] }
  | { range: readonly [Value, Value] }
  | { optional: Value };

export interface TableEntrySpec {
  table: string | number;
  /** By match field name; omitted fields are wildcards. */
  match?: Record<string, MatchSpec>;
  /** Direct action and its parameters by name. */
  action?: string | number;
  params?: Record<string, Value>;
  /** Indirect tables: an action profile member or group. */
  memberId?: number;
  groupId?: number;
  /** Required (> 0) for tables with ternary, range or optional fields. */
  priority?: number;
  /** Sets the table's default action (no match allowed). */
  isDefault?: boolean;
  idleTimeoutNs?: bigint;
  metadata?: Uint8Array;
}

/** A P4Data value decoded against its type: bitstrings become bigint, structs objects, tuples arrays. */
export type DecodedData =
  | bigint
  | boolean
  | string
  | DecodedData[]
  | { [member: string]: DecodedData }
  | null;

interface HasPreamble {
  preamble?: Preamble | undefined;
}

/** Objects of one kind, by id, fully qualified name and (unambiguous) alias. */
class Catalog<T extends HasPreamble> {
  private readonly byId = new Map<number, T>();
  private readonly byName = new Map<string, T>();

  constructor(
    readonly kind: string,
    items: readonly T[],
  ) {
    const aliasCount = new Map<string, number>();
    for (const it of items) {
      const p = it.preamble;
      if (!p) continue;
      this.byId.set(p.id, it);
      this.byName.set(p.name, it);
      if (p.alias && p.alias !== p.name) aliasCount.set(p.alias, (aliasCount.get(p.alias) ?? 0) + 1);
    }
    for (const it of items) {
      const alias = it.preamble?.alias;
      if (alias && aliasCount.get(alias) === 1 && !this.byName.has(alias)) this.byName.set(alias, it);
    }
  }

  find(ref: string | number): T | undefined {
    return typeof ref === "number" ? this.byId.get(ref) : this.byName.get(ref);
  }

  get(ref: string | number): T {
    const it = this.find(ref);
    if (!it) throw new P4InfoError(`unknown ${this.kind} ${JSON.stringify(ref)}`);
    return it;
  }

  get all(): T[] {
    return [...this.byId.values()];
  }
}

function nameOf(x: HasPreamble): string {
  return x.preamble?.name ?? "?";
}

function idOf(x: HasPreamble): number {
  return x.preamble?.id ?? 0;
}

function matchTypeOf(f: MatchField): MatchField_MatchType | undefined {
  return f.match.case === "matchType" ? f.match.value : undefined;
}

const PRIORITY_KINDS = new Set([
  MatchField_MatchType.TERNARY,
  MatchField_MatchType.RANGE,
  MatchField_MatchType.OPTIONAL,
]);

/** Parses a friendly value into an unsigned integer (no width check yet). */
export function parseValue(value: Value): bigint {
  if (value instanceof Uint8Array) return decodeUnsigned(value);
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new BytestringError(`not a safe integer: ${value}`);
    return BigInt(value);
  }
  const t = value.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  if (/^\d+$/.test(t)) return BigInt(t);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) return parseIpv4(t);
  if (/^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i.test(t)) return parseMac(t);
  if (t.includes(":")) return parseIpv6(t);
  throw new BytestringError(`cannot read value "${value}"`);
}

/** Renders a value for display: MAC for 48-bit, dotted quad for 32-bit address-like names, else decimal. */
export function renderValue(bytes: Uint8Array, bitwidth: number, name = ""): string {
  const v = decodeUnsigned(bytes);
  if (bitwidth === 48 && v >> 48n === 0n) return formatMac(v);
  if (bitwidth === 32 && /ip|addr/i.test(name) && v >> 32n === 0n) return formatIpv4(v);
  return v.toString();
}

export class P4InfoIndex {
  readonly tables: Catalog<Table>;
  readonly actions: Catalog<ActionInfo>;
  readonly actionProfiles: Catalog<ActionProfile>;
  readonly counters: Catalog<Counter>;
  readonly directCounters: Catalog<DirectCounter>;
  readonly meters: Catalog<Meter>;
  readonly directMeters: Catalog<DirectMeter>;
  readonly registers: Catalog<Register>;
  readonly digests: Catalog<Digest>;
  readonly valueSets: Catalog<ValueSet>;
  readonly packetMetadata: Catalog<ControllerPacketMetadata>;

  constructor(readonly info: P4Info) {
    this.tables = new Catalog("table", info.tables);
    this.actions = new Catalog("action", info.actions);
    this.actionProfiles = new Catalog("action profile", info.actionProfiles);
    this.counters = new Catalog("counter", info.counters);
    this.directCounters = new Catalog("direct counter", info.directCounters);
    this.meters = new Catalog("meter", info.meters);
    this.directMeters = new Catalog("direct meter", info.directMeters);
    this.registers = new Catalog("register", info.registers);
    this.digests = new Catalog("digest", info.digests);
    this.valueSets = new Catalog("value set", info.valueSets);
    this.packetMetadata = new Catalog("controller packet metadata", info.controllerPacketMetadata);
  }

  table(ref: string | number): Table {
    return this.tables.get(ref);
  }
  action(ref: string | number): ActionInfo {
    return this.actions.get(ref);
  }
  counter(ref: string | number): Counter {
    return this.counters.get(ref);
  }
  register(ref: string | number): Register {
    return this.registers.get(ref);
  }
  digest(ref: string | number): Digest {
    return this.digests.get(ref);
  }

  /** Id of a named object of any kind (tables, actions, externs...), or undefined. */
  idOf(name: string): number | undefined {
    for (const c of this.catalogs()) {
      const it = c.find(name);
      if (it) return idOf(it);
    }
    return undefined;
  }

  /** Fully qualified name of an object by id, or undefined. */
  nameOf(id: number): string | undefined {
    for (const c of this.catalogs()) {
      const it = c.find(id);
      if (it) return nameOf(it);
    }
    return undefined;
  }

  private catalogs(): Catalog<HasPreamble>[] {
    return [
      this.tables,
      this.actions,
      this.actionProfiles,
      this.counters,
      this.directCounters,
      this.meters,
      this.directMeters,
      this.registers,
      this.digests,
      this.valueSets,
      this.packetMetadata,
    ];
  }

  matchField(table: Table, ref: string | number): MatchField {
    const f = table.matchFields.find((m) => (typeof ref === "number" ? m.id === ref : m.name === ref));
    if (!f) throw new P4InfoError(`table ${nameOf(table)} has no match field ${JSON.stringify(ref)}`);
    return f;
  }

  actionParam(action: ActionInfo, ref: string | number): Action_Param {
    const p = action.params.find((m) => (typeof ref === "number" ? m.id === ref : m.name === ref));
    if (!p) throw new P4InfoError(`action ${nameOf(action)} has no parameter ${JSON.stringify(ref)}`);
    return p;
  }

  /** Canonical binary string of a friendly value, checked against `bitwidth`. */
  encode(value: Value, bitwidth: number, what: string): Uint8Array {
    try {
      return encodeUnsigned(parseValue(value), bitwidth);
    } catch (e) {
      throw new P4InfoError(`${what}: ${(e as Error).message}`);
    }
  }

  private decodeChecked(bytes: Uint8Array, bitwidth: number, what: string): bigint {
    try {
      return decodeUnsigned(bytes, bitwidth);
    } catch (e) {
      throw new P4InfoError(`${what}: ${(e as Error).message}`);
    }
  }

  /** A p4.v1.Action with its parameters, all of which must be given. */
  buildAction(ref: string | number, params: Record<string, Value> = {}): Action {
    const info = this.action(ref);
    const an = nameOf(info);
    for (const k of Object.keys(params)) this.actionParam(info, k);
    return create(ActionSchema, {
      actionId: idOf(info),
      params: info.params.map((p) => {
        const v = params[p.name];
        if (v === undefined) throw new P4InfoError(`action ${an}: missing parameter ${p.name}`);
        return { paramId: p.id, value: this.encode(v, p.bitwidth, `action ${an} parameter ${p.name}`) };
      }),
    });
  }

  private buildMatch(table: Table, field: MatchField, spec: MatchSpec): FieldMatch | undefined {
    const what = `table ${nameOf(table)} field ${field.name}`;
    const w = field.bitwidth;
    const kind = matchTypeOf(field);
    const full = (1n << BigInt(w)) - 1n;
    const enc = (v: Value) => this.encode(v, w, what);
    const fm = (m: MessageInitShape<typeof FieldMatchSchema>["fieldMatchType"]) =>
      create(FieldMatchSchema, { fieldId: field.id, fieldMatchType: m });
    const isObj = typeof spec === "object" && !(spec instanceof Uint8Array);
    const given = isObj ? Object.keys(spec)[0] : undefined;
    const expect = (k: MatchField_MatchType, name: string) => {
      if (kind !== k) {
        throw new P4InfoError(`${what}: is ${MatchField_MatchType[kind ?? 0]}, not ${name}`);
      }
    };
    if (!isObj) {
      // Bare value: the natural single-value match for the field's kind.
      if (kind === MatchField_MatchType.LPM && typeof spec === "string" && spec.includes("/")) {
        const [addr, len] = spec.split("/");
        return this.buildMatch(table, field, { lpm: [addr!, Number(len)] });
      }
      switch (kind) {
        case MatchField_MatchType.EXACT:
          return fm({ case: "exact", value: { value: enc(spec) } });
        case MatchField_MatchType.OPTIONAL:
          return fm({ case: "optional", value: { value: enc(spec) } });
        case MatchField_MatchType.LPM:
          return this.buildMatch(table, field, { lpm: [spec, w] });
        case MatchField_MatchType.TERNARY:
          return this.buildMatch(table, field, { ternary: [spec, full] });
        case MatchField_MatchType.RANGE:
          return this.buildMatch(table, field, { range: [spec, spec] });
        default:
          throw new P4InfoError(`${what}: unsupported match kind`);
      }
    }
    if ("exact" in spec) {
      expect(MatchField_MatchType.EXACT, "exact");
      return fm({ case: "exact", value: { value: enc(spec.exact) } });
    }
    if ("optional" in spec) {
      expect(MatchField_MatchType.OPTIONAL, "optional");
      return fm({ case: "optional", value: { value: enc(spec.optional) } });
    }
    if ("lpm" in spec) {
      expect(MatchField_MatchType.LPM, "lpm");
      const [value, len] = spec.lpm;
      if (!Number.isInteger(len) || len < 0 || len > w)
        throw new P4InfoError(`${what}: prefix length ${len} not in 0..${w}`);
      const bytes = enc(value);
      const v = decodeUnsigned(bytes);
      const hostMask = (1n << BigInt(w - len)) - 1n;
      if ((v & hostMask) !== 0n)
        throw new P4InfoError(`${what}: value has bits set beyond the /${len} prefix`);
      // A /0 prefix is a wildcard, which P4Runtime expresses by omitting the field.
      if (len === 0) return undefined;
      return fm({ case: "lpm", value: { value: bytes, prefixLen: len } });
    }
    if ("ternary" in spec) {
      expect(MatchField_MatchType.TERNARY, "ternary");
      const value = enc(spec.ternary[0]);
      const mask = enc(spec.ternary[1]);
      const m = decodeUnsigned(mask);
      if ((decodeUnsigned(value) & ~m) !== 0n)
        throw new P4InfoError(`${what}: value has bits set outside the mask`);
      if (m === 0n) return undefined;
      return fm({ case: "ternary", value: { value, mask } });
    }
    if ("range" in spec) {
      expect(MatchField_MatchType.RANGE, "range");
      const low = enc(spec.range[0]);
      const high = enc(spec.range[1]);
      const lo = decodeUnsigned(low);
      const hi = decodeUnsigned(high);
      if (lo > hi) throw new P4InfoError(`${what}: range low ${lo} > high ${hi}`);
      if (lo === 0n && hi === full) return undefined;
      return fm({ case: "range", value: { low, high } });
    }
    throw new P4InfoError(`${what}: unknown match form ${JSON.stringify(given)}`);
  }

  /** Builds a TableEntry from the friendly form, checking names, widths, match kinds and priority. */
  buildTableEntry(spec: TableEntrySpec): TableEntry {
    const table = this.table(spec.table);
    const tn = nameOf(table);
    const matchSpec = spec.match ?? {};
    if (spec.isDefault && Object.keys(matchSpec).length > 0) {
      throw new P4InfoError(`table ${tn}: a default entry has no match`);
    }
    const match: FieldMatch[] = [];
    for (const [name, m] of Object.entries(matchSpec)) {
      const fm = this.buildMatch(table, this.matchField(table, name), m);
      if (fm) match.push(fm);
    }
    match.sort((a, b) => a.fieldId - b.fieldId);

    const needsPriority = table.matchFields.some((f) => PRIORITY_KINDS.has(matchTypeOf(f)!));
    const priority = spec.priority ?? 0;
    if (!spec.isDefault && needsPriority && priority <= 0) {
      throw new P4InfoError(`table ${tn}: entries need a priority > 0 (ternary, range or optional match)`);
    }
    if ((spec.isDefault || !needsPriority) && priority !== 0) {
      throw new P4InfoError(
        `table ${tn}: priority must be 0 for ${spec.isDefault ? "the default entry" : "this table"}`,
      );
    }

    const entry = create(TableEntrySchema, {
      tableId: idOf(table),
      match,
      priority,
      isDefaultAction: spec.isDefault ?? false,
      idleTimeoutNs: spec.idleTimeoutNs ?? 0n,
      metadata: spec.metadata ?? new Uint8Array(0),
    });
    const choices = [spec.action !== undefined, spec.memberId !== undefined, spec.groupId !== undefined];
    if (choices.filter(Boolean).length > 1)
      throw new P4InfoError(`table ${tn}: give one of action, memberId, groupId`);
    if (spec.action !== undefined) {
      const action = this.action(spec.action);
      const ref = table.actionRefs.find((r) => r.id === idOf(action));
      if (!ref) throw new P4InfoError(`table ${tn} has no action ${nameOf(action)}`);
      if (spec.isDefault && ref.scope === ActionRef_Scope.TABLE_ONLY) {
        throw new P4InfoError(`table ${tn}: action ${nameOf(action)} cannot be the default action`);
      }
      if (!spec.isDefault && ref.scope === ActionRef_Scope.DEFAULT_ONLY) {
        throw new P4InfoError(`table ${tn}: action ${nameOf(action)} is for the default entry only`);
      }
      entry.action = create(TableActionSchema, {
        type: { case: "action", value: this.buildAction(action.preamble!.id, spec.params) },
      });
    } else if (spec.memberId !== undefined || spec.groupId !== undefined) {
      if (table.implementationId === 0) throw new P4InfoError(`table ${tn} is not an indirect table`);
      entry.action = create(TableActionSchema, {
        type:
          spec.memberId !== undefined
            ? { case: "actionProfileMemberId", value: spec.memberId }
            : { case: "actionProfileGroupId", value: spec.groupId! },
      });
    }
    return entry;
  }

  /** An Update carrying a table entry built from the friendly form. */
  tableUpdate(type: Update_Type, spec: TableEntrySpec): Update {
    return create(UpdateSchema, {
      type,
      entity: create(EntitySchema, { entity: { case: "tableEntry", value: this.buildTableEntry(spec) } }),
    });
  }

  /** The friendly form of a TableEntry (values as text), accepted again by buildTableEntry. */
  renderTableEntry(entry: TableEntry): TableEntrySpec {
    const table = this.table(entry.tableId);
    const spec: TableEntrySpec = { table: nameOf(table) };
    const match: Record<string, MatchSpec> = {};
    for (const fm of entry.match) {
      const f = this.matchField(table, fm.fieldId);
      const r = (b: Uint8Array) => renderValue(b, f.bitwidth, f.name);
      const m = fm.fieldMatchType;
      switch (m.case) {
        case "exact":
          match[f.name] = r(m.value.value);
          break;
        case "optional":
          match[f.name] = { optional: r(m.value.value) };
          break;
        case "lpm":
          match[f.name] = { lpm: [r(m.value.value), m.value.prefixLen] };
          break;
        case "ternary":
          match[f.name] = { ternary: [r(m.value.value), "0x" + decodeUnsigned(m.value.mask).toString(16)] };
          break;
        case "range":
          match[f.name] = { range: [r(m.value.low), r(m.value.high)] };
          break;
        default:
          throw new P4InfoError(`table ${spec.table} field ${f.name}: unsupported match kind ${m.case}`);
      }
    }
    if (entry.match.length > 0) spec.match = match;
    const a = entry.action?.type;
    if (a?.case === "action") {
      const info = this.action(a.value.actionId);
      spec.action = nameOf(info);
      const params: Record<string, Value> = {};
      for (const p of a.value.params) {
        const pi = this.actionParam(info, p.paramId);
        params[pi.name] = renderValue(p.value, pi.bitwidth, pi.name);
      }
      if (info.params.length > 0) spec.params = params;
    } else if (a?.case === "actionProfileMemberId") {
      spec.memberId = a.value;
    } else if (a?.case === "actionProfileGroupId") {
      spec.groupId = a.value;
    }
    if (entry.priority !== 0) spec.priority = entry.priority;
    if (entry.isDefaultAction) spec.isDefault = true;
    return spec;
  }

  /** One-line display, e.g. `MyIngress.ipv4_lpm hdr.ipv4.dstAddr=10.0.0.0/8 -> MyIngress.forward(port=1)`. */
  formatTableEntry(entry: TableEntry): string {
    const s = this.renderTableEntry(entry);
    const parts: string[] = [String(s.table)];
    if (s.isDefault) parts.push("default");
    for (const [name, m] of Object.entries(s.match ?? {})) {
      let text: string;
      if (typeof m !== "object" || m instanceof Uint8Array) text = String(m);
      else if ("lpm" in m) text = `${m.lpm[0]}/${m.lpm[1]}`;
      else if ("ternary" in m) text = `${m.ternary[0]}&&&${m.ternary[1]}`;
      else if ("range" in m) text = `${m.range[0]}..${m.range[1]}`;
      else if ("optional" in m) text = `${m.optional}?`;
      else text = String(m.exact);
      parts.push(`${name}=${text}`);
    }
    if (s.priority) parts.push(`priority=${s.priority}`);
    if (s.action !== undefined) {
      const params = Object.entries(s.params ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
      parts.push(`-> ${s.action}(${params})`);
    } else if (s.memberId !== undefined) parts.push(`-> member ${s.memberId}`);
    else if (s.groupId !== undefined) parts.push(`-> group ${s.groupId}`);
    return parts.join(" ");
  }

  // --- packet I/O ------------------------------------------------------------

  private packetHeader(kind: string): ControllerPacketMetadata {
    return this.packetMetadata.get(kind);
  }

  private packetField(
    header: ControllerPacketMetadata,
    ref: string | number,
  ): ControllerPacketMetadata_Metadata {
    const f = header.metadata.find((m) => (typeof ref === "number" ? m.id === ref : m.name === ref));
    if (!f) throw new P4InfoError(`${nameOf(header)} has no field ${JSON.stringify(ref)}`);
    return f;
  }

  /** PacketMetadata for a PacketOut from field values by name (kind "packet_out" by default). */
  buildPacketMetadata(values: Record<string, Value>, kind = "packet_out"): PacketMetadata[] {
    const header = this.packetHeader(kind);
    return Object.entries(values)
      .map(([name, v]) => {
        const f = this.packetField(header, name);
        const value = this.encode(v, f.bitwidth, `${kind} field ${name}`);
        return create(PacketMetadataSchema, { metadataId: f.id, value });
      })
      .sort((a, b) => a.metadataId - b.metadataId);
  }

  /** Field values by name of a PacketIn's metadata (kind "packet_in" by default). */
  decodePacketMetadata(metadata: readonly PacketMetadata[], kind = "packet_in"): Record<string, bigint> {
    const header = this.packetHeader(kind);
    const out: Record<string, bigint> = {};
    for (const m of metadata) {
      const f = this.packetField(header, m.metadataId);
      out[f.name] = this.decodeChecked(m.value, f.bitwidth, `${kind} field ${f.name}`);
    }
    return out;
  }

  // --- P4Data ----------------------------------------------------------------

  /** Decodes the entries of a DigestList from the digest's type_spec. */
  decodeDigest(digest: string | number, data: P4Data): DecodedData {
    const d = this.digest(digest);
    return this.decodeData(data, d.typeSpec, `digest ${nameOf(d)}`);
  }

  /** Decodes a P4Data against a P4DataTypeSpec (bitstrings, bool, struct, tuple, header, enums, error). */
  decodeData(data: P4Data, spec: P4DataTypeSpec | undefined, what = "value"): DecodedData {
    const types: P4TypeInfo | undefined = this.info.typeInfo;
    const t = spec?.typeSpec;
    const d = data.data;
    const mismatch = () =>
      new P4InfoError(`${what}: ${d.case ?? "empty"} data for ${t?.case ?? "unknown"} type`);
    switch (t?.case) {
      case "bitstring": {
        if (d.case !== "bitstring") throw mismatch();
        const bt = t.value.typeSpec;
        try {
          if (bt.case === "int") return decodeSigned(d.value, bt.value.bitwidth);
          if (bt.case === "bit") return decodeUnsigned(d.value, bt.value.bitwidth);
          return decodeUnsigned(d.value);
        } catch (e) {
          throw new P4InfoError(`${what}: ${(e as Error).message}`);
        }
      }
      case "bool":
        if (d.case !== "bool") throw mismatch();
        return d.value;
      case "tuple": {
        if (d.case !== "tuple") throw mismatch();
        const members = t.value.members;
        if (members.length !== d.value.members.length) throw mismatch();
        return d.value.members.map((m, i) => this.decodeData(m, members[i], `${what}[${i}]`));
      }
      case "struct": {
        if (d.case !== "struct") throw mismatch();
        const st = types?.structs[t.value.name];
        if (!st || st.members.length !== d.value.members.length) throw mismatch();
        const out: Record<string, DecodedData> = {};
        st.members.forEach((m, i) => {
          out[m.name] = this.decodeData(d.value.members[i]!, m.typeSpec, `${what}.${m.name}`);
        });
        return out;
      }
      case "header": {
        if (d.case !== "header") throw mismatch();
        const ht = types?.headers[t.value.name];
        if (!ht) throw mismatch();
        if (!d.value.isValid) return null;
        if (ht.members.length !== d.value.bitstrings.length) throw mismatch();
        const out: Record<string, DecodedData> = {};
        ht.members.forEach((m, i) => {
          const bits = d.value.bitstrings[i]!;
          const bt = m.typeSpec?.typeSpec;
          try {
            out[m.name] =
              bt?.case === "int"
                ? decodeSigned(bits, bt.value.bitwidth)
                : decodeUnsigned(bits, bt?.case === "bit" ? bt.value.bitwidth : undefined);
          } catch (e) {
            throw new P4InfoError(`${what}.${m.name}: ${(e as Error).message}`);
          }
        });
        return out;
      }
      case "enum":
        if (d.case !== "enum") throw mismatch();
        return d.value;
      case "error":
        if (d.case !== "error") throw mismatch();
        return d.value;
      case "serializableEnum":
        if (d.case !== "enumValue") throw mismatch();
        return decodeUnsigned(d.value);
      default:
        throw new P4InfoError(`${what}: unsupported type ${t?.case ?? "(none)"}`);
    }
  }
}
