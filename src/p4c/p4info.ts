// P4Info as a plain TypeScript model mirroring the p4.config.v1 P4Info proto fields
// (field names in camelCase, as protobuf-es uses). Converted to the generated message, or to
// text format, by p4info-out.ts.

export interface Preamble {
  id: number;
  name: string;
  alias: string;
  annotations?: string[];
}

export type MatchType = "EXACT" | "LPM" | "TERNARY" | "RANGE" | "OPTIONAL";

export interface MatchField {
  id: number;
  name: string;
  bitwidth: number;
  matchType: MatchType;
}

export type ActionScope = "TABLE_AND_DEFAULT" | "TABLE_ONLY" | "DEFAULT_ONLY";

export interface ActionRef {
  id: number;
  scope: ActionScope;
  annotations?: string[];
}

export interface Table {
  preamble: Preamble;
  matchFields: MatchField[];
  actionRefs: ActionRef[];
  constDefaultActionId: number;
  directResourceIds: number[];
  size: number;
  idleTimeoutBehavior: "NO_TIMEOUT" | "NOTIFY_CONTROL";
  isConstTable: boolean;
}

export interface ActionParam {
  id: number;
  name: string;
  bitwidth: number;
}

export interface Action {
  preamble: Preamble;
  params: ActionParam[];
}

export type CounterUnit = "BYTES" | "PACKETS" | "BOTH";

export interface Counter {
  preamble: Preamble;
  spec: { unit: CounterUnit };
  size: number;
}

export interface DirectCounter {
  preamble: Preamble;
  spec: { unit: CounterUnit };
  directTableId: number;
}

export interface Meter {
  preamble: Preamble;
  spec: { unit: "BYTES" | "PACKETS" };
  size: number;
}

export interface DirectMeter {
  preamble: Preamble;
  spec: { unit: "BYTES" | "PACKETS" };
  directTableId: number;
}

/** A P4DataTypeSpec restricted to what registers and digests need. */
export type DataTypeSpec =
  | { bitstring: { bit: { bitwidth: number } } }
  | { bitstring: { int: { bitwidth: number } } }
  | { bool: Record<string, never> }
  | { struct: { name: string } }
  | { header: { name: string } };

export interface Register {
  preamble: Preamble;
  typeSpec: DataTypeSpec;
  size: number;
}

export interface Digest {
  preamble: Preamble;
  typeSpec: DataTypeSpec;
}

export interface ControllerPacketMetadata {
  preamble: Preamble;
  metadata: { id: number; name: string; bitwidth: number }[];
}

export interface TypeInfo {
  structs: Record<string, { members: { name: string; typeSpec: DataTypeSpec }[] }>;
  headers: Record<
    string,
    { members: { name: string; typeSpec: { bitstring: { bit: { bitwidth: number } } } }[] }
  >;
}

export interface P4Info {
  pkgInfo: { arch: string; name?: string };
  tables: Table[];
  actions: Action[];
  counters: Counter[];
  directCounters: DirectCounter[];
  meters: Meter[];
  directMeters: DirectMeter[];
  controllerPacketMetadata: ControllerPacketMetadata[];
  registers: Register[];
  digests: Digest[];
  typeInfo?: TypeInfo;
}

/** P4Runtime id prefixes (most significant byte), from p4info.proto's P4Ids.Prefix. */
export const IdPrefix = {
  ACTION: 0x01,
  TABLE: 0x02,
  VALUE_SET: 0x03,
  CONTROLLER_HEADER: 0x04,
  ACTION_PROFILE: 0x11,
  COUNTER: 0x12,
  DIRECT_COUNTER: 0x13,
  METER: 0x14,
  DIRECT_METER: 0x15,
  REGISTER: 0x16,
  DIGEST: 0x17,
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/** Jenkins one-at-a-time hash over the UTF-8 bytes of a name (what p4c uses for P4Runtime ids). */
export function jenkinsOneAtATime(name: string): number {
  let h = 0;
  for (const b of Buffer.from(name, "utf8")) {
    h = (h + b) >>> 0;
    h = (h + (h << 10)) >>> 0;
    h = (h ^ (h >>> 6)) >>> 0;
  }
  h = (h + (h << 3)) >>> 0;
  h = (h ^ (h >>> 11)) >>> 0;
  h = (h + (h << 15)) >>> 0;
  return h;
}

export interface IdRequest {
  prefix: IdPrefix;
  name: string;
  /** From an `@id(N)` annotation: used as is (its prefix byte is forced to the entity's). */
  explicit?: number;
}

/**
 * Assigns P4Runtime ids: explicit `@id`s first, then per prefix in sorted name order
 * `prefix << 24 | hash(name) & 0xffffff`, probing linearly on collision. Sorting makes the
 * result independent of declaration order, so ids are stable across builds.
 */
export function assignIds(requests: IdRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  const key = (r: IdRequest) => `${r.prefix}:${r.name}`;
  for (const r of requests) {
    if (r.explicit === undefined) continue;
    const id = ((r.prefix << 24) | (r.explicit & 0xffffff)) >>> 0;
    if (used.has(id)) throw new Error(`@id ${r.explicit} of '${r.name}' is already used`);
    used.add(id);
    out.set(key(r), id);
  }
  const rest = requests
    .filter((r) => r.explicit === undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.prefix - b.prefix));
  for (const r of rest) {
    if (out.has(key(r))) continue;
    const start = jenkinsOneAtATime(r.name) & 0xffffff;
    let v = start;
    for (;;) {
      const id = ((r.prefix << 24) | v) >>> 0;
      if (!used.has(id) && v !== 0) {
        used.add(id);
        out.set(key(r), id);
        break;
      }
      v = (v + 1) & 0xffffff;
      if (v === start) throw new Error(`no P4Runtime id left for '${r.name}'`);
    }
  }
  return out;
}

export const idKey = (prefix: IdPrefix, name: string): string => `${prefix}:${name}`;

/** Shortest suffix of dot-separated components that is unique among all names. */
export function shortestUniqueSuffixes(names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const parts = names.map((n) => n.split("."));
  for (let i = 0; i < names.length; i++) {
    const p = parts[i]!;
    let alias = names[i]!;
    for (let k = 1; k <= p.length; k++) {
      const suffix = p.slice(p.length - k).join(".");
      const clash = parts.some(
        (q, j) =>
          j !== i && names[j] !== names[i] && q.length >= k && q.slice(q.length - k).join(".") === suffix,
      );
      if (!clash) {
        alias = suffix;
        break;
      }
    }
    out.set(names[i]!, alias);
  }
  return out;
}
