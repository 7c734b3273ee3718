// AST for the supported P4_16 subset. Every node carries the location of its first token.
import type { Loc } from "./diag.js";

export interface Annotation {
  name: string;
  /** Raw argument tokens' texts; string args keep their content. */
  args: (string | bigint)[];
  /** The argument tokens as written (strings quoted), e.g. `"unused"` or `1, 2`. */
  raw?: string;
  loc: Loc;
}

// ---- types as written ------------------------------------------------------------------
export type TypeRef =
  | { kind: "bit"; loc: Loc; width: Expr }
  | { kind: "int"; loc: Loc; width?: Expr } // no width: arbitrary-precision int
  | { kind: "varbit"; loc: Loc; width: Expr }
  | { kind: "bool"; loc: Loc }
  | { kind: "void"; loc: Loc }
  | { kind: "error"; loc: Loc }
  | { kind: "string"; loc: Loc }
  | { kind: "match_kind"; loc: Loc }
  | { kind: "dontcare"; loc: Loc }
  | { kind: "named"; loc: Loc; name: string; args: TypeRef[] }
  | { kind: "stack"; loc: Loc; elem: TypeRef; size: Expr }
  | { kind: "tuple"; loc: Loc; items: TypeRef[] };

// ---- expressions -------------------------------------------------------------------------
export type BinOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "|+|"
  | "|-|"
  | "<<"
  | ">>"
  | "&"
  | "|"
  | "^"
  | "&&"
  | "||"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "++";

export type Expr =
  | { kind: "int"; loc: Loc; value: bigint; width?: number; signed?: boolean; text?: string }
  | { kind: "bool"; loc: Loc; value: boolean }
  | { kind: "string"; loc: Loc; value: string }
  | { kind: "name"; loc: Loc; name: string; global?: boolean }
  | { kind: "member"; loc: Loc; expr: Expr; name: string }
  | { kind: "index"; loc: Loc; expr: Expr; index: Expr }
  | { kind: "slice"; loc: Loc; expr: Expr; hi: Expr; lo: Expr }
  | { kind: "call"; loc: Loc; callee: Expr; typeArgs: TypeRef[]; args: Arg[] }
  | { kind: "unary"; loc: Loc; op: "!" | "~" | "-" | "+"; expr: Expr }
  | { kind: "binary"; loc: Loc; op: BinOp; left: Expr; right: Expr }
  | { kind: "ternary"; loc: Loc; cond: Expr; then: Expr; else: Expr }
  | { kind: "cast"; loc: Loc; type: TypeRef; expr: Expr }
  | { kind: "list"; loc: Loc; items: Expr[] }
  | { kind: "mask"; loc: Loc; left: Expr; right: Expr }
  | { kind: "range"; loc: Loc; left: Expr; right: Expr }
  | { kind: "default"; loc: Loc }
  | { kind: "typeName"; loc: Loc; type: TypeRef }; // e.g. `bit<8>` as a type argument in a call

export interface Arg {
  name?: string; // named argument `f(x = 1)`
  value: Expr;
  loc: Loc;
}

// ---- statements ----------------------------------------------------------------------------
export type Stmt =
  | { kind: "assign"; loc: Loc; lhs: Expr; rhs: Expr }
  | { kind: "call"; loc: Loc; call: Expr & { kind: "call" } }
  | { kind: "if"; loc: Loc; cond: Expr; then: Stmt; else?: Stmt }
  | { kind: "block"; loc: Loc; stmts: Stmt[] }
  | { kind: "switch"; loc: Loc; expr: Expr; cases: SwitchCase[] }
  | { kind: "return"; loc: Loc; value?: Expr }
  | { kind: "exit"; loc: Loc }
  | { kind: "var"; loc: Loc; decl: VarDecl }
  | { kind: "const"; loc: Loc; decl: ConstDecl }
  | { kind: "empty"; loc: Loc };

export interface SwitchCase {
  loc: Loc;
  label: Expr; // a name, or {kind:"default"}
  body?: Stmt & { kind: "block" }; // absent: falls through to the next case
}

// ---- declarations ----------------------------------------------------------------------------
export type Direction = "in" | "out" | "inout" | "none";

export interface Param {
  loc: Loc;
  annotations: Annotation[];
  direction: Direction;
  type: TypeRef;
  name: string;
  defaultValue?: Expr;
}

export interface Field {
  loc: Loc;
  annotations: Annotation[];
  type: TypeRef;
  name: string;
}

export interface VarDecl {
  kind: "var";
  loc: Loc;
  annotations: Annotation[];
  type: TypeRef;
  name: string;
  init?: Expr;
}

