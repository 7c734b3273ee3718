// A small declarative description of a data shape. It drives both the structural validator
// (structural.ts) and the generated JSON Schema (json-schema.ts), so the two cannot drift.

export type Spec = ObjectSpec | ArraySpec | StringSpec | IntegerSpec | FlagSpec;

export interface FieldSpec {
  spec: Spec;
  required?: boolean;
  /** Filled in when the key is absent (only for optional fields). */
  default?: unknown;
  description: string;
}

export interface ObjectSpec {
  kind: "object";
  fields: Record<string, FieldSpec>;
  /** At least this many keys (e.g. a role map with one role). */
  minProperties?: number;
}

export interface ArraySpec {
  kind: "array";
  items: Spec;
  minItems?: number;
}

export interface StringSpec {
  kind: "string";
  /** Anchored regular expression the text must match. */
  pattern?: string;
  /** What the pattern means, for error messages ("an IPv4 address a.b.c.d"). */
  expected?: string;
  minLength?: number;
  enum?: readonly string[];
}

export interface IntegerSpec {
  kind: "integer";
  minimum?: number;
  maximum?: number;
}

/** A role without parameters: `true` or `{}`. */
export interface FlagSpec {
  kind: "flag";
}

export const str = (extra: Omit<StringSpec, "kind"> = {}): StringSpec => ({ kind: "string", ...extra });
export const int = (minimum?: number, maximum?: number): IntegerSpec => ({
  kind: "integer",
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
export const arr = (items: Spec, minItems?: number): ArraySpec => ({
  kind: "array",
  items,
  ...(minItems === undefined ? {} : { minItems }),
});
export const obj = (fields: Record<string, FieldSpec>, minProperties?: number): ObjectSpec => ({
  kind: "object",
  fields,
  ...(minProperties === undefined ? {} : { minProperties }),
});
export const flag: FlagSpec = { kind: "flag" };

export function req(spec: Spec, description: string): FieldSpec {
  return { spec, required: true, description };
}

export function opt(spec: Spec, description: string, dflt?: unknown): FieldSpec {
  return dflt === undefined ? { spec, description } : { spec, description, default: dflt };
}

/** Human wording of what a spec accepts, for "expected …, found …" messages. */
export function describeSpec(spec: Spec): string {
  switch (spec.kind) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "flag":
      return "true or {}";
    case "integer":
      if (spec.minimum !== undefined && spec.maximum !== undefined)
        return `an integer ${spec.minimum}–${spec.maximum}`;
      if (spec.minimum !== undefined) return `an integer ≥ ${spec.minimum}`;
      return "an integer";
    case "string":
      if (spec.enum) return `one of ${spec.enum.map((e) => JSON.stringify(e)).join(", ")}`;
      return spec.expected ?? "a string";
  }
}
