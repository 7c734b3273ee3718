// Where every header field lives in a packet's state: one flat slot array for all field values and
// one validity byte per header instance, so generated code indexes arrays instead of walking JSON.

import { type Value, zeroOf } from "../bits.js";
import { LoadError } from "../errors.js";
import type { Bmv2Json, FieldRef } from "../json.js";

export interface FieldInfo {
  name: string;
  width: number;
  signed: boolean;
  /** Bit offset inside the header. */
  bitOffset: number;
}

export interface HeaderTypeInfo {
  name: string;
  fields: FieldInfo[];
  /** Total width in bits. */
  width: number;
}

export interface HeaderInfo {
  id: number;
  name: string;
  type: HeaderTypeInfo;
  metadata: boolean;
  /** Slot of the first field. */
  base: number;
}

export interface StackInfo {
  index: number;
  name: string;
  type: HeaderTypeInfo;
  /** Header instance ids, element 0 first. */
  headers: number[];
}

export interface UnionInfo {
  name: string;
  /** Member header ids. At most one member is valid at a time. */
  headers: number[];
}

export interface SlotRef {
  slot: number;
  width: number;
  signed: boolean;
  header: number;
}

export class Layout {
  readonly headerTypes = new Map<string, HeaderTypeInfo>();
  readonly headers: HeaderInfo[] = [];
  readonly headersByName = new Map<string, HeaderInfo>();
  readonly stacks: StackInfo[] = [];
  readonly stacksByName = new Map<string, StackInfo>();
  readonly unionsByName = new Map<string, UnionInfo>();
  /** Per header id: the other members of its header union (empty when not in a union). */
  readonly siblings: number[][] = [];
  /** Initial slot values (zeros of the right representation); copied for each packet. */
  readonly template: Value[] = [];
  /** Slot base per header id (dense array). */
  readonly bases: number[] = [];
  readonly errorCodes = new Map<string, number>();
  /** Initial validity per header id: metadata is always valid. */
  readonly validTemplate: Uint8Array;
  private readonly aliases = new Map<string, FieldRef>();

  constructor(json: Bmv2Json) {
    for (const t of json.header_types ?? []) {
      const fields: FieldInfo[] = [];
      let off = 0;
      for (const f of t.fields) {
        const [name, width, signed] = f;
        if (typeof width !== "number")
          throw new LoadError(`unsupported variable-length field '${name}' in header type ${t.name}`);
        if (!Number.isInteger(width) || width <= 0)
          throw new LoadError(`bad width for field '${name}' in header type ${t.name}`);
        fields.push({ name, width, signed: signed === true, bitOffset: off });
        off += width;
      }
      this.headerTypes.set(t.name, { name: t.name, fields, width: off });
    }
    let maxId = -1;
    for (const h of json.headers ?? []) {
      const type = this.headerTypes.get(h.header_type);
      if (!type) throw new LoadError(`header ${h.name} has unknown header type ${h.header_type}`);
      if (!h.metadata && type.width % 8 !== 0)
        throw new LoadError(`header ${h.name}: width ${type.width} bits is not a whole number of bytes`);
      const info: HeaderInfo = {
        id: h.id,
        name: h.name,
        type,
        metadata: h.metadata,
        base: this.template.length,
      };
      // Wide zero arrays are shared: byte-array values are never mutated in place.
      for (const f of type.fields) this.template.push(zeroOf(f.width, f.signed));
      if (this.headersByName.has(h.name)) throw new LoadError(`duplicate header instance ${h.name}`);
      this.headersByName.set(h.name, info);
      this.headers.push(info);
      maxId = Math.max(maxId, h.id);
    }
    // Header ids index dense arrays in generated code.
    for (const h of this.headers) {
      if (!Number.isInteger(h.id) || h.id < 0 || h.id > 100_000) throw new LoadError(`bad header id ${h.id}`);
      this.bases[h.id] = h.base;
    }
    for (let i = 0; i <= maxId; i++) if (this.bases[i] === undefined) this.bases[i] = -1;
    this.validTemplate = new Uint8Array(maxId + 1);
    for (let i = 0; i <= maxId; i++) this.siblings[i] = [];
    for (const h of this.headers) if (h.metadata) this.validTemplate[h.id] = 1;
    for (const s of json.header_stacks ?? []) {
      const type = this.headerTypes.get(s.header_type);
      if (!type) throw new LoadError(`header stack ${s.name} has unknown header type ${s.header_type}`);
      for (const id of s.header_ids)
        if (this.byId(id) === undefined)
          throw new LoadError(`header stack ${s.name}: unknown header id ${id}`);
      const info: StackInfo = { index: this.stacks.length, name: s.name, type, headers: [...s.header_ids] };
      this.stacks.push(info);
      this.stacksByName.set(s.name, info);
    }
    for (const u of (json.header_unions ?? []) as Array<{ name?: string; header_ids?: number[] }>) {
      if (typeof u.name !== "string" || !Array.isArray(u.header_ids))
        throw new LoadError("malformed header union in 'header_unions'");
      for (const id of u.header_ids)
        if (this.byId(id) === undefined)
          throw new LoadError(`header union ${u.name}: unknown header id ${id}`);
      const info: UnionInfo = { name: u.name, headers: [...u.header_ids] };
      this.unionsByName.set(u.name, info);
      for (const id of u.header_ids) this.siblings[id] = u.header_ids.filter((x) => x !== id);
    }
    if ((json.header_union_stacks ?? []).length > 0)
      throw new LoadError("unsupported construct 'header_union_stacks'");
    for (const [name, value] of json.errors ?? []) this.errorCodes.set(name, value);
    for (const [alias, target] of json.field_aliases ?? []) this.aliases.set(alias, target);
  }

