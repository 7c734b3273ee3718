// Resolved P4 types and the compatibility rules the checker applies.
import type * as A from "./ast.js";

export interface FieldType {
  name: string;
  type: Type;
  annotations: A.Annotation[];
}

export type Type =
  | { k: "bit"; w: number }
  | { k: "int"; w: number }
  | { k: "varbit"; w: number }
  | { k: "intlit" } // arbitrary-precision integer (literals, `int` constants)
  | { k: "bool" }
  | { k: "string" }
  | { k: "void" }
  | { k: "error" }
  | { k: "match_kind" }
  | { k: "dontcare" }
  | { k: "struct" | "header" | "union"; name: string; fields: FieldType[]; decl: A.StructLikeDecl }
  | { k: "stack"; elem: Type; size: number }
  | {
      k: "enum";
      name: string;
      members: string[];
      underlying?: Type;
      values: Map<string, bigint>;
      builtin: boolean;
    }
  | { k: "tuple"; items: Type[] }
  | { k: "typevar"; name: string }
  | { k: "extern"; name: string; decl: A.ExternDecl; args: Map<string, Type> }
  | { k: "parser" | "control" | "package"; name: string; params: A.Param[] }
  | { k: "table"; name: string }
  | { k: "action"; name: string }
  | { k: "list"; items: Type[] }; // type of `{a, b}` before it meets its target

export const BOOL: Type = { k: "bool" };
export const INTLIT: Type = { k: "intlit" };
export const VOID: Type = { k: "void" };
export const ERROR: Type = { k: "error" };
export const bit = (w: number): Type => ({ k: "bit", w });

export function typeToString(t: Type): string {
  switch (t.k) {
    case "bit":
      return `bit<${t.w}>`;
    case "int":
      return `int<${t.w}>`;
    case "varbit":
      return `varbit<${t.w}>`;
    case "intlit":
      return "int";
    case "struct":
    case "header":
    case "union":
    case "enum":
    case "extern":
    case "parser":
    case "control":
    case "package":
      return t.name;
    case "stack":
      return `${typeToString(t.elem)}[${t.size}]`;
    case "tuple":
      return `tuple<${t.items.map(typeToString).join(", ")}>`;
    case "list":
      return `{${t.items.map(typeToString).join(", ")}}`;
    case "typevar":
      return t.name;
    case "table":
      return `table ${t.name}`;
    case "action":
      return `action ${t.name}`;
    default:
      return t.k;
  }
}

export function sameType(a: Type, b: Type): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "bit":
    case "int":
    case "varbit":
      return a.w === (b as typeof a).w;
    case "struct":
    case "header":
    case "union":
      return a.decl === (b as typeof a).decl;
    case "enum":
    case "extern":
      return a.name === (b as typeof a).name;
    case "stack":
      return a.size === (b as typeof a).size && sameType(a.elem, (b as typeof a).elem);
    case "tuple":
    case "list": {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => sameType(x, bi[i]!));
    }
    default:
      return true;
  }
}

/** Width in bits of a type that has a fixed-size representation (fields, keys, params). */
export function widthOf(t: Type): number | undefined {
  switch (t.k) {
    case "bit":
    case "int":
    case "varbit":
      return t.w;
    case "bool":
      return 1;
    case "error":
      return 32;
    case "enum":
      return t.underlying ? widthOf(t.underlying) : 32;
    case "header":
    case "struct": {
      let w = 0;
      for (const f of t.fields) {
        const fw = widthOf(f.type);
        if (fw === undefined) return undefined;
        w += fw;
      }
      return w;
    }
    default:
      return undefined;
  }
}

/** Scalar types are stored in one BMv2 field. */
export function isScalar(t: Type): boolean {
  return (
    t.k === "bit" || t.k === "int" || t.k === "bool" || t.k === "error" || t.k === "enum" || t.k === "varbit"
  );
}

export function isNumeric(t: Type): boolean {
  return t.k === "bit" || t.k === "int" || t.k === "intlit";
}

export const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;

/** Value of `v` reduced to the representation of a fixed-width type (two's complement for int<W>). */
export function wrap(v: bigint, t: Type): bigint {
  if (t.k === "bit") return v & mask(t.w);
  if (t.k === "int") {
    const m = v & mask(t.w);
    return m >= 1n << BigInt(t.w - 1) ? m - (1n << BigInt(t.w)) : m;
  }
  return v;
}