export interface ConstDecl {
  kind: "const";
  loc: Loc;
  annotations: Annotation[];
  type: TypeRef;
  name: string;
  value: Expr;
}

export interface StructLikeDecl {
  kind: "header" | "struct" | "header_union";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  typeParams: string[];
  fields: Field[];
}

export interface EnumDecl {
  kind: "enum";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  underlying?: TypeRef;
  members: { name: string; loc: Loc; value?: Expr }[];
}

export interface ErrorDecl {
  kind: "error" | "match_kind";
  loc: Loc;
  members: { name: string; loc: Loc }[];
}

export interface TypedefDecl {
  kind: "typedef" | "newtype";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  type: TypeRef;
}

export interface MethodDecl {
  loc: Loc;
  annotations: Annotation[];
  name: string;
  returnType?: TypeRef; // absent for constructors
  typeParams: string[];
  params: Param[];
  abstract: boolean;
}

export interface ExternDecl {
  kind: "extern";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  typeParams: string[];
  methods: MethodDecl[];
}

export interface ExternFunctionDecl {
  kind: "extern_function";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  returnType: TypeRef;
  typeParams: string[];
  params: Param[];
}

/** `parser P<H>(...);`, `control C<H>(...);`, `package Pkg<H>(...);` */
export interface PrototypeDecl {
  kind: "parser_type" | "control_type" | "package_type";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  typeParams: string[];
  params: Param[];
}

export interface ActionDecl {
  kind: "action";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  params: Param[];
  body: Stmt & { kind: "block" };
}

export interface KeyElement {
  loc: Loc;
  annotations: Annotation[];
  expr: Expr;
  matchKind: string;
  matchKindLoc: Loc;
}

export interface ActionRef {
  loc: Loc;
  annotations: Annotation[];
  name: string;
  args?: Arg[];
}

export interface EntryDecl {
  loc: Loc;
  annotations: Annotation[];
  keys: Expr[]; // one per key element (a single list expression is unpacked)
  action: ActionRef;
  priority?: Expr;
}

export interface TableProperty {
  loc: Loc;
  name: string;
  annotations: Annotation[];
  isConst: boolean;
  key?: KeyElement[];
  actions?: ActionRef[];
  entries?: EntryDecl[];
  value?: Expr; // default_action (a call or name), size, other properties
}

export interface TableDecl {
  kind: "table";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  properties: TableProperty[];
}

export interface InstanceDecl {
  kind: "instance";
  loc: Loc;
  annotations: Annotation[];
  type: TypeRef;
  args: Arg[];
  name: string;
}

export interface ValueSetDecl {
  kind: "value_set";
  loc: Loc;
  annotations: Annotation[];
  name: string;
}

export type Transition =
  | { kind: "direct"; loc: Loc; target: string; targetLoc: Loc }
  | { kind: "select"; loc: Loc; keys: Expr[]; cases: SelectCase[] };

export interface SelectCase {
  loc: Loc;
  keyset: Expr; // list for tuples, default, mask, range, value
  target: string;
  targetLoc: Loc;
}

export interface ParserState {
  loc: Loc;
  annotations: Annotation[];
  name: string;
  stmts: Stmt[];
  transition?: Transition;
}

export type LocalDecl = VarDecl | ConstDecl | ActionDecl | TableDecl | InstanceDecl | ValueSetDecl;

export interface ParserDecl {
  kind: "parser";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  typeParams: string[];
  params: Param[];
  ctorParams: Param[];
  locals: LocalDecl[];
  states: ParserState[];
}

export interface ControlDecl {
  kind: "control";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  typeParams: string[];
  params: Param[];
  ctorParams: Param[];
  locals: LocalDecl[];
  apply: Stmt & { kind: "block" };
}

export interface FunctionDecl {
  kind: "function";
  loc: Loc;
  annotations: Annotation[];
  name: string;
  returnType: TypeRef;
  typeParams: string[];
  params: Param[];
  body: Stmt & { kind: "block" };
}

export type Decl =
  | StructLikeDecl
  | EnumDecl
  | ErrorDecl
  | TypedefDecl
  | ConstDecl
  | ExternDecl
  | ExternFunctionDecl
  | PrototypeDecl
  | ActionDecl
  | ParserDecl
  | ControlDecl
  | InstanceDecl
  | FunctionDecl;

export interface Program {
  decls: Decl[];
}

export function annotation(anns: Annotation[], name: string): Annotation | undefined {
  return anns.find((a) => a.name === name);
}
