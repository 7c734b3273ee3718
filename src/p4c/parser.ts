// Recursive-descent parser for the supported P4_16 subset: tokens → AST with positions.
// Type names are tracked while parsing (as p4c's lexer does) to tell `(T) x` casts and
// `T x;` declarations from expressions.
import type * as A from "./ast.js";
import { fail, type Loc } from "./diag.js";
import type { Token } from "./lexer.js";

const KEYWORDS = new Set([
  "action",
  "apply",
  "bit",
  "bool",
  "const",
  "control",
  "default",
  "else",
  "entries",
  "enum",
  "error",
  "exit",
  "extern",
  "false",
  "header",
  "header_union",
  "if",
  "in",
  "inout",
  "int",
  "key",
  "match_kind",
  "out",
  "package",
  "parser",
  "return",
  "select",
  "state",
  "string",
  "struct",
  "switch",
  "table",
  "transition",
  "true",
  "tuple",
  "type",
  "typedef",
  "varbit",
  "void",
]);

// P4_16 binary operator precedence, lowest first (comparisons bind looser than bit operations).
const BIN_LEVELS: A.BinOp[][] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<", ">", "<=", ">="],
  ["|"],
  ["^"],
  ["&"],
  ["<<", ">>"],
  ["++", "+", "-", "|+|", "|-|"],
  ["*", "/", "%"],
];

export function parseProgram(tokens: Token[]): A.Program {
  return new Parser(tokens).program();
}

class Parser {
  private i = 0;
  private readonly typeNames = new Set<string>(["packet_in", "packet_out"]);

  constructor(private readonly toks: Token[]) {}

