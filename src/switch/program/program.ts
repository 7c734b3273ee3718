// Loads BMv2 JSON (v1model as simple_switch runs it) into a compiled program: generated functions
// for parser states, actions, conditionals and table keys, plus the mutable state the control plane
// manages (table entries, registers, counters, meters).

import { parseHexstr, toWidth } from "../bits.js";
import { LoadError } from "../errors.js";
import type { Bmv2Json, MatchKeyJson, PipelineJson, TableJson, TV } from "../json.js";
import { CounterArray, MeterArray, RegisterArray } from "../stateful.js";
import type { FieldMatch, KeyField, KeyValue, MatchKind } from "../tables/match.js";
import { type ActionRef, Table } from "../tables/table.js";
import { type ActionFn, compileAction, makeFn, type Registry } from "./actions.js";
import { type CalcFn, type CompiledChecksum, compileCalculation, compileChecksum } from "./calc.js";
import { ExprCompiler, unsignedCode } from "./expr.js";
import { compileEmit, compileExtract } from "./headers.js";
import { Layout, type SlotRef } from "./layout.js";
import { type CompiledParser, compileParser } from "./parser.js";
import { Env, type PacketState } from "./runtime.js";
import { ValueSet } from "./vset.js";

export interface ControlNode {
  name: string;
  run(P: PacketState): ControlNode | null;
}

export interface TableNode extends ControlNode {
  table: Table;
}

export interface LearnList {
  id: number;
  name: string;
  fields: Array<{ name: string } & SlotRef>;
}

/** The standard_metadata fields the traffic manager reads and writes (undefined when absent). */
export interface Intrinsics {
  ingressPort?: SlotRef;
  egressSpec?: SlotRef;
  egressPort?: SlotRef;
  instanceType?: SlotRef;
  packetLength?: SlotRef;
  mcastGrp?: SlotRef;
  egressRid?: SlotRef;
  parserError?: SlotRef;
  checksumError?: SlotRef;
  ingressTs?: SlotRef;
  egressTs?: SlotRef;
}

const SUPPORTED_MATCH: MatchKind[] = ["exact", "lpm", "ternary", "range", "optional", "valid"];

export class Program {
  readonly layout: Layout;
  readonly env: Env;
  readonly actionNames: string[] = [];
  readonly actionFns: ActionFn[] = [];
  readonly actionWidths: number[][] = [];
  readonly actionParamNames: string[][] = [];
  private readonly actionIndexById = new Map<number, number>();
  readonly parser: CompiledParser;
  readonly deparseOrder: number[];
  readonly tables = new Map<string, Table>();
  readonly pipelines = new Map<string, ControlNode | null>();
  readonly registers = new Map<string, RegisterArray>();
  readonly counters = new Map<string, CounterArray>();
  readonly meters = new Map<string, MeterArray>();
  readonly checksums: CompiledChecksum[] = [];
  readonly learnLists = new Map<number, LearnList>();
  readonly valueSets = new Map<string, ValueSet>();
  readonly intrinsics: Intrinsics;
  readonly stackCount: number;
  /** Metadata slots (zeroed when simple_switch resets metadata). */
  readonly metadataSlots: number[] = [];
  readonly json: Bmv2Json;
  /** The code of NoError in this program's `errors`. */
  readonly noError: number;

