// A match-action table: exact (hash map on the packed key), lpm (one map per prefix length,
// longest first), and ternary/range/optional (entries in priority order, first match wins).
// Priorities follow P4Runtime: a larger number wins. BMv2 JSON const entries use the opposite
// convention (smaller wins) and are converted when loaded.

import { toWidth, type Value } from "../bits.js";
import { ControlError } from "../errors.js";
import { Meter } from "../stateful.js";
import {
  canon,
  type FieldMatch,
  type KeyField,
  type KeyValue,
  matches,
  type NormMatch,
  normalise,
} from "./match.js";

export interface ActionRef {
  /** Index into the program's action list. */
  index: number;
  name: string;
  widths: number[];
  /** Parameter names, in order. */
  paramNames: string[];
}

export interface Entry {
  handle: number;
  match: FieldMatch[];
  norm: NormMatch[];
  priority: number;
  action: ActionRef;
  params: bigint[];
  data: Value[];
  packets: number;
  bytes: number;
  meter?: Meter;
  seq: number;
}

export interface DefaultEntry {
  action: ActionRef;
  params: bigint[];
  data: Value[];
  /** The action function cannot be changed (`action_const`). */
  actionConst: boolean;
  /** Neither the action nor its data can be changed. */
  entryConst: boolean;
}

export interface EntrySpec {
  match: FieldMatch[];
  /** P4Runtime convention, larger wins; required (> 0) for ternary/range/optional tables. */
  priority?: number;
  action: string;
  params?: bigint[];
}

export interface LookupResult {
  entry: Entry | undefined;
  action: ActionRef;
  data: Value[];
}

type Strategy = "exact" | "lpm" | "scan";

export class Table {
  readonly entries = new Map<number, Entry>();
  private nextHandle = 0;
  private seq = 0;
  private readonly strategy: Strategy;
  private readonly exactMap = new Map<number | string, Entry>();
  /** lpm: prefix length → packed key → entry; lengths sorted longest first. */
  private readonly lpmMaps = new Map<number, Map<number | string, Entry>>();
  private lpmLengths: number[] = [];
  private readonly lpmField: number;
  private sorted: Entry[] = [];
  private readonly canonSet = new Map<string, number>();
  private readonly numericPack: boolean;
  default: DefaultEntry;
  readonly initialDefault: DefaultEntry;
  /** True when the JSON listed const entries: the entry set is immutable. */
  constEntries = false;

  constructor(
    readonly name: string,
    readonly keys: KeyField[],
    readonly actions: ActionRef[],
    defaultEntry: DefaultEntry,
    readonly maxSize: number,
    readonly withCounters: boolean,
    readonly withMeters: boolean,
  ) {
    const kinds = keys.map((k) => k.kind);
    if (kinds.some((k) => k === "ternary" || k === "range" || k === "optional")) this.strategy = "scan";
    else if (kinds.filter((k) => k === "lpm").length === 1) this.strategy = "lpm";
    else if (kinds.includes("lpm")) this.strategy = "scan";
    else this.strategy = "exact";
    this.lpmField = kinds.indexOf("lpm");
    this.numericPack = keys.every((k) => k.width <= 32) && keys.reduce((a, k) => a + k.width, 0) <= 52;
    this.default = defaultEntry;
    this.initialDefault = defaultEntry;
  }

  get needsPriority(): boolean {
    return this.strategy === "scan";
  }

  actionByName(name: string): ActionRef {
    const exact = this.actions.find((a) => a.name === name);
    if (exact) return exact;
    const cands = this.actions.filter((a) => a.name.endsWith(`.${name}`) || a.name === name);
    if (cands.length === 1) return cands[0]!;
    if (cands.length > 1) throw new ControlError(`action name '${name}' is ambiguous in table ${this.name}`);
    throw new ControlError(`action '${name}' is not an action of table ${this.name}`);
  }

  actionData(action: ActionRef, params: bigint[]): Value[] {
    if (params.length !== action.widths.length)
      throw new ControlError(
        `action ${action.name} takes ${action.widths.length} parameters, got ${params.length} (table ${this.name})`,
      );
    return params.map((p, i) => {
      const w = action.widths[i]!;
      if (p < 0n || p >= 1n << BigInt(w))
        throw new ControlError(`parameter ${i} of ${action.name}: ${p} does not fit ${w} bits`);
      return toWidth(p, w);
    });
  }

  private pack(values: KeyValue[]): number | string {
    if (this.numericPack) {
      let acc = 0;
      for (let i = 0; i < values.length; i++) acc = acc * 2 ** this.keys[i]!.width + (values[i] as number);
      return acc;
    }
    return values.join(",");
  }

  private prepare(spec: EntrySpec, where: string): Omit<Entry, "handle" | "packets" | "bytes" | "seq"> {
    if (!Array.isArray(spec.match) || spec.match.length !== this.keys.length)
      throw new ControlError(
        `${where}: expected ${this.keys.length} match fields, got ${spec.match?.length ?? 0}`,
      );
    const norm = spec.match.map((m, i) => normalise(this.keys[i]!, m, where));
    let priority = spec.priority ?? 0;
    if (this.strategy === "scan") {
      if (!Number.isInteger(priority) || priority <= 0)
        throw new ControlError(`${where}: a priority > 0 is required for table ${this.name}`);
    } else priority = 0;
    const action = this.actionByName(spec.action);
    const params = spec.params ?? [];
    return { match: spec.match, norm, priority, action, params, data: this.actionData(action, params) };
  }

  private keyOf(e: { norm: NormMatch[]; priority: number }): string {
    return `${canon(e.norm)}#${e.priority}`;
  }

  insert(spec: EntrySpec): number {
    if (this.constEntries)
      throw new ControlError(`table ${this.name} has const entries and cannot be modified`);
    return this.insertInternal(spec);
  }

