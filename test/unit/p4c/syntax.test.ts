import { describe, expect, it } from "vitest";
import type * as A from "../../../src/p4c/ast.js";
import { lex } from "../../../src/p4c/lexer.js";
import { parseProgram } from "../../../src/p4c/parser.js";
import { exprText } from "../../../src/p4c/printer.js";

const parse = (src: string) => parseProgram(lex(src, "t.p4"));
/** Parses `const bit<8> x = EXPR;` and returns the expression, fully parenthesised. */
function paren(e: A.Expr): string {
  switch (e.kind) {
    case "binary":
      return `(${paren(e.left)} ${e.op} ${paren(e.right)})`;
    case "unary":
      return `(${e.op}${paren(e.expr)})`;
    case "ternary":
      return `(${paren(e.cond)} ? ${paren(e.then)} : ${paren(e.else)})`;
    case "cast":
      return `((cast)${paren(e.expr)})`;
    default:
      return exprText(e);
  }
}
const expr = (src: string) => {
  const d = parse(`const bit<8> x = ${src};`).decls[0] as A.ConstDecl;
  return paren(d.value);
};

describe("lexer", () => {
  it("reads width-prefixed literals and bases", () => {
    const t = lex("8w255 16s10 0x1F 0b1010 32w0xFF 1_000", "t.p4").filter((x) => x.kind === "int");
    expect(t.map((x) => [x.value, x.width, x.signed])).toEqual([
      [255n, 8, false],
      [10n, 16, true],
      [31n, undefined, undefined],
      [10n, undefined, undefined],
      [255n, 32, false],
      [1000n, undefined, undefined],
    ]);
  });
  it("tracks line and column, skipping comments", () => {
    const t = lex("a /* x\n y */ b // c\n  c", "f.p4");
    expect(t.slice(0, 3).map((x) => [x.text, x.loc.line, x.loc.col])).toEqual([
      ["a", 1, 1],
      ["b", 2, 7],
      ["c", 3, 3],
    ]);
  });
  it("keeps '>' tokens apart so nested generics close", () => {
    expect(
      lex("a>>b", "t")
        .map((x) => x.text)
        .slice(0, 4),
    ).toEqual(["a", ">", ">", "b"]);
  });
  it("reports unterminated comments and strings, and stray characters", () => {
    expect(() => lex("/* x", "t")).toThrowError(/unterminated comment/);
    expect(() => lex('"abc', "t")).toThrowError(/unterminated string/);
    expect(() => lex("a ` b", "t")).toThrowError(/unexpected character '`'/);
  });
});

describe("parser: expressions follow P4 precedence", () => {
  it("binds comparisons looser than bitwise operators (unlike C)", () => {
    expect(expr("a & b == c")).toBe("((a & b) == c)");
    expect(expr("a | b ^ c & d")).toBe("(a | (b ^ (c & d)))");
  });
  it("handles shifts, concatenation and saturating ops", () => {
    expect(expr("a << 2 + b")).toBe("(a << (2 + b))");
    expect(expr("a >> 1")).toBe("(a >> 1)");
    expect(expr("a ++ b + c")).toBe("((a ++ b) + c)");
    expect(expr("a |+| b * c")).toBe("(a |+| (b * c))");
  });
  it("handles logical operators, ternaries, unary and casts", () => {
    expect(expr("!a && b || c")).toBe("(((!a) && b) || c)");
    expect(expr("a ? b : c ? d : e")).toBe("(a ? b : (c ? d : e))");
    expect(expr("(bit<8>)a + 1")).toBe("(((cast)a) + 1)");
    expect(expr("-a * ~b")).toBe("((-a) * (~b))");
  });
  it("parses slices, indexing, members and calls with type arguments", () => {
    expect(expr("h.f[7:0]")).toBe("h.f[7:0]");
    expect(expr("s[2].f")).toBe("s[2].f");
    expect(expr("p.lookahead<bit<16>>()")).toBe("p.lookahead<bit<16>>()");
    expect(expr("a < b")).toBe("(a < b)");
  });
});

describe("parser: declarations", () => {
  it("parses headers, stacks, enums, typedefs, tables and a package instance", () => {
    const p = parse(`
      header h_t { bit<8> a; }
      struct s_t { h_t[4] hs; }
      enum bit<8> E { A = 1, B = 2 }
      enum Plain { X, Y }
      typedef bit<9> port_t;
      control C(inout s_t s) {
        action a(port_t p) { }
        table t {
          key = { s.hs[0].a : exact @name("k"); }
          actions = { a; @defaultonly NoAction; }
          const default_action = NoAction();
          const entries = { 1 : a(2); (3) : a(4); _ : NoAction(); }
          size = 16;
        }
        apply { switch (t.apply().action_run) { a: { } default: { } } }
      }
      V1Switch(P(), C()) main;`);
    expect(p.decls.map((d) => d.kind)).toEqual([
      "header",
      "struct",
      "enum",
      "enum",
      "typedef",
      "control",
      "instance",
    ]);
    const c = p.decls[5] as A.ControlDecl;
    const t = c.locals[1] as A.TableDecl;
    expect(t.properties.map((x) => `${x.isConst ? "const " : ""}${x.name}`)).toEqual([
      "key",
      "actions",
      "const default_action",
      "const entries",
      "size",
    ]);
    expect(t.properties[0]!.key![0]!.annotations[0]!.args).toEqual(["k"]);
    expect(t.properties[1]!.actions![1]!.annotations[0]!.name).toBe("defaultonly");
    expect(t.properties[3]!.entries!.length).toBe(3);
  });
  it("parses parser states with select, masks, ranges and tuples", () => {
    const p = parse(`
      parser P(packet_in b) {
        state start {
          transition select(x, y) { (1, 2 &&& 3): s1; (4 .. 5, _): s2; default: accept; }
        }
        state s1 { transition reject; }
        state s2 { transition accept; }
      }`);
    const st = (p.decls[0] as A.ParserDecl).states[0]!;
    const tr = st.transition as A.Transition & { kind: "select" };
    expect(tr.cases.map((c) => exprText(c.keyset))).toEqual(["{1, 2 &&& 3}", "{4 .. 5, default}", "default"]);
  });
  it("reports syntax errors with what was expected", () => {
    expect(() => parse("header h { bit<8> a }")).toThrowError(/expected ';' after a field, found '}'/);
    expect(() => parse("control C() { apply { x = ; } }")).toThrowError(/expected an expression, found ';'/);
    expect(() => parse("control C() { }")).toThrowError(/has no apply block/);
  });
});