  constructor(json: Bmv2Json) {
    if (!json || typeof json !== "object") throw new LoadError("BMv2 JSON must be an object");
    for (const k of ["header_types", "headers", "parsers", "deparsers", "actions", "pipelines"] as const)
      if (!Array.isArray(json[k])) throw new LoadError(`BMv2 JSON lacks the '${k}' array`);
    const major = json.__meta__?.version?.[0];
    if (major !== undefined && major !== 2) throw new LoadError(`unsupported BMv2 JSON version ${major}`);

    for (const e of (json.extern_instances ?? []) as Array<{ name?: string; type?: string }>)
      throw new LoadError(`unsupported extern instance '${e.name}' of type '${e.type}'`);
    this.json = json;
    const layout = new Layout(json);
    this.layout = layout;
    this.noError = layout.errorCode("NoError");
    this.stackCount = layout.stacks.length;
    const env = new Env(layout);
    this.env = env;
    for (const h of layout.headers) {
      env.extract[h.id] = compileExtract(h.type);
      env.emit[h.id] = compileEmit(h.type);
      if (h.metadata) for (let i = 0; i < h.type.fields.length; i++) this.metadataSlots.push(h.base + i);
    }

    // Stateful objects.
    for (const r of json.register_arrays ?? []) {
      if (!(r.size > 0 && r.bitwidth > 0))
        throw new LoadError(`register array ${r.name}: bad size or bitwidth`);
      const ra = new RegisterArray(r.name, r.size, r.bitwidth);
      this.registers.set(r.name, ra);
      env.registers.push(ra);
    }
    for (const c of json.counter_arrays ?? []) {
      const ca = new CounterArray(c.name, c.is_direct ? 0 : c.size, c.is_direct, c.binding);
      this.counters.set(c.name, ca);
      env.counters.push(ca);
    }
    for (const m of json.meter_arrays ?? []) {
      if (m.type !== "bytes" && m.type !== "packets")
        throw new LoadError(`meter array ${m.name}: bad type '${m.type}'`);
      if (m.rate_count !== undefined && m.rate_count !== 2)
        throw new LoadError(`meter array ${m.name}: only 2-rate meters are supported`);
      const ma = new MeterArray(m.name, m.is_direct ? 0 : m.size, m.type, m.is_direct, m.binding);
      this.meters.set(m.name, ma);
      env.meters.push(ma);
    }
    const fieldListIds = new Set<number>();
    for (const fl of json.field_lists ?? []) {
      const slots = (fl.elements ?? []).map((e) => {
        if (e.type !== "field")
          throw new LoadError(`field list ${fl.name}: unsupported element type '${e.type}'`);
        return layout.field(e.value, `field list ${fl.name}`).slot;
      });
      env.fieldLists.set(fl.id, slots);
      fieldListIds.add(fl.id);
    }
    for (const ll of json.learn_lists ?? []) {
      const fields = (ll.elements ?? []).map((e) => {
        if (e.type !== "field")
          throw new LoadError(`learn list ${ll.name}: unsupported element type '${e.type}'`);
        const ref = e.value as [string, string];
        return { name: `${ref[0]}.${ref[1]}`, ...layout.field(ref, `learn list ${ll.name}`) };
      });
      this.learnLists.set(ll.id, { id: ll.id, name: ll.name, fields });
    }
    const calcIndex = new Map<string, number>();
    const registerNames = [...this.registers.keys()];
    const counterNames = [...this.counters.keys()];
    const meterNames = [...this.meters.keys()];
    const reg: Registry = {
      register: (n) => {
        const i = registerNames.indexOf(n);
        if (i < 0) throw new LoadError(`unknown register array '${n}'`);
        return i;
      },
      registerWidth: (i) => env.registers[i]!.width,
      counter: (n) => {
        const i = counterNames.indexOf(n);
        if (i < 0) throw new LoadError(`unknown counter array '${n}'`);
        return i;
      },
      meter: (n) => {
        const i = meterNames.indexOf(n);
        if (i < 0) throw new LoadError(`unknown meter array '${n}'`);
        return i;
      },
      calculation: (n) => {
        const i = calcIndex.get(n);
        if (i === undefined) throw new LoadError(`unknown calculation '${n}'`);
        return i;
      },
      fieldList: (id) => fieldListIds.has(id),
      learnList: (id) => this.learnLists.has(id),
      constant: (v) => {
        env.consts.push(v);
        return env.consts.length - 1;
      },
    };

    // Deparser (exactly one, as simple_switch uses).
    if (json.deparsers.length !== 1)
      throw new LoadError(`expected exactly one deparser, found ${json.deparsers.length}`);
    this.deparseOrder = json.deparsers[0]!.order.map(
      (n) => layout.header(n, `deparser ${json.deparsers[0]!.name}`).id,
    );

    for (const c of json.calculations ?? []) {
      calcIndex.set(c.name, env.calcs.length);
      const fn: CalcFn = compileCalculation(layout, env, c, this.deparseOrder, (P, after) =>
        this.emitAfter(P, after),
      );
      env.calcs.push(fn);
    }
    for (const c of json.checksums ?? []) this.checksums.push(compileChecksum(layout, reg, env, c));

    // Actions.
    for (const a of json.actions) {
      if (this.actionIndexById.has(a.id)) throw new LoadError(`duplicate action id ${a.id}`);
      this.actionIndexById.set(a.id, this.actionFns.length);
      this.actionNames.push(a.name);
      this.actionWidths.push((a.runtime_data ?? []).map((r) => r.bitwidth));
      this.actionParamNames.push((a.runtime_data ?? []).map((r) => r.name));
      this.actionFns.push(compileAction(layout, reg, env, a));
    }

    // Parser value sets, then the parser.
    for (const v of (json.parse_vsets ?? []) as Array<{
      name?: string;
      compressed_bitwidth?: number;
      max_size?: number;
    }>) {
      if (
        typeof v.name !== "string" ||
        !(Number.isInteger(v.compressed_bitwidth) && v.compressed_bitwidth! > 0)
      )
        throw new LoadError("malformed entry in 'parse_vsets'");
      const vs = new ValueSet(v.name, v.compressed_bitwidth!, v.max_size ?? 1024);
      this.valueSets.set(v.name, vs);
      env.valueSets.push(vs);
    }
    if (json.parsers.length !== 1)
      throw new LoadError(`expected exactly one parser, found ${json.parsers.length}`);
    this.parser = compileParser(layout, reg, env, json.parsers[0]!);

    // Pipelines.
    for (const p of json.pipelines) this.pipelines.set(p.name, this.compilePipeline(p));
    if (!this.pipelines.has("ingress") || !this.pipelines.has("egress"))
      throw new LoadError("v1model needs pipelines named 'ingress' and 'egress'");

    const I = (n: string, f?: string) => layout.intrinsic(n, f);
    this.intrinsics = {
      ingressPort: I("standard_metadata.ingress_port"),
      egressSpec: I("standard_metadata.egress_spec"),
      egressPort: I("standard_metadata.egress_port"),
      instanceType: I("standard_metadata.instance_type"),
      packetLength: I("standard_metadata.packet_length"),
      mcastGrp: I("intrinsic_metadata.mcast_grp", "standard_metadata.mcast_grp"),
      egressRid: I("intrinsic_metadata.egress_rid", "standard_metadata.egress_rid"),
      parserError: I("standard_metadata.parser_error"),
      checksumError: I("standard_metadata.checksum_error"),
      ingressTs: I(
        "intrinsic_metadata.ingress_global_timestamp",
        "standard_metadata.ingress_global_timestamp",
      ),
      egressTs: I("intrinsic_metadata.egress_global_timestamp", "standard_metadata.egress_global_timestamp"),
    };
    env.egressSpecSlot = this.intrinsics.egressSpec?.slot ?? -1;
    env.mcastGrpSlot = this.intrinsics.mcastGrp?.slot ?? -1;
  }