  /** Adds an entry even to a const table (used when loading JSON `entries`). */
  insertInternal(spec: EntrySpec): number {
    const where = `table ${this.name}`;
    if (this.keys.length === 0) throw new ControlError(`${where} has no key: set its default action instead`);
    if (this.entries.size >= this.maxSize)
      throw new ControlError(`${where} is full (${this.maxSize} entries)`);
    const p = this.prepare(spec, where);
    const k = this.keyOf(p);
    if (this.canonSet.has(k)) throw new ControlError(`${where}: duplicate entry`);
    const e: Entry = { ...p, handle: this.nextHandle++, packets: 0, bytes: 0, seq: this.seq++ };
    if (this.withMeters) e.meter = new Meter();
    this.entries.set(e.handle, e);
    this.canonSet.set(k, e.handle);
    this.index(e);
    return e.handle;
  }

  /** Finds an entry by match key (and priority for ternary-like tables), as P4Runtime addresses them. */
  find(match: FieldMatch[], priority?: number): Entry | undefined {
    const where = `table ${this.name}`;
    if (match.length !== this.keys.length)
      throw new ControlError(`${where}: expected ${this.keys.length} match fields`);
    const norm = match.map((m, i) => normalise(this.keys[i]!, m, where));
    const h = this.canonSet.get(
      this.keyOf({ norm, priority: this.strategy === "scan" ? (priority ?? 0) : 0 }),
    );
    return h === undefined ? undefined : this.entries.get(h);
  }

  get(handle: number): Entry {
    const e = this.entries.get(handle);
    if (!e) throw new ControlError(`table ${this.name}: no entry with handle ${handle}`);
    return e;
  }

  modify(handle: number, action: string, params: bigint[] = []): void {
    if (this.constEntries)
      throw new ControlError(`table ${this.name} has const entries and cannot be modified`);
    const e = this.get(handle);
    const a = this.actionByName(action);
    e.data = this.actionData(a, params);
    e.action = a;
    e.params = params;
  }

  delete(handle: number): void {
    if (this.constEntries)
      throw new ControlError(`table ${this.name} has const entries and cannot be modified`);
    const e = this.get(handle);
    this.entries.delete(handle);
    this.canonSet.delete(this.keyOf(e));
    this.unindex(e);
  }

  clear(): void {
    if (this.constEntries)
      throw new ControlError(`table ${this.name} has const entries and cannot be modified`);
    for (const h of [...this.entries.keys()]) this.delete(h);
  }

  setDefault(action: string, params: bigint[] = []): void {
    const a = this.actionByName(action);
    if (this.default.entryConst) throw new ControlError(`table ${this.name}: default entry is const`);
    if (this.default.actionConst && a.index !== this.default.action.index)
      throw new ControlError(`table ${this.name}: default action is const (${this.default.action.name})`);
    this.default = { ...this.default, action: a, params, data: this.actionData(a, params) };
  }

  resetDefault(): void {
    this.default = this.initialDefault;
  }

  private index(e: Entry): void {
    if (this.strategy === "exact") this.exactMap.set(this.pack(e.norm.map((n) => n.value)), e);
    else if (this.strategy === "lpm") {
      const len = e.norm[this.lpmField]!.prefixLen;
      let m = this.lpmMaps.get(len);
      if (!m) {
        m = new Map();
        this.lpmMaps.set(len, m);
        this.lpmLengths = [...this.lpmMaps.keys()].sort((a, b) => b - a);
      }
      m.set(this.pack(e.norm.map((n) => n.value)), e);
    } else {
      this.sorted.push(e);
      this.sorted.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    }
  }

  private unindex(e: Entry): void {
    if (this.strategy === "exact") this.exactMap.delete(this.pack(e.norm.map((n) => n.value)));
    else if (this.strategy === "lpm") {
      const len = e.norm[this.lpmField]!.prefixLen;
      const m = this.lpmMaps.get(len)!;
      m.delete(this.pack(e.norm.map((n) => n.value)));
      if (m.size === 0) {
        this.lpmMaps.delete(len);
        this.lpmLengths = [...this.lpmMaps.keys()].sort((a, b) => b - a);
      }
    } else this.sorted = this.sorted.filter((x) => x !== e);
  }

  private readonly scratch: KeyValue[] = [];

  /** Looks up a key (values in key order, already masked by static key masks). */
  lookup(key: KeyValue[]): Entry | undefined {
    switch (this.strategy) {
      case "exact":
        return this.exactMap.size === 0 ? undefined : this.exactMap.get(this.pack(key));
      case "lpm": {
        const f = this.lpmField;
        const w = this.keys[f]!.width;
        const s = this.scratch;
        for (let i = 0; i < key.length; i++) s[i] = key[i]!;
        const orig = key[f]!;
        for (const len of this.lpmLengths) {
          s[f] = maskPrefix(orig, len, w);
          const e = this.lpmMaps.get(len)!.get(this.pack(s));
          if (e) return e;
        }
        return undefined;
      }
      default: {
        const list = this.sorted;
        outer: for (let i = 0; i < list.length; i++) {
          const e = list[i]!;
          for (let j = 0; j < key.length; j++) if (!matches(e.norm[j]!, key[j]!)) continue outer;
          return e;
        }
        return undefined;
      }
    }
  }
}

function maskPrefix(v: KeyValue, len: number, width: number): KeyValue {
  if (typeof v === "number") {
    if (len === 0) return 0;
    const drop = width - len;
    if (drop === 0) return v;
    // width ≤ 32 here: one AND with the prefix mask.
    return (v & ~(2 ** drop - 1)) >>> 0;
  }
  if (len === 0) return 0n;
  const drop = BigInt(width - len);
  return (v >> drop) << drop;
}