  get slotCount(): number {
    return this.template.length;
  }

  byId(id: number): HeaderInfo | undefined {
    return this.headers.find((h) => h.id === id);
  }

  header(name: string, where: string): HeaderInfo {
    const h = this.headersByName.get(name);
    if (!h) throw new LoadError(`unknown header instance '${name}' in ${where}`);
    return h;
  }

  union(name: string, where: string): UnionInfo {
    const u = this.unionsByName.get(name);
    if (!u) throw new LoadError(`unknown header union '${name}' in ${where}`);
    return u;
  }

  stack(name: string, where: string): StackInfo {
    const s = this.stacksByName.get(name);
    if (!s) throw new LoadError(`unknown header stack '${name}' in ${where}`);
    return s;
  }

  field(ref: unknown, where: string): SlotRef {
    if (!Array.isArray(ref) || ref.length !== 2 || typeof ref[0] !== "string" || typeof ref[1] !== "string")
      throw new LoadError(`malformed field reference in ${where}`);
    const h = this.header(ref[0], where);
    const i = h.type.fields.findIndex((f) => f.name === ref[1]);
    if (i < 0) throw new LoadError(`unknown field '${ref[0]}.${ref[1]}' in ${where}`);
    const f = h.type.fields[i]!;
    return { slot: h.base + i, width: f.width, signed: f.signed, header: h.id };
  }

  /**
   * Resolves a field simple_switch needs by its canonical name ("standard_metadata.egress_spec"),
   * following `field_aliases` first; undefined when the program has no such field.
   */
  intrinsic(canonical: string, fallback?: string): SlotRef | undefined {
    const candidates: FieldRef[] = [];
    const alias = this.aliases.get(canonical);
    if (alias) candidates.push(alias);
    const dot = canonical.indexOf(".");
    candidates.push([canonical.slice(0, dot), canonical.slice(dot + 1)]);
    if (fallback) {
      const d = fallback.indexOf(".");
      candidates.push([fallback.slice(0, d), fallback.slice(d + 1)]);
    }
    for (const [h, f] of candidates) {
      const hi = this.headersByName.get(h);
      const i = hi ? hi.type.fields.findIndex((x) => x.name === f) : -1;
      if (hi && i >= 0) {
        const fi = hi.type.fields[i]!;
        return { slot: hi.base + i, width: fi.width, signed: fi.signed, header: hi.id };
      }
    }
    return undefined;
  }

  errorCode(name: string): number {
    return this.errorCodes.get(name) ?? 0;
  }
}