  // ---- token helpers ----
  private get t(): Token {
    return this.toks[this.i]!;
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private is(text: string, tok: Token = this.t): boolean {
    return (tok.kind === "punct" || tok.kind === "id") && tok.text === text;
  }
  private accept(text: string): Token | undefined {
    if (this.is(text)) return this.toks[this.i++];
    return undefined;
  }
  private expect(text: string, what?: string): Token {
    if (this.is(text)) return this.toks[this.i++]!;
    this.unexpected(`'${text}'${what ? ` ${what}` : ""}`);
  }
  private unexpected(expected: string): never {
    const t = this.t;
    const found = t.kind === "eof" ? "end of file" : t.kind === "string" ? `"${t.text}"` : `'${t.text}'`;
    fail(t.loc, `syntax error: expected ${expected}, found ${found}`);
  }
  private ident(what = "an identifier"): { name: string; loc: Loc } {
    const t = this.t;
    if (t.kind !== "id" || (KEYWORDS.has(t.text) && !this.softKeyword(t.text))) this.unexpected(what);
    this.i++;
    return { name: t.text, loc: t.loc };
  }
  /** Keywords that may still be used as names in some positions (`key`, `entries`, `apply`). */
  private softKeyword(s: string): boolean {
    return s === "key" || s === "entries" || s === "apply" || s === "state" || s === "type";
  }
  /** `>` `>` written adjacently is a right shift (the lexer keeps them apart for generics). */
  private isShr(): boolean {
    return this.is(">") && this.is(">", this.peek()) && this.peek().adjacent;
  }

  // ---- program ----
  program(): A.Program {
    const decls: A.Decl[] = [];
    while (this.t.kind !== "eof") {
      if (this.accept(";")) continue;
      decls.push(this.topDecl());
    }
    return { decls };
  }

  private annotations(): A.Annotation[] {
    const out: A.Annotation[] = [];
    while (this.is("@")) {
      const at = this.t;
      this.i++;
      const name = this.t;
      if (name.kind !== "id") this.unexpected("an annotation name");
      this.i++;
      const args: (string | bigint)[] = [];
      if (this.is("(") && this.t.adjacent) {
        this.i++;
        let depth = 0;
        let raw = "";
        while (!(depth === 0 && this.is(")"))) {
          const a = this.t;
          if (a.kind === "eof") this.unexpected("')' closing the annotation");
          if (this.is("(")) depth++;
          if (this.is(")")) depth--;
          if (a.kind === "string") args.push(a.text);
          else if (a.kind === "int") args.push(a.value!);
          else if (a.kind === "id") args.push(a.text);
          raw +=
            a.kind === "punct" && a.text === ","
              ? ", "
              : a.kind === "string"
                ? JSON.stringify(a.text)
                : a.text;
          this.i++;
        }
        this.i++;
        out.push({ name: name.text, args, raw, loc: at.loc });
        continue;
      } else if (this.is("[") && this.t.adjacent) {
        let depth = 0;
        do {
          if (this.is("[")) depth++;
          if (this.is("]")) depth--;
          this.i++;
        } while (depth > 0 && this.t.kind !== "eof");
      }
      out.push({ name: name.text, args, loc: at.loc });
    }
    return out;
  }

  private topDecl(): A.Decl {
    const annotations = this.annotations();
    const t = this.t;
    switch (t.text) {
      case "header":
      case "struct":
      case "header_union":
        return this.structLike(annotations);
      case "enum":
        return this.enumDecl(annotations);
      case "error":
      case "match_kind":
        if (this.is("{", this.peek())) return this.errorDecl();
        break;
      case "typedef":
      case "type":
        return this.typedef(annotations);
      case "const":
        return this.constDecl(annotations);
      case "extern":
        return this.externDecl(annotations);
      case "parser":
        return this.parserDecl(annotations);
      case "control":
        return this.controlDecl(annotations);
      case "package":
        return this.prototype("package_type", annotations);
      case "action":
        return this.actionDecl(annotations);
    }
    // `T(args) name;` instantiation, or a function `T name(params) { ... }`
    const type = this.typeRef();
    if (this.is("(")) return this.instance(annotations, type);
    const name = this.ident("a declaration name");
    if (this.is("<") || this.is("(")) {
      const typeParams = this.typeParams();
      const params = this.params();
      const body = this.block();
      return {
        kind: "function",
        loc: type.loc,
        annotations,
        name: name.name,
        returnType: type,
        typeParams,
        params,
        body,
      };
    }
    this.unexpected("'(' in a declaration");
  }

  private structLike(annotations: A.Annotation[]): A.StructLikeDecl {
    const kw = this.t;
    this.i++;
    const name = this.ident(`a ${kw.text} name`);
    this.typeNames.add(name.name);
    const typeParams = this.typeParams();
    this.expect("{");
    const fields: A.Field[] = [];
    while (!this.accept("}")) {
      const fa = this.annotations();
      const type = this.typeRef();
      const fname = this.ident("a field name");
      this.expect(";", "after a field");
      fields.push({ loc: type.loc, annotations: fa, type, name: fname.name });
    }
    return {
      kind: kw.text as A.StructLikeDecl["kind"],
      loc: kw.loc,
      annotations,
      name: name.name,
      typeParams,
      fields,
    };
  }

  private enumDecl(annotations: A.Annotation[]): A.EnumDecl {
    const kw = this.expect("enum");
    let underlying: A.TypeRef | undefined;
    if (!(this.t.kind === "id" && this.is("{", this.peek()))) underlying = this.typeRef();
    const name = this.ident("an enum name");
    this.typeNames.add(name.name);
    this.expect("{");
    const members: A.EnumDecl["members"] = [];
    while (!this.is("}")) {
      const m = this.ident("an enum member");
      let value: A.Expr | undefined;
      if (this.accept("=")) value = this.expr();
      members.push({ name: m.name, loc: m.loc, value });
      if (!this.accept(",")) break;
    }
    this.expect("}");
    return { kind: "enum", loc: kw.loc, annotations, name: name.name, underlying, members };
  }

  private errorDecl(): A.ErrorDecl {
    const kw = this.t;
    this.i++;
    this.expect("{");
    const members: A.ErrorDecl["members"] = [];
    while (!this.is("}")) {
      const m = this.ident("a member name");
      members.push({ name: m.name, loc: m.loc });
      if (!this.accept(",")) break;
    }
    this.expect("}");
    return { kind: kw.text as "error" | "match_kind", loc: kw.loc, members };
  }

  private typedef(annotations: A.Annotation[]): A.TypedefDecl {
    const kw = this.t;
    this.i++;
    const type = this.typeRef();
    const name = this.ident("a type name");
    this.typeNames.add(name.name);
    this.expect(";");
    return {
      kind: kw.text === "typedef" ? "typedef" : "newtype",
      loc: kw.loc,
      annotations,
      name: name.name,
      type,
    };
  }

  private constDecl(annotations: A.Annotation[]): A.ConstDecl {
    const kw = this.expect("const");
    const type = this.typeRef();
    const name = this.ident("a constant name");
    this.expect("=", "in a constant declaration");
    const value = this.expr();
    this.expect(";");
    return { kind: "const", loc: kw.loc, annotations, type, name: name.name, value };
  }

  private externDecl(annotations: A.Annotation[]): A.ExternDecl | A.ExternFunctionDecl {
    const kw = this.expect("extern");
    // extern object: `extern Name<T> { ... }`; extern function: `extern RetType name(...)`
    if (this.t.kind === "id" && (this.is("{", this.peek()) || this.is("<", this.peek()))) {
      // `extern Name<T> {` vs `extern T<..> f(`: look for '{' after the type parameters
      const save = this.i;
      const name = this.ident();
      const typeParams = this.typeParams();
      if (this.is("{")) {
        this.typeNames.add(name.name);
        this.i++;
        const methods: A.MethodDecl[] = [];
        while (!this.accept("}")) methods.push(this.method(name.name));
        return { kind: "extern", loc: kw.loc, annotations, name: name.name, typeParams, methods };
      }
      this.i = save;
    }
    const returnType = this.typeRef();
    const name = this.ident("an extern function name");
    const typeParams = this.typeParams();
    const params = this.params();
    this.expect(";");
    return {
      kind: "extern_function",
      loc: kw.loc,
      annotations,
      name: name.name,
      returnType,
      typeParams,
      params,
    };
  }

  private method(externName: string): A.MethodDecl {
    const annotations = this.annotations();
    const abstract = !!this.accept("abstract");
    const loc = this.t.loc;
    if (this.t.text === externName && this.is("(", this.peek())) {
      this.i++;
      const params = this.params();
      this.expect(";");
      return { loc, annotations, name: externName, typeParams: [], params, abstract };
    }
    const returnType = this.typeRef();
    const name = this.ident("a method name");
    const typeParams = this.typeParams();
    const params = this.params();
    this.expect(";");
    return { loc, annotations, name: name.name, returnType, typeParams, params, abstract };
  }

  private typeParams(): string[] {
    const out: string[] = [];
    if (!this.accept("<")) return out;
    do {
      const n = this.ident("a type parameter");
      out.push(n.name);
      this.typeNames.add(n.name);
    } while (this.accept(","));
    this.expect(">");
    return out;
  }

  private params(): A.Param[] {
    this.expect("(");
    const out: A.Param[] = [];
    if (this.accept(")")) return out;
    do {
      const annotations = this.annotations();
      const loc = this.t.loc;
      let direction: A.Direction = "none";
      if (this.is("in") || this.is("out") || this.is("inout")) {
        direction = this.t.text as A.Direction;
        this.i++;
      }
      const type = this.typeRef();
      const name = this.ident("a parameter name");
      let defaultValue: A.Expr | undefined;
      if (this.accept("=")) defaultValue = this.expr();
      out.push({ loc, annotations, direction, type, name: name.name, defaultValue });
    } while (this.accept(","));
    this.expect(")", "closing the parameter list");
    return out;
  }

  private prototype(kind: A.PrototypeDecl["kind"], annotations: A.Annotation[]): A.PrototypeDecl {
    const kw = this.t;
    this.i++;
    const name = this.ident();
    this.typeNames.add(name.name);
    const typeParams = this.typeParams();
    const params = this.params();
    this.expect(";");
    return { kind, loc: kw.loc, annotations, name: name.name, typeParams, params };
  }

  private parserDecl(annotations: A.Annotation[]): A.ParserDecl | A.PrototypeDecl {
    const kw = this.expect("parser");
    const name = this.ident("a parser name");
    this.typeNames.add(name.name);
    const typeParams = this.typeParams();
    const params = this.params();
    if (this.accept(";"))
      return { kind: "parser_type", loc: kw.loc, annotations, name: name.name, typeParams, params };
    const ctorParams = this.is("(") ? this.params() : [];
    this.expect("{");
    const locals: A.LocalDecl[] = [];
    const states: A.ParserState[] = [];
    while (!this.accept("}")) {
      const anns = this.annotations();
      if (this.is("state")) states.push(this.state(anns));
      else locals.push(this.localDecl(anns));
    }
    return {
      kind: "parser",
      loc: kw.loc,
      annotations,
      name: name.name,
      typeParams,
      params,
      ctorParams,
      locals,
      states,
    };
  }

  private state(annotations: A.Annotation[]): A.ParserState {
    const kw = this.expect("state");
    const name = this.ident("a state name");
    this.expect("{");
    const stmts: A.Stmt[] = [];
    let transition: A.Transition | undefined;
    while (!this.accept("}")) {
      if (this.is("transition")) {
        transition = this.transition();
        this.expect("}", "after the transition statement");
        break;
      }
      stmts.push(this.stmt());
    }
    return { loc: kw.loc, annotations, name: name.name, stmts, transition };
  }

  private transition(): A.Transition {
    const kw = this.expect("transition");
    if (this.is("select")) {
      const sel = this.t;
      this.i++;
      this.expect("(");
      const keys: A.Expr[] = [];
      if (!this.is(")")) {
        do keys.push(this.expr());
        while (this.accept(","));
      }
      this.expect(")");
      this.expect("{");
      const cases: A.SelectCase[] = [];
      while (!this.accept("}")) {
        const loc = this.t.loc;
        const keyset = this.keyset();
        this.expect(":", "after a select case");
        const target = this.ident("a state name");
        this.expect(";");
        cases.push({ loc, keyset, target: target.name, targetLoc: target.loc });
      }
      this.accept(";");
      return { kind: "select", loc: sel.loc, keys, cases };
    }
    const target = this.ident("a state name or 'select'");
    this.expect(";", "after the transition");
    return { kind: "direct", loc: kw.loc, target: target.name, targetLoc: target.loc };
  }

  /** A keyset: `default`, `_`, an expression with optional `&&&` mask or `..` range, or a tuple. */
  private keyset(): A.Expr {
    if (this.is("(") && this.tupleKeysetAhead()) {
      const loc = this.expect("(").loc;
      const items: A.Expr[] = [];
      do items.push(this.simpleKeyset());
      while (this.accept(","));
      this.expect(")");
      return { kind: "list", loc, items };
    }
    return this.simpleKeyset();
  }
  /** `(a, b)` keysets: a parenthesised list with a top-level comma. */
  private tupleKeysetAhead(): boolean {
    let depth = 0;
    for (let k = this.i; k < this.toks.length; k++) {
      const tk = this.toks[k]!;
      if (tk.kind === "eof") return false;
      if (tk.text === "(") depth++;
      else if (tk.text === ")") {
        depth--;
        if (depth === 0) return false;
      } else if (tk.text === "," && depth === 1) return true;
    }
    return false;
  }
  private simpleKeyset(): A.Expr {
    if (this.is("default") || this.is("_")) {
      const loc = this.t.loc;
      this.i++;
      return { kind: "default", loc };
    }
    const e = this.expr();
    if (this.accept("&&&")) return { kind: "mask", loc: e.loc, left: e, right: this.expr() };
    if (this.accept("..")) return { kind: "range", loc: e.loc, left: e, right: this.expr() };
    return e;
  }

  private controlDecl(annotations: A.Annotation[]): A.ControlDecl | A.PrototypeDecl {
    const kw = this.expect("control");
    const name = this.ident("a control name");
    this.typeNames.add(name.name);
    const typeParams = this.typeParams();
    const params = this.params();
    if (this.accept(";"))
      return { kind: "control_type", loc: kw.loc, annotations, name: name.name, typeParams, params };
    const ctorParams = this.is("(") ? this.params() : [];
    this.expect("{");
    const locals: A.LocalDecl[] = [];
    let apply: (A.Stmt & { kind: "block" }) | undefined;
    while (!this.accept("}")) {
      const anns = this.annotations();
      if (this.is("apply") && this.is("{", this.peek())) {
        this.i++;
        apply = this.block();
        continue;
      }
      locals.push(this.localDecl(anns));
    }
    if (!apply) fail(kw.loc, `control '${name.name}' has no apply block`);
    return {
      kind: "control",
      loc: kw.loc,
      annotations,
      name: name.name,
      typeParams,
      params,
      ctorParams,
      locals,
      apply,
    };
  }

  private localDecl(annotations: A.Annotation[]): A.LocalDecl {
    if (this.is("action")) return this.actionDecl(annotations);
    if (this.is("table")) return this.tableDecl(annotations);
    if (this.is("const")) return this.constDecl(annotations);
    if (this.is("value_set")) fail(this.t.loc, "unsupported feature: parser value_set");
    const type = this.typeRef();
    if (this.is("(")) return this.instance(annotations, type);
    const name = this.ident("a declaration name");
    let init: A.Expr | undefined;
    if (this.accept("=")) init = this.expr();
    this.expect(";", "after a variable declaration");
    return { kind: "var", loc: type.loc, annotations, type, name: name.name, init };
  }

  private instance(annotations: A.Annotation[], type: A.TypeRef): A.InstanceDecl {
    const args = this.args();
    const name = this.ident("an instance name");
    this.expect(";", "after an instantiation");
    return { kind: "instance", loc: type.loc, annotations, type, args, name: name.name };
  }

  private actionDecl(annotations: A.Annotation[]): A.ActionDecl {
    const kw = this.expect("action");
    const name = this.ident("an action name");
    const params = this.params();
    const body = this.block();
    return { kind: "action", loc: kw.loc, annotations, name: name.name, params, body };
  }

  private tableDecl(annotations: A.Annotation[]): A.TableDecl {
    const kw = this.expect("table");
    const name = this.ident("a table name");
    this.expect("{");
    const properties: A.TableProperty[] = [];
    while (!this.accept("}")) {
      const anns = this.annotations();
      const isConst = !!this.accept("const");
      const pn = this.t;
      if (pn.kind !== "id") this.unexpected("a table property");
      this.i++;
      const prop: A.TableProperty = { loc: pn.loc, name: pn.text, annotations: anns, isConst };
      this.expect("=", `after table property '${pn.text}'`);
      if (pn.text === "key") {
        this.expect("{");
        prop.key = [];
        while (!this.accept("}")) {
          const expr = this.expr();
          this.expect(":", "between a key expression and its match kind");
          const mk = this.ident("a match kind");
          const kanns = this.annotations();
          this.expect(";", "after a key element");
          prop.key.push({
            loc: expr.loc,
            annotations: kanns,
            expr,
            matchKind: mk.name,
            matchKindLoc: mk.loc,
          });
        }
      } else if (pn.text === "actions") {
        this.expect("{");
        prop.actions = [];
        while (!this.accept("}")) {
          const aanns = this.annotations();
          const n = this.ident("an action name");
          const ref: A.ActionRef = { loc: n.loc, annotations: aanns, name: n.name };
          if (this.is("(")) ref.args = this.args();
          this.expect(";", "after an action in the actions list");
          prop.actions.push(ref);
        }
      } else if (pn.text === "entries") {
        this.expect("{");
        prop.entries = [];
        while (!this.accept("}")) {
          const eanns = this.annotations();
          const loc = this.t.loc;
          let priority: A.Expr | undefined;
          if (this.is("priority") && this.is("=", this.peek())) {
            this.i += 2;
            priority = this.expr();
            this.expect(":");
          }
          const ks = this.keyset();
          this.expect(":", "after an entry's keys");
          const an = this.ident("an action name");
          const action: A.ActionRef = {
            loc: an.loc,
            annotations: [],
            name: an.name,
            args: this.is("(") ? this.args() : [],
          };
          this.expect(";", "after an entry");
          const keys = ks.kind === "list" ? ks.items : [ks];
          prop.entries.push({ loc, annotations: eanns, keys, action, priority });
        }
      } else {
        prop.value = this.expr();
        this.expect(";", `after table property '${pn.text}'`);
      }
      properties.push(prop);
    }
    return { kind: "table", loc: kw.loc, annotations, name: name.name, properties };
  }

  // ---- types ----
  private isTypeStart(tok: Token = this.t): boolean {
    if (tok.kind !== "id") return false;
    return (
      ["bit", "int", "varbit", "bool", "void", "error", "string", "tuple", "match_kind"].includes(tok.text) ||
      this.typeNames.has(tok.text)
    );
  }

  typeRef(): A.TypeRef {
    const t = this.t;
    const loc = t.loc;
    let base: A.TypeRef;
    switch (t.text) {
      case "bit":
      case "int":
      case "varbit": {
        this.i++;
        if (this.accept("<")) {
          const width = this.is("(") ? this.primary() : this.widthExpr();
          this.expect(">", `closing ${t.text}<...>`);
          base = { kind: t.text, loc, width } as A.TypeRef;
        } else if (t.text === "bit") base = { kind: "bit", loc, width: { kind: "int", loc, value: 1n } };
        else if (t.text === "int") base = { kind: "int", loc };
        else this.unexpected("'<' after varbit");
        break;
      }
      case "bool":
      case "void":
      case "error":
      case "string":
      case "match_kind":
        this.i++;
        base = { kind: t.text, loc } as A.TypeRef;
        break;
      case "_":
        this.i++;
        base = { kind: "dontcare", loc };
        break;
      case "tuple": {
        this.i++;
        this.expect("<");
        const items: A.TypeRef[] = [];
        do items.push(this.typeRef());
        while (this.accept(","));
        this.expect(">");
        base = { kind: "tuple", loc, items };
        break;
      }
      default: {
        if (t.kind !== "id" || KEYWORDS.has(t.text)) this.unexpected("a type");
        this.i++;
        let name = t.text;
        if (this.is(".") && this.peek().kind === "id") {
          this.i++;
          name = `${name}.${this.t.text}`;
          this.i++;
        }
        const args: A.TypeRef[] = [];
        if (this.is("<")) {
          this.i++;
          do args.push(this.typeRef());
          while (this.accept(","));
          this.expectCloseAngle();
        }
        base = { kind: "named", loc, name, args };
      }
    }
    while (this.is("[") && !this.is("]", this.peek())) {
      this.i++;
      const size = this.expr();
      this.expect("]");
      base = { kind: "stack", loc, elem: base, size };
    }
    return base;
  }
  /** Width inside `bit<...>`: a literal or a (constant) name; parenthesised for expressions. */
  private widthExpr(): A.Expr {
    const t = this.t;
    if (t.kind === "int") {
      this.i++;
      return { kind: "int", loc: t.loc, value: t.value!, width: t.width, signed: t.signed };
    }
    const n = this.ident("a width");
    return { kind: "name", loc: n.loc, name: n.name };
  }
  private expectCloseAngle(): void {
    this.expect(">", "closing the type arguments");
  }

  // ---- statements ----
  block(): A.Stmt & { kind: "block" } {
    const open = this.expect("{");
    const stmts: A.Stmt[] = [];
    while (!this.accept("}")) {
      if (this.t.kind === "eof") this.unexpected("'}'");
      stmts.push(this.stmt());
    }
    return { kind: "block", loc: open.loc, stmts };
  }

  stmt(): A.Stmt {
    const annotations = this.annotations();
    const t = this.t;
    const loc = t.loc;
    if (this.is("{")) return this.block();
    if (this.accept(";")) return { kind: "empty", loc };
    if (t.kind === "id") {
      switch (t.text) {
        case "if": {
          this.i++;
          this.expect("(", "after 'if'");
          const cond = this.expr();
          this.expect(")", "closing the if condition");
          const then = this.stmt();
          const els = this.accept("else") ? this.stmt() : undefined;
          return { kind: "if", loc, cond, then, else: els };
        }
        case "return": {
          this.i++;
          const value = this.is(";") ? undefined : this.expr();
          this.expect(";", "after return");
          return { kind: "return", loc, value };
        }
        case "exit":
          this.i++;
          this.expect(";", "after exit");
          return { kind: "exit", loc };
        case "switch":
          return this.switchStmt();
        case "const":
          return { kind: "const", loc, decl: this.constDecl(annotations) };
        case "for":
        case "while":
        case "do":
          fail(loc, `unsupported feature: '${t.text}' loops`);
      }
      if (this.isDeclStart()) {
        const type = this.typeRef();
        const name = this.ident("a variable name");
        let init: A.Expr | undefined;
        if (this.accept("=")) init = this.expr();
        this.expect(";", "after a variable declaration");
        return { kind: "var", loc, decl: { kind: "var", loc, annotations, type, name: name.name, init } };
      }
    }
    const lhs = this.expr();
    if (this.accept("=")) {
      const rhs = this.expr();
      this.expect(";", "after an assignment");
      return { kind: "assign", loc, lhs, rhs };
    }
    const compound = ["+=", "-=", "*=", "&=", "|=", "^="].find((op) => this.is(op));
    if (compound) {
      const opTok = this.t;
      this.i++;
      const rhs = this.expr();
      this.expect(";", "after an assignment");
      const op = compound.slice(0, 1) as A.BinOp;
      return { kind: "assign", loc, lhs, rhs: { kind: "binary", loc: opTok.loc, op, left: lhs, right: rhs } };
    }
    if (lhs.kind === "call") {
      this.expect(";", "after a method call");
      return { kind: "call", loc, call: lhs };
    }
    this.unexpected("'=' or '(' in a statement");
  }

  /** A statement starting with a type followed by a name declares a variable. */
  private isDeclStart(): boolean {
    const t = this.t;
    if (["bit", "int", "varbit", "bool", "tuple"].includes(t.text)) return true;
    const n = this.peek();
    // `T x` where T is not (yet) known as a type is still a declaration: the checker reports T
    if (t.kind === "id" && !KEYWORDS.has(t.text) && n.kind === "id" && !KEYWORDS.has(n.text)) return true;
    if (!this.isTypeStart(t)) return false;
    if (n.kind === "id") return true;
    if (this.is("<", n) || (this.is("[", n) && !this.is("]", this.peek(2)))) {
      // `T<..> x` or `T[N] x`: scan to the matching close and check for a name
      let depth = 0;
      for (let k = this.i + 1; k < this.toks.length; k++) {
        const tk = this.toks[k]!;
        if (tk.text === "<" || tk.text === "[") depth++;
        else if (tk.text === ">" || tk.text === "]") {
          depth--;
          if (depth === 0) return this.toks[k + 1]?.kind === "id";
        } else if (tk.text === ";" || tk.kind === "eof") return false;
      }
    }
    return false;
  }

  private switchStmt(): A.Stmt {
    const kw = this.expect("switch");
    this.expect("(");
    const expr = this.expr();
    this.expect(")");
    this.expect("{");
    const cases: A.SwitchCase[] = [];
    while (!this.accept("}")) {
      const loc = this.t.loc;
      let label: A.Expr;
      if (this.is("default")) {
        this.i++;
        label = { kind: "default", loc };
      } else label = this.expr();
      this.expect(":", "after a switch label");
      const body = this.is("{") ? this.block() : undefined;
      cases.push({ loc, label, body });
    }
    return { kind: "switch", loc: kw.loc, expr, cases };
  }

  // ---- expressions ----
  private args(): A.Arg[] {
    this.expect("(");
    const out: A.Arg[] = [];
    if (this.accept(")")) return out;
    do {
      const loc = this.t.loc;
      if (this.t.kind === "id" && this.is("=", this.peek()) && !this.is("==", this.peek())) {
        const name = this.t.text;
        this.i += 2;
        out.push({ name, value: this.expr(), loc });
      } else if (this.is("_") && (this.is(",", this.peek()) || this.is(")", this.peek()))) {
        this.i++;
        out.push({ value: { kind: "default", loc }, loc });
      } else out.push({ value: this.expr(), loc });
    } while (this.accept(","));
    this.expect(")", "closing the argument list");
    return out;
  }

  expr(): A.Expr {
    const cond = this.binary(0);
    if (this.accept("?")) {
      const then = this.expr();
      this.expect(":", "in a conditional expression");
      const els = this.expr();
      return { kind: "ternary", loc: cond.loc, cond, then, else: els };
    }
    return cond;
  }

  private binOpHere(level: number): A.BinOp | undefined {
    const ops = BIN_LEVELS[level]!;
    if (ops.includes(">>") && this.isShr()) return ">>";
    const t = this.t;
    if (t.kind !== "punct") return undefined;
    if (t.text === ">" && this.isShr()) return undefined;
    return ops.find((o) => o === t.text);
  }

  private binary(level: number): A.Expr {
    if (level >= BIN_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.binOpHere(level);
      if (!op) return left;
      const opTok = this.t;
      this.i += op === ">>" ? 2 : 1;
      const right = this.binary(level + 1);
      left = { kind: "binary", loc: opTok.loc, op, left, right };
    }
  }

  private unary(): A.Expr {
    const t = this.t;
    if (t.kind === "punct" && (t.text === "!" || t.text === "~" || t.text === "-" || t.text === "+")) {
      this.i++;
      const e = this.unary();
      return { kind: "unary", loc: t.loc, op: t.text, expr: e };
    }
    if (this.is("(") && this.castAhead()) {
      this.i++;
      const type = this.typeRef();
      this.expect(")");
      const e = this.unary();
      return { kind: "cast", loc: t.loc, type, expr: e };
    }
    return this.postfix(this.primary());
  }

  /** `(` type `)` followed by an operand is a cast. */
  private castAhead(): boolean {
    const n = this.peek();
    if (["bit", "int", "bool", "varbit"].includes(n.text) && n.kind === "id") return true;
    if (n.kind === "id" && this.typeNames.has(n.text)) {
      const after = this.peek(2);
      if (after.text === ")" || after.text === "<") {
        const op = after.text === ")" ? this.peek(3) : undefined;
        if (!op) return true;
        return op.kind !== "punct" || ["(", "!", "~", "-", "+"].includes(op.text);
      }
    }
    return false;
  }

  private primary(): A.Expr {
    const t = this.t;
    const loc = t.loc;
    switch (t.kind) {
      case "int":
        this.i++;
        return { kind: "int", loc, value: t.value!, width: t.width, signed: t.signed, text: t.text };
      case "string":
        this.i++;
        return { kind: "string", loc, value: t.text };
      case "eof":
        this.unexpected("an expression");
    }
    if (this.accept("(")) {
      const e = this.expr();
      this.expect(")", "closing the parenthesis");
      return e;
    }
    if (this.is("{")) {
      this.i++;
      const items: A.Expr[] = [];
      if (!this.is("}")) {
        do {
          if (this.is("}")) break;
          items.push(this.expr());
        } while (this.accept(","));
      }
      this.expect("}", "closing the list expression");
      return { kind: "list", loc, items };
    }
    if (this.is(".") && this.peek().kind === "id") {
      this.i++;
      const n = this.ident();
      return { kind: "name", loc, name: n.name, global: true };
    }
    if (t.kind === "id") {
      if (t.text === "true" || t.text === "false") {
        this.i++;
        return { kind: "bool", loc, value: t.text === "true" };
      }
      if (["bit", "int", "bool", "varbit"].includes(t.text)) {
        return { kind: "typeName", loc, type: this.typeRef() };
      }
      if (t.text === "error" || t.text === "default" || !KEYWORDS.has(t.text) || this.softKeyword(t.text)) {
        this.i++;
        return { kind: "name", loc, name: t.text };
      }
    }
    this.unexpected("an expression");
  }

  private postfix(e: A.Expr): A.Expr {
    for (;;) {
      if (this.is(".")) {
        this.i++;
        const n = this.t;
        if (n.kind !== "id") this.unexpected("a member name after '.'");
        this.i++;
        e = { kind: "member", loc: n.loc, expr: e, name: n.text };
        continue;
      }
      if (this.is("[")) {
        const open = this.t;
        this.i++;
        const first = this.expr();
        if (this.accept(":")) {
          const lo = this.expr();
          this.expect("]");
          e = { kind: "slice", loc: open.loc, expr: e, hi: first, lo };
        } else {
          this.expect("]");
          e = { kind: "index", loc: open.loc, expr: e, index: first };
        }
        continue;
      }
      if (this.is("<") && (e.kind === "name" || e.kind === "member")) {
        const save = this.i;
        const typeArgs = this.tryTypeArgs();
        if (typeArgs && this.is("(")) {
          e = { kind: "call", loc: e.loc, callee: e, typeArgs, args: this.args() };
          continue;
        }
        this.i = save;
        return e;
      }
      if (this.is("(")) {
        e = { kind: "call", loc: e.loc, callee: e, typeArgs: [], args: this.args() };
        continue;
      }
      return e;
    }
  }

  /** Speculatively parse `<T, ...>` as type arguments; undefined if it is not one. */
  private tryTypeArgs(): A.TypeRef[] | undefined {
    const save = this.i;
    try {
      this.expect("<");
      const out: A.TypeRef[] = [];
      do {
        if (!this.isTypeStart() && !this.is("_")) throw new Error("not a type");
        out.push(this.typeRef());
      } while (this.accept(","));
      this.expect(">");
      return out;
    } catch {
      this.i = save;
      return undefined;
    }
  }
}
