// Type and name checking: what the front end accepts, and the messages it gives otherwise.
import { describe, expect, it } from "vitest";
import { compile, compileError, prims, program } from "./helpers.js";

const ok = (ingress: string, top = "") => expect(() => compile(program(ingress, { top }))).not.toThrow();
const err = (ingress: string, re: RegExp, top = "") =>
  expect(compileError(program(ingress, { top }))).toMatch(re);

describe("widths and implicit conversions", () => {
  it("gives integer literals the width of their context", () => {
    ok("apply { hdr.h.a = 255; hdr.h.b = hdr.h.b + 1; hdr.h.c = 0xFFFFFFFF; }");
    const r = compile(program("apply { hdr.h.a = -1; }"));
    expect(prims(r, "I.act")).toEqual(["assign h.a, 0xff"]);
  });
  it("refuses mixing widths or signedness without a cast", () => {
    err("apply { hdr.h.a = hdr.h.a + hdr.h.d + hdr.h.b; }", /different types: bit<8> and bit<16>/);
    err("apply { int<8> s = 1; hdr.h.a = hdr.h.a + s; }", /different types: bit<8> and int<8>/);
    err("apply { hdr.h.b = hdr.h.a; }", /expected bit<16>, found bit<8>/);
    ok("apply { hdr.h.b = (bit<16>)hdr.h.a; }");
  });
  it("keeps bool and bit apart", () => {
    err("apply { bool b = hdr.h.a; }", /expected bool, found bit<8>/);
    err("apply { hdr.h.a = hdr.h.a && true; }", /'&&' needs bool operands, found bit<8>/);
    err("apply { if (!hdr.h.a) { } }", /'!' needs a bool operand/);
    err("apply { bool b = true; hdr.h.a = ~b; }", /'~' needs a bit<W> or int<W> operand, found bool/);
    ok("apply { bit<1> x = (bit<1>)(hdr.h.a == 1); bool y = (bool)x; }");
  });
  it("checks shifts, slices and concatenation", () => {
    err("apply { hdr.h.a = hdr.h.a << -1; }", /shift amount must be unsigned|negative shift/);
    err("apply { hdr.h.a = hdr.h.c[7:8]; }", /slice \[7:8\] is out of range/);
    ok("apply { hdr.h.c = hdr.h.b ++ hdr.h.a ++ hdr.h.d; }");
    err("apply { hdr.h.c = hdr.h.b ++ hdr.h.a; }", /expected bit<32>, found bit<24>/);
  });
  it("folds constants, including typed constants and widths from constants", () => {
    const r = compile(
      program("apply { hdr.h.c = (bit<32>)(W * 2 + 1); bit<(W / 4)> n = 3; hdr.h.a = (bit<8>)n; }", {
        top: "const bit<32> W = 16;",
      }),
    );
    expect(prims(r, "I.act")).toEqual([
      "assign h.c, 0x00000021",
      "assign scalars.n, 0x03",
      "assign h.a, scalars.n",
    ]);
    err("apply { }", /division by zero/, "const bit<8> Z = 1 / 0;");
    // constant folding stays bounded
    err("apply { }", /shift amount 100000000 is too large/, "const int S = 1 << 100000000;");
    err(
      "apply { }",
      /integer constant is too large/,
      "const int B = 1 << 4096; const int C = B * B * B * B * B * B * B * B * B * B * B * B * B * B * B * B * B;",
    );
    ok("apply { hdr.h.a = 8w1 << 100000000; }");
  });
});

describe("names", () => {
  it("resolves typedefs, enums, errors and match kinds", () => {
    ok("apply { port_t p = sm.ingress_port; sm.egress_spec = p; }", "typedef bit<9> port_t;");
    err(
      "apply { hdr.h.a = (bit<8>)Color.Purple; }",
      /enum 'Color' has no member 'Purple'/,
      "enum bit<8> Color { Red = 1 }",
    );
    err("apply { if (sm.parser_error == error.Bogus) { } }", /unknown error 'Bogus'/);
  });
  it("allows shadowing in nested blocks but not redeclaration in one scope", () => {
    ok("apply { bit<8> x = 1; { bit<8> x = 2; hdr.h.a = x; } hdr.h.d = x; }");
    err("apply { bit<8> x = 1; bit<8> x = 2; }", /duplicate declaration of 'x'/);
  });
  it("reports unknown types, actions, tables and methods", () => {
    err("apply { nope_t v; }", /unknown type 'nope_t'/);
    err("apply { nope(); }", /unknown name 'nope'/);
    err("apply { hdr.h.frob(); }", /headers have no method 'frob'/);
    err("register<bit<8>>(4) r; apply { r.frob(0); }", /extern 'register' has no method 'frob'/);
  });
});

describe("directions and arguments", () => {
  it("requires l-values for out/inout arguments of actions and externs", () => {
    err(
      "apply { random(hdr.h.a + 1, 8w0, 8w9); }",
      /argument for 'out' parameter 'result' of random must be an l-value/,
    );
    err("register<bit<8>>(4) r; apply { r.read(8w3, 0); }", /must be an l-value/);
  });
  it("refuses writes to in parameters, constants and directionless action parameters", () => {
    expect(
      compileError(
        program("apply { }").replace(
          "control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }",
          "control D(packet_out pkt, in headers_t hdr) { apply { hdr.h.a = 1; pkt.emit(hdr.h); } }",
        ),
      ),
    ).toMatch(/unsupported feature: only emit\(\) calls|cannot write to 'hdr'/);
    err("action f(in bit<8> x) { x = 2; } apply { f(1); }", /cannot write to 'x': it is an 'in' parameter/);
  });
  it("checks argument counts and types of externs", () => {
    err("apply { mark_to_drop(sm, sm); }", /expects 1 argument\(s\), got 2/);
    err("apply { hash(hdr.h.a, 3, 8w0, { hdr.h.b }, 8w10); }", /expected HashAlgorithm, found int/);
    err("counter(4, CounterType.packets) c; apply { c.count(); }", /count expects 1 argument\(s\), got 0/);
  });
  it("accepts named arguments in any order", () => {
    const r = compile(
      program("action f(in bit<8> x, in bit<8> y) { hdr.h.a = x; hdr.h.d = y; } apply { f(y = 2, x = 1); }"),
    );
    expect(r.json.actions.some((a) => a.name === "I.tbl_f" || a.name.startsWith("I.act"))).toBe(true);
  });
});