  actionIndex(id: number, where: string): number {
    const i = this.actionIndexById.get(id);
    if (i === undefined) throw new LoadError(`unknown action id ${id} in ${where}`);
    return i;
  }

  actionRef(index: number): ActionRef {
    return {
      index,
      name: this.actionNames[index]!,
      widths: this.actionWidths[index]!,
      paramNames: this.actionParamNames[index]!,
    };
  }

  /** Serialises the valid headers after deparse position `after`, then the payload. */
  emitAfter(P: PacketState, after: number): Uint8Array {
    const ids = this.deparseOrder.slice(after + 1).filter((h) => P.V[h] === 1);
    const sizes = ids.map((h) => this.env.headerBytes[h]!);
    const payload = P.buf.subarray(P.off);
    const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0) + payload.length);
    let off = 0;
    ids.forEach((h, i) => {
      this.env.emit[h]!(out, off, P.F, this.env.bases[h]!);
      off += sizes[i]!;
    });
    out.set(payload, off);
    return out;
  }

  private compilePipeline(p: PipelineJson): ControlNode | null {
    const nodes = new Map<string, ControlNode>();
    const links: Array<() => void> = [];
    const resolve = (name: string | null, where: string): ControlNode | null => {
      if (name === null) return null;
      const n = nodes.get(name);
      if (!n) throw new LoadError(`unknown control node '${name}' in ${where}`);
      return n;
    };
    for (const t of p.tables ?? []) {
      const node = this.compileTable(t, (name) => resolve(name, `table ${t.name}`), links);
      nodes.set(t.name, node);
    }
    for (const c of p.conditionals ?? []) {
      const where = `conditional ${c.name}`;
      const x = new ExprCompiler({ layout: this.layout, where });
      const test = makeFn(
        this.env,
        `const F = P.F, V = P.V, S = P.S;\nreturn ${x.asBool(x.compile(c.expression as TV))};`,
        where,
        "P",
      ) as (P: PacketState) => boolean;
      const node = {
        name: c.name,
        t: null as ControlNode | null,
        f: null as ControlNode | null,
        run: (_P: PacketState) => null as ControlNode | null,
      };
      node.run = (P) => (test(P) ? node.t : node.f);
      links.push(() => {
        node.t = resolve(c.true_next, where);
        node.f = resolve(c.false_next, where);
      });
      nodes.set(c.name, node);
    }
    for (const a of p.action_calls ?? []) {
      const idx = this.actionIndex(a.action_id, `action call ${a.name}`);
      const fn = this.actionFns[idx]!;
      const node = {
        name: a.name,
        next: null as ControlNode | null,
        run: (_P: PacketState) => null as ControlNode | null,
      };
      node.run = (P) => {
        fn(P, []);
        return node.next;
      };
      links.push(() => {
        node.next = resolve(a.next_node, `action call ${a.name}`);
      });
      nodes.set(a.name, node);
    }
    for (const l of links) l();
    return resolve(p.init_table, `pipeline ${p.name}`);
  }

  private compileTable(
    t: TableJson,
    resolve: (n: string | null) => ControlNode | null,
    links: Array<() => void>,
  ): TableNode {
    const where = `table ${t.name}`;
    if (t.type !== undefined && t.type !== "simple")
      throw new LoadError(`unsupported table type '${t.type}' in ${where}`);
    const layout = this.layout;
    const keyLines: string[] = ["const F = P.F, V = P.V, S = P.S;"];
    const keys: KeyField[] = (t.key ?? []).map((k, i) => {
      const kind = k.match_type as MatchKind;
      if (!SUPPORTED_MATCH.includes(kind))
        throw new LoadError(`unsupported match kind '${k.match_type}' in ${where}`);
      const name = k.name ?? (Array.isArray(k.target) ? k.target.join(".") : String(k.target));
      let width: number;
      let code: string;
      if (kind === "valid") {
        const h = layout.header(String(k.target), where);
        width = 1;
        code = `V[${h.id}]`;
      } else {
        const x = new ExprCompiler({ layout, where });
        const v = x.compile({ type: "field", value: k.target });
        width = v.bits;
        // Tables see unsigned numbers and bigints only (signed fields match on their bits).
        code = v.kind === "wide" ? `E.w2b(${v.code})` : v.code;
        if (v.neg) code = unsignedCode(code, width, v.kind === "num");
      }
      if (k.mask) {
        const m = parseHexstr(k.mask) & ((1n << BigInt(width)) - 1n);
        code = width <= 32 ? `((${code} & ${m}) >>> 0)` : `(${code} & ${m}n)`;
      }
      keyLines.push(`K[${i}] = ${code};`);
      const target = Array.isArray(k.target) ? k.target.join(".") : String(k.target);
      return { name, kind, width, target };
    });
    const readKey = makeFn(this.env, keyLines.join("\n"), where, "P, K") as (
      P: PacketState,
      K: KeyValue[],
    ) => void;
    const actionIdx = (t.action_ids ?? []).map((id) => this.actionIndex(id, where));
    const actions = actionIdx.map((i) => this.actionRef(i));
    let def = actions[0];
    let defParams: bigint[] = [];
    let actionConst = false;
    let entryConst = false;
    if (t.default_entry) {
      def = this.actionRef(this.actionIndex(t.default_entry.action_id, where));
      defParams = (t.default_entry.action_data ?? []).map(parseHexstr);
      actionConst = t.default_entry.action_const === true;
      entryConst = t.default_entry.action_entry_const === true;
    }
    if (!def) throw new LoadError(`${where} has no actions`);
    const directCounter = [...this.counters.values()].some((c) => c.direct && c.binding === t.name);
    const directMeter = t.direct_meters ? this.meters.get(t.direct_meters) : undefined;
    if (t.direct_meters && !directMeter)
      throw new LoadError(`unknown direct meter '${t.direct_meters}' in ${where}`);
    const meterJson = (this.json.meter_arrays ?? []).find((m) => m.name === t.direct_meters);
    const meterTarget = meterJson?.result_target ? layout.field(meterJson.result_target, where) : undefined;
    const table = new Table(
      t.name,
      keys,
      actions,
      { action: def, params: defParams, data: [], actionConst, entryConst },
      t.max_size ?? 1024,
      t.with_counters === true || directCounter,
      directMeter !== undefined,
    );
    // Validate default data now (throws ControlError → LoadError).
    try {
      table.default.data = table.actionData(def, defParams);
    } catch (e) {
      throw new LoadError(`${where}: bad default entry: ${(e as Error).message}`);
    }
    for (const [i, e] of (t.entries ?? []).entries()) {
      try {
        const prio = e.priority ?? i + 1;
        table.insertInternal({
          match: e.match_key.map((m, j) => matchFromJson(m, keys[j]!)),
          // BMv2: smaller number = higher priority; P4Runtime (our table): larger wins.
          priority: 2 ** 30 - prio,
          action: this.actionNames[this.actionIndex(e.action_entry.action_id, where)]!,
          params: (e.action_entry.action_data ?? []).map(parseHexstr),
        });
      } catch (err) {
        throw new LoadError(`${where}: bad const entry ${i}: ${(err as Error).message}`);
      }
    }
    if ((t.entries ?? []).length > 0) table.constEntries = true;
    this.tables.set(t.name, table);

    const K: KeyValue[] = new Array(keys.length);
    const keyless = keys.length === 0;
    const fns = this.actionFns;
    const env = this.env;
    const nt = t.next_tables ?? {};
    const hitMiss = "__HIT__" in nt || "__MISS__" in nt;
    const node: TableNode & {
      byAction: Array<ControlNode | null>;
      hit: ControlNode | null;
      miss: ControlNode | null;
    } = {
      name: t.name,
      table,
      byAction: [],
      hit: null,
      miss: null,
      run(P) {
        // Keyless tables (p4c's wrappers for direct action calls) always miss.
        let e: ReturnType<Table["lookup"]>;
        if (keyless) e = undefined;
        else {
          readKey(P, K);
          e = table.lookup(K);
        }
        if (e !== undefined) {
          if (table.withCounters) {
            e.packets += 1;
            e.bytes += P.len;
          }
          if (e.meter && meterTarget) {
            const color = e.meter.execute(directMeter!.unit === "packets" ? 1 : P.len, env.now());
            P.F[meterTarget.slot] = toWidth(BigInt(color), meterTarget.width);
          }
          fns[e.action.index]!(P, e.data);
          return hitMiss ? node.hit : (node.byAction[e.action.index] ?? null);
        }
        const d = table.default;
        fns[d.action.index]!(P, d.data);
        return hitMiss ? node.miss : (node.byAction[d.action.index] ?? null);
      },
    };
    links.push(() => {
      if (hitMiss) {
        node.hit = resolve(nt.__HIT__ ?? null);
        node.miss = resolve(nt.__MISS__ ?? null);
      } else {
        for (const [name, next] of Object.entries(nt)) {
          const i = this.actionNames.indexOf(name);
          const idx = actionIdx.find((a) => this.actionNames[a] === name) ?? i;
          if (idx < 0) throw new LoadError(`next_tables names unknown action '${name}' in ${where}`);
          node.byAction[idx] = resolve(next);
        }
      }
    });
    return node;
  }
}

function matchFromJson(m: MatchKeyJson, k: KeyField): FieldMatch {
  switch (m.match_type) {
    case "exact":
      return { kind: "exact", value: parseHexstr(String(m.key)) };
    case "valid":
      return { kind: "valid", value: m.key === true };
    case "lpm":
      return { kind: "lpm", value: parseHexstr(String(m.key)), prefixLen: m.prefix_length ?? k.width };
    case "ternary":
      return { kind: "ternary", value: parseHexstr(String(m.key)), mask: parseHexstr(String(m.mask)) };
    case "optional":
      // Written as key/mask: a zero mask is the wildcard ("_").
      if (m.mask !== undefined && parseHexstr(String(m.mask)) === 0n) return { kind: "optional" };
      return { kind: "optional", value: parseHexstr(String(m.key)) };
    case "range":
      return { kind: "range", low: parseHexstr(String(m.start)), high: parseHexstr(String(m.end)) };
    default:
      throw new LoadError(`unsupported match kind '${m.match_type}' in const entry`);
  }
}
