// Symbols, lexical scopes and the values expressions lower to.
import type * as A from "./ast.js";
import type { TV } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";
import type { Type } from "./types.js";

/** What an expression denotes once lowered. */
export type Val =
  | { v: "const"; t: Type; n: bigint } // compile-time value (bool as 0/1, enums/errors by code)
  | { v: "field"; t: Type; h: string; f: string } // a scalar stored in a BMv2 field
  | { v: "expr"; t: Type; j: TV } // computed expression tree
  | { v: "runtime"; t: Type; i: number; name: string } // action parameter supplied by the control plane
  | { v: "header"; t: Type; name: string }
  | { v: "stack"; t: Type; name: string; elems: string[] }
  // a stack element chosen at run time (`hs[i]`): `j` is a dereference_header_stack tree
  | { v: "dynheader"; t: Type; j: TV }
  // a field of such an element: `j` is an access_field tree (readable and assignable)
  | { v: "dynfield"; t: Type; j: TV }
  | { v: "struct"; t: Type; fields: Map<string, Val> }
  | { v: "list"; t: Type; items: Val[] }
  | { v: "string"; t: Type; s: string };

/** How a name may be used: decides l-value checks and error messages. */
export type Access = "in" | "out" | "inout" | "local" | "const" | "runtime";

export type Sym =
  | { s: "val"; name: string; val: Val; access: Access; loc: Loc }
  | { s: "type"; name: string; t: Type; loc: Loc }
  | { s: "action"; name: string; decl: A.ActionDecl; fq: string; scope: Scope; loc: Loc }
  | { s: "table"; name: string; decl: A.TableDecl; fq: string; scope: Scope; loc: Loc }
  | { s: "instance"; name: string; t: Type; fq: string; decl: A.InstanceDecl; loc: Loc }
  | { s: "extern_fn"; name: string; decls: A.ExternFunctionDecl[]; loc: Loc }
  | { s: "packet"; name: string; dir: "in" | "out"; loc: Loc }
  | { s: "block"; name: string; decl: A.ParserDecl | A.ControlDecl; loc: Loc }
  | { s: "prototype"; name: string; decl: A.PrototypeDecl; loc: Loc }
  | { s: "function"; name: string; decl: A.FunctionDecl; loc: Loc }
  | { s: "state"; name: string; loc: Loc };

export class Scope {
  private readonly syms = new Map<string, Sym>();
  constructor(readonly parent?: Scope) {}

  declare(sym: Sym): void {
    const prev = this.syms.get(sym.name);
    if (prev) {
      // extern functions may be overloaded by arity (e.g. log_msg)
      if (prev.s === "extern_fn" && sym.s === "extern_fn") {
        prev.decls.push(...sym.decls);
        return;
      }
      const at =
        prev.loc.line > 0
          ? ` (previous declaration at ${prev.loc.file}:${prev.loc.line}:${prev.loc.col})`
          : "";
      fail(sym.loc, `duplicate declaration of '${sym.name}'${at}`);
    }
    this.syms.set(sym.name, sym);
  }

  lookup(name: string): Sym | undefined {
    return this.syms.get(name) ?? this.parent?.lookup(name);
  }

  lookupLocal(name: string): Sym | undefined {
    return this.syms.get(name);
  }

  root(): Scope {
    return this.parent ? this.parent.root() : this;
  }
}
