// Lowering of statements, expressions and control flow to BMv2 JSON.
import { describe, expect, it } from "vitest";
import type { TableJson } from "../../../src/p4c/bmv2-json.js";
import { checkBmv2 } from "./bmv2-check.js";
import { compile, compileError, prims, program, show } from "./helpers.js";

const table = (r: ReturnType<typeof compile>, name: string): TableJson => {
  for (const p of r.json.pipelines) for (const t of p.tables) if (t.name === name) return t;
  throw new Error(`no table ${name}`);
};

describe("expressions", () => {
  it("wraps arithmetic to the width and folds constants", () => {
    const r = compile(
      program(
        "apply { hdr.h.a = hdr.h.a + 1; hdr.h.b = (2 + 3) * 4; hdr.h.c = ~hdr.h.c; hdr.h.d = -hdr.h.d; }",
      ),
    );
    expect(prims(r, "I.act")).toEqual([
      "assign h.a, ((h.a + 0x1) & 0xff)",
      "assign h.b, 0x0014",
      "assign h.c, ((~ h.c) & 0xffffffff)",
      "assign h.d, ((0x0 - h.d) & 0xff)",
    ]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("lowers slices, concatenation, casts and shifts", () => {
    const r = compile(
      program(
        "apply { hdr.h.b = hdr.h.a ++ hdr.h.d; hdr.h.a = hdr.h.c[15:8]; hdr.h.c = (bit<32>)hdr.h.b << 4; }",
      ),
    );
    expect(prims(r, "I.act")).toEqual([
      "assign h.b, (((h.a << 0x8) & 0xffff) | h.d)",
      "assign h.a, ((h.c >> 0x8) & 0xff)",
      "assign h.c, ((h.b << 0x4) & 0xffffffff)",
    ]);
  });
  it("writes a slice by read-modify-write", () => {
    const r = compile(program("apply { hdr.h.b[11:4] = hdr.h.a; }"));
    expect(prims(r, "I.act")).toEqual(["assign h.b, (((h.b & 0xf00f) | ((h.a & 0xff) << 0x4)) & 0xffff)"]);
  });
  it("converts between bool and bit<1> with b2d/d2b, and stores bools as data", () => {
    const r = compile(
      program("apply { meta.flag = hdr.h.a == 3; if (meta.flag) { hdr.h.d = (bit<8>)(bit<1>)meta.flag; } }"),
    );
    expect(prims(r, "I.act")).toEqual(["assign scalars.userMetadata.flag, (b2d (h.a == 0x3))"]);
    const cond = r.json.pipelines[0]!.conditionals[0]!;
    expect(show(cond.expression)).toBe("(d2b scalars.userMetadata.flag)");
  });
  it("lowers the ternary operator with a condition", () => {
    const r = compile(program("apply { hdr.h.a = hdr.h.b > 5 ? hdr.h.d : 8w7; }"));
    expect(prims(r, "I.act")).toEqual(["assign h.a, ((h.b > 0x5) ? h.d : 0x7)"]);
  });
  it("resolves enum members, serializable enum casts and errors", () => {
    const r = compile(
      program(
        "apply { Kind k = Kind.B; hdr.h.a = (bit<8>)k; if (sm.parser_error == error.NoMatch) { hdr.h.d = 1; } }",
        {
          top: "enum bit<8> Kind { A = 10, B = 20 }",
        },
      ),
    );
    expect(prims(r, "I.act")).toEqual(["assign scalars.k, 0x14", "assign h.a, scalars.k"]);
    expect(show(r.json.pipelines[0]!.conditionals[0]!.expression)).toBe(
      "(standard_metadata.parser_error == 0x2)",
    );
    expect(r.json.enums).toEqual([
      {
        name: "Kind",
        entries: [
          ["A", 10],
          ["B", 20],
        ],
      },
    ]);
  });
  it("gives literal branches the width of the assignment and divides by powers of two with shifts", () => {
    const r = compile(
      program("apply { hdr.h.a = hdr.h.b == 1 ? 3 : 4; hdr.h.c = hdr.h.c / 8; hdr.h.d = hdr.h.d % 4; }"),
    );
    expect(prims(r, "I.act")).toEqual([
      "assign h.a, ((h.b == 0x1) ? 0x3 : 0x4)",
      "assign h.c, (h.c >> 0x3)",
      "assign h.d, (h.d & 0x3)",
    ]);
    expect(compileError(program("apply { hdr.h.d = hdr.h.d / hdr.h.a; }"))).toMatch(
      /only by a constant power of two/,
    );
  });
  it("checks parsers and controls that main does not use", () => {
    const src = program("apply { }", {
      top: "control Unused(inout headers_t h) { apply { h.h.a = h.h.zz; } }",
    });
    expect(compileError(src)).toMatch(/t.p4:\d+:\d+: error: header h_t has no field 'zz'/);
  });
  it("checks actions that no table uses, in controls and at top level", () => {
    expect(compileError(program("action unused() { hdr.h.a = hdr.h.nope; }\n apply { }"))).toMatch(
      /has no field 'nope'/,
    );
    expect(compileError(program("apply { }", { top: "action g(inout bit<8> x) { x = y; }" }))).toMatch(
      /unknown name 'y'/,
    );
    expect(
      compileError(
        program("Sub() s; apply { }", {
          top: "control Sub(inout headers_t h) { action a() { h.h.a = 1w1; } apply { } }",
        }),
      ),
    ).toMatch(/expected bit<8>, found bit<1>/);
  });
  it("refuses integer expressions of unknown width at run time", () => {
    expect(compileError(program("apply { hdr.h.a = (bit<8>)(hdr.h.a == 1 ? 1 : 2); }"))).toMatch(
      /need a known width/,
    );
  });
});

describe("actions", () => {
  it("maps directionless parameters to runtime data and uses `local` inside expressions", () => {
    const r = compile(
      program(`action set(bit<8> v, bit<9> port) { hdr.h.a = v; hdr.h.d = v + 1; sm.egress_spec = port; }
        table t { key = { hdr.h.b : exact; } actions = { set; } }
        apply { t.apply(); }`),
    );
    const a = r.json.actions.find((x) => x.name === "I.set")!;
    expect(a.runtime_data).toEqual([
      { name: "v", bitwidth: 8 },
      { name: "port", bitwidth: 9 },
    ]);
    expect(prims(r, "I.set")).toEqual([
      "assign h.a, runtime_data:0",
      "assign h.d, ((local:0 + 0x1) & 0xff)",
      "assign standard_metadata.egress_spec, runtime_data:1",
    ]);
  });
  it("lowers if/else inside an action to _jump_if_zero/_jump", () => {
    const r = compile(
      program(`action a() { if (hdr.h.a == 1) { hdr.h.d = 1; } else { hdr.h.d = 2; } hdr.h.b = 3; }
        table t { key = { hdr.h.b : exact; } actions = { a; } }
        apply { t.apply(); }`),
    );
    expect(prims(r, "I.a")).toEqual([
      "_jump_if_zero (b2d (h.a == 0x1)), 0x3",
      "assign h.d, 0x01",
      "_jump 0x4",
      "assign h.d, 0x02",
      "assign h.b, 0x0003",
    ]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("inlines actions called from actions, with return jumping to the callee's end", () => {
    const r = compile(
      program(`action inner(inout bit<8> x, bit<8> y) { if (y == 0) { return; } x = y; }
        action outer() { inner(hdr.h.a, hdr.h.d); hdr.h.b = 1; }
        table t { key = { hdr.h.b : exact; } actions = { outer; } }
        apply { t.apply(); }`),
    );
    // y is copied in (the body could change hdr.h.d); x is an l-value passed by reference
    expect(prims(r, "I.outer")).toEqual([
      "assign scalars.inner_y, h.d",
      "_jump_if_zero (b2d (scalars.inner_y == 0x0)), 0x3",
      "_jump 0x4",
      "assign h.a, scalars.inner_y",
      "assign h.b, 0x0001",
    ]);
  });
  it("emits exit as a primitive that also skips the rest of the action", () => {
    const r = compile(
      program(`action a() { if (hdr.h.a == 0) { exit; } hdr.h.d = 1; }
        table t { key = { hdr.h.b : exact; } actions = { a; } }
        apply { t.apply(); }`),
    );
    expect(prims(r, "I.a")).toEqual([
      "_jump_if_zero (b2d (h.a == 0x0)), 0x3",
      "exit",
      "_jump 0x4",
      "assign h.d, 0x01",
    ]);
  });
  it("lowers header validity, header copies and stack operations", () => {
    const r = compile(
      program(
        `apply { hdr.h.setValid(); hdr.h2 = hdr.h; hdr.h.setInvalid(); hdr.s.push_front(2); hdr.s[1].a = 5; }`,
        {
          top: "struct dummy_t { bit<8> z; }",
        },
      ).replace("struct headers_t { h_t h; }", "struct headers_t { h_t h; h_t h2; h_t[3] s; }"),
    );
    expect(prims(r, "I.act")).toEqual([
      'add_header header:"h"',
      'assign_header header:"h2", header:"h"',
      'remove_header header:"h"',
      'push header_stack:"s", 0x2',
      "assign s[1].a, 0x05",
    ]);
    expect(r.json.header_stacks).toEqual([
      { name: "s", id: 0, header_type: "h_t", size: 3, header_ids: [4, 5, 6] },
    ]);
  });
});

describe("functions", () => {
  const top = `bit<8> clamp(in bit<8> x, in bit<8> hi) { if (x > hi) { return hi; } return x; }
    void bump(inout bit<8> v) { v = v + 1; }`;
  it("inlines function calls in statements and assignments, in actions and apply blocks", () => {
    const r = compile(
      program(
        `action a() { hdr.h.a = clamp(hdr.h.d, 8w10); }
        table t { key = { hdr.h.b : exact; } actions = { a; } }
        apply { bump(hdr.h.d); t.apply(); }`,
        { top },
      ),
    );
    expect(prims(r, "I.a")).toEqual([
      "assign scalars.clamp_x, h.d",
      "_jump_if_zero (b2d (scalars.clamp_x > 0xa)), 0x4",
      "assign scalars.clamp_retval, 0x0a",
      "_jump 0x5",
      "assign scalars.clamp_retval, scalars.clamp_x",
      "assign h.a, scalars.clamp_retval",
    ]);
    expect(prims(r, "I.act")).toEqual(["assign h.d, ((h.d + 0x1) & 0xff)"]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("runs simple functions in parser states and refuses calls where no code can run", () => {
    const r = compile(
      program("apply { }", {
        top,
        parser: "state start { pkt.extract(hdr.h); bump(hdr.h.a); transition accept; }",
      }),
    );
    expect(r.json.parsers[0]!.parse_states[0]!.parser_ops[1]).toMatchObject({ op: "set" });
    expect(compileError(program("apply { if (clamp(hdr.h.a, 3) == 3) { hdr.h.d = 1; } }", { top }))).toMatch(
      /unsupported feature: calling function 'clamp' here/,
    );
    expect(
      compileError(program("apply { bump(hdr.h.a); }", { top: "void bump(inout bit<8> v) { bump(v); }" })),
    ).toMatch(/recursion/);
  });
});

describe("header stacks indexed at run time", () => {
  it("reads and writes fields through dereference_header_stack/access_field", () => {
    const src = program(
      `apply { if (hdr.s[meta.m].isValid()) { hdr.s[meta.m].b = hdr.s[meta.m].b + 1; hdr.h.a = hdr.s[hdr.h.d].a; } }`,
    ).replace("struct headers_t { h_t h; }", "struct headers_t { h_t h; h_t[4] s; }");
    const r = compile(src);
    const el = (i: string) => `(header_stack:"s" dereference_header_stack ${i})`;
    expect(show(r.json.pipelines[0]!.conditionals[0]!.expression)).toBe(
      `(valid ${el("scalars.userMetadata.m")})`,
    );
    expect(prims(r, "I.act")).toEqual([
      `assign (${el("scalars.userMetadata.m")} access_field 1), (((${el("scalars.userMetadata.m")} access_field 1) + 0x1) & 0xffff)`,
      `assign h.a, (${el("h.d")} access_field 0)`,
    ]);
    expect(checkBmv2(r.json)).toEqual([]);
    expect(compileError(src.replace("hdr.h.a = hdr.s[hdr.h.d].a;", "hdr.s[hdr.h.d].setInvalid();"))).toMatch(
      /unsupported feature: setInvalid\(\) on a header stack element chosen at run time/,
    );
  });
});

describe("control flow", () => {
  it("chains tables and conditionals; code between tables runs in hidden tables", () => {
    const r = compile(
      program(`action a() { }
        table t1 { key = { hdr.h.a : exact; } actions = { a; } }
        table t2 { key = { hdr.h.b : lpm; } actions = { a; } }
        apply { meta.m = 1; if (hdr.h.isValid()) { t1.apply(); } t2.apply(); }`),
    );
    const pl = r.json.pipelines[0]!;
    expect(pl.init_table).toBe("I.tbl_act");
    expect(table(r, "I.tbl_act").next_tables).toEqual({ "I.act": "node" });
    expect(pl.conditionals[0]).toMatchObject({ name: "node", true_next: "I.t1", false_next: "I.t2" });
    expect(table(r, "I.t1").next_tables).toEqual({ "I.a": "I.t2", NoAction: "I.t2" });
    expect(table(r, "I.t2")).toMatchObject({ match_type: "lpm", base_default_next: null });
    expect(table(r, "I.t1").default_entry).toEqual({
      action_id: r.json.actions.find((x) => x.name === "NoAction")!.id,
      action_const: false,
      action_data: [],
      action_entry_const: false,
    });
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("uses __HIT__/__MISS__ for t.apply().hit and action names for switch", () => {
    const r = compile(
      program(`action a() { } action b() { }
        table t1 { key = { hdr.h.a : exact; } actions = { a; b; } }
        table t2 { key = { hdr.h.b : exact; } actions = { a; b; } }
        apply {
          if (!t1.apply().hit) { hdr.h.d = 1; }
          switch (t2.apply().action_run) { a: b: { hdr.h.d = 2; } default: { hdr.h.d = 3; } }
        }`),
    );
    expect(table(r, "I.t1").next_tables).toEqual({ __HIT__: "I.t2", __MISS__: "I.tbl_act" });
    expect(table(r, "I.t2").next_tables).toEqual({
      "I.a": "I.tbl_act_0",
      "I.b": "I.tbl_act_0",
      NoAction: "I.tbl_act_1",
    });
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("turns a switch on a value into an if chain, in apply blocks and in actions", () => {
    const r = compile(
      program(`action a() { switch (hdr.h.a) { 1: 2: { hdr.h.d = 1; } default: { hdr.h.d = 0; } } }
        table t { key = { hdr.h.b : exact; } actions = { a; } }
        apply { switch (hdr.h.d) { 7: { t.apply(); } } }`),
    );
    expect(show(r.json.pipelines[0]!.conditionals[0]!.expression)).toBe("(h.d == 0x7)");
    expect(prims(r, "I.a")).toEqual([
      "_jump_if_zero (b2d ((h.a == 0x1) or (h.a == 0x2))), 0x3",
      "assign h.d, 0x01",
      "_jump 0x4",
      "assign h.d, 0x00",
    ]);
  });
  it("ends the pipeline on return and exit in an apply block", () => {
    const r = compile(
      program(
        "apply { if (hdr.h.a == 0) { return; } hdr.h.d = 1; if (hdr.h.a == 1) { exit; } hdr.h.d = 2; }",
      ),
    );
    const c = r.json.pipelines[0]!.conditionals;
    expect(c[0]).toMatchObject({ true_next: null, false_next: "I.tbl_act" });
    expect(prims(r, "I.act_0")).toEqual(["exit"]);
    expect(table(r, "I.tbl_act_0").next_tables["I.act_0"]).toBeNull();
  });
  it("inlines sub-controls with prefixed names; return continues after the call", () => {
    const r = compile(
      program(
        `Sub() sub;
        apply { sub.apply(hdr); hdr.h.d = 9; }`,
        {
          top: `control Sub(inout headers_t h) {
            register<bit<32>>(8) r;
            action a() { r.write(0, 1); }
            table t { key = { h.h.a : exact; } actions = { a; } }
            apply { if (h.h.a == 0) { return; } t.apply(); }
          }`,
        },
      ),
    );
    expect(r.json.register_arrays.map((x) => x.name)).toEqual(["I.sub.r"]);
    const c = r.json.pipelines[0]!.conditionals[0]!;
    expect(c.true_next).toBe("I.tbl_act");
    expect(c.false_next).toBe("I.sub.t");
    expect(table(r, "I.sub.t").base_default_next).toBe("I.tbl_act");
    expect(r.p4info.tables.map((t) => t.preamble.name)).toEqual(["I.sub.t"]);
    expect(r.p4info.registers.map((t) => t.preamble.alias)).toEqual(["r"]);
  });
  it("computes non-field keys into temporaries before the lookup", () => {
    const r = compile(
      program(`action a() { }
        table t { key = { hdr.h.c[15:0] : ternary @name("low"); hdr.h.isValid() : exact; } actions = { a; } }
        apply { t.apply(); }`),
    );
    const t = table(r, "I.t");
    expect(t.key).toEqual([
      { match_type: "ternary", name: "low", target: ["scalars", "key_t_0"], mask: null },
      { match_type: "exact", name: "hdr.h.$valid$", target: ["h", "$valid$"], mask: null },
    ]);
    expect(r.json.pipelines[0]!.init_table).toBe("I.tbl_key_t");
    expect(r.p4info.tables[0]!.matchFields.map((m) => [m.name, m.bitwidth, m.matchType])).toEqual([
      ["low", 16, "TERNARY"],
      ["hdr.h.$valid$", 1, "EXACT"],
    ]);
  });
  it("turns a direct action call into a hidden table with constant action data", () => {
    const r = compile(program("action set(bit<8> v) { hdr.h.a = v; }\n apply { set(7); }"));
    expect(table(r, "I.tbl_set").default_entry).toMatchObject({ action_const: true, action_data: ["0x07"] });
    expect(r.p4info.tables).toEqual([]);
  });
  it("encodes const entries of every match kind", () => {
    const r = compile(
      program(`action a(bit<8> v) { hdr.h.a = v; }
        table t {
          key = { hdr.h.a : ternary; hdr.h.b : range; hdr.h.c : lpm; }
          actions = { a; }
          const entries = {
            (0x10 &&& 0xF0, 1 .. 5, 0x0A000000 &&& 0xFF000000) : a(1);
            (_, _, 0x0B000001) : a(2);
          }
        }
        apply { t.apply(); }`),
    );
    const e = table(r, "I.t").entries!;
    expect(e[0]!.match_key).toEqual([
      { match_type: "ternary", key: "0x10", mask: "0xf0" },
      { match_type: "range", start: "0x0001", end: "0x0005" },
      { match_type: "lpm", key: "0x0a000000", prefix_length: 8 },
    ]);
    expect(e[1]!.match_key[2]).toEqual({ match_type: "lpm", key: "0x0b000001", prefix_length: 32 });
    expect(e.map((x) => x.priority)).toEqual([1, 2]);
    expect(r.p4info.tables[0]!.isConstTable).toBe(true);
    expect(checkBmv2(r.json)).toEqual([]);
  });
});

describe("parsers", () => {
  it("builds byte-padded select values and masks, expanding ranges into prefixes", () => {
    const r = compile(
      program("apply { }", {
        parser: `state start { pkt.extract(hdr.h); transition select(hdr.h.a, hdr.h.b[11:0]) {
            (1, 0xABC): s1; (2 &&& 3, _): s1; (3, 4 .. 7): s1; default: accept; } }
          state s1 { meta.m = meta.m + 1; transition accept; }`,
      }),
    );
    const st = r.json.parsers[0]!.parse_states[0]!;
    expect(st.transition_key).toEqual([
      { type: "field", value: ["h", "a"] },
      { type: "field", value: ["scalars", "start_select_1"] },
    ]);
    expect(st.parser_ops[1]).toMatchObject({ op: "set" });
    expect(st.transitions.map((t) => [t.value, t.mask, t.next_state])).toEqual([
      ["0x010abc", null, "s1"],
      ["0x020000", "0x030000", "s1"],
      ["0x030004", "0xff0ffc", "s1"],
      [null, null, null],
    ]);
    expect(r.json.parsers[0]!.parse_states[1]!.parser_ops).toEqual([
      {
        op: "set",
        parameters: [
          { type: "field", value: ["scalars", "userMetadata.m"] },
          {
            type: "expression",
            value: {
              type: "expression",
              value: {
                op: "&",
                left: {
                  type: "expression",
                  value: {
                    op: "+",
                    left: { type: "field", value: ["scalars", "userMetadata.m"] },
                    right: { type: "hexstr", value: "0x1" },
                  },
                },
                right: { type: "hexstr", value: "0xff" },
              },
            },
          },
        ],
      },
    ]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("drops unreachable states", () => {
    const r = compile(
      program("apply { }", {
        parser: "state start { transition accept; } state orphan { transition accept; }",
      }),
    );
    expect(r.json.parsers[0]!.parse_states.map((s) => s.name)).toEqual(["start"]);
    // but they are still checked
    expect(
      compileError(
        program("apply { }", {
          parser: "state start { transition accept; } state orphan { meta.m = hdr.h.b; transition accept; }",
        }),
      ),
    ).toMatch(/expected bit<8>, found bit<16>/);
  });
  it("splits a state at an if statement into select-linked states", () => {
    const r = compile(
      program("apply { }", {
        parser: `state start { pkt.extract(hdr.h); bit<8> t = hdr.h.a; if (t == 1) { meta.m = 1; } else { meta.m = 2; } meta.w = (bit<32>)t; transition accept; }`,
      }),
    );
    const states = r.json.parsers[0]!.parse_states;
    expect(states.map((s) => s.name)).toEqual(["start", "start_true", "start_false", "start_join"]);
    expect(states[0]!.transitions.map((t) => [t.value, t.next_state])).toEqual([
      ["0x01", "start_true"],
      [null, "start_false"],
    ]);
    expect(states[3]!.parser_ops).toEqual([
      {
        op: "set",
        parameters: [
          { type: "field", value: ["scalars", "userMetadata.w"] },
          { type: "field", value: ["scalars", "t"] },
        ],
      },
    ]);
    expect(states[3]!.transitions).toEqual([{ type: "default", value: null, mask: null, next_state: null }]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
});

describe("v1model externs", () => {
  it("lowers registers, counters, meters, hash, random, digest and clone", () => {
    const r = compile(
      program(
        `register<bit<32>>(16) reg; counter(8, CounterType.packets) cnt; meter(4, MeterType.bytes) mtr;
        apply {
          reg.read(meta.w, (bit<32>)hdr.h.a); reg.write(0, meta.w + 1); cnt.count(1); mtr.execute_meter(2, meta.m);
          hash(hdr.h.b, HashAlgorithm.crc16, 16w0, { hdr.h.a, hdr.h.c }, 32w1024);
          random(hdr.h.d, 8w1, 8w100);
          digest<dg_t>(1, { hdr.h.a, meta.w });
          clone(CloneType.I2E, 32w5); mark_to_drop(sm);
        }`,
        { top: "struct dg_t { bit<8> a; bit<32> w; }" },
      ),
    );
    expect(prims(r, "I.act")).toEqual([
      'register_read scalars.userMetadata.w, register_array:"I.reg", h.a',
      'register_write register_array:"I.reg", 0x0, ((scalars.userMetadata.w + 0x1) & 0xffffffff)',
      'count counter_array:"I.cnt", 0x1',
      'execute_meter meter_array:"I.mtr", 0x2, scalars.userMetadata.m',
      'modify_field_with_hash_based_offset h.b, 0x0000, calculation:"calc", 0x00000400',
      "modify_field_rng_uniform h.d, 0x01, 0x64",
      "generate_digest 0x00000001, 0x1",
      "clone_ingress_pkt_to_egress 0x00000005, 0x0",
      'mark_to_drop header:"standard_metadata"',
    ]);
    expect(r.json.calculations).toEqual([
      {
        name: "calc",
        id: 0,
        algo: "crc16",
        input: [
          { type: "field", value: ["h", "a"] },
          { type: "field", value: ["h", "c"] },
        ],
      },
    ]);
    expect(r.json.learn_lists).toEqual([
      {
        id: 1,
        name: "dg_t",
        elements: [
          { type: "field", value: ["h", "a"] },
          { type: "field", value: ["scalars", "userMetadata.w"] },
        ],
      },
    ]);
    expect(r.json.meter_arrays[0]).toMatchObject({
      name: "I.mtr",
      is_direct: false,
      rate_count: 2,
      type: "bytes",
      size: 4,
    });
    expect(r.p4info.digests[0]!.preamble.name).toBe("dg_t");
    expect(r.p4info.typeInfo?.structs.dg_t?.members.map((m) => m.name)).toEqual(["a", "w"]);
    expect(checkBmv2(r.json)).toEqual([]);
  });
  it("turns checksum controls into checksums with conditions", () => {
    const src = program("apply { }").replace(
      "control CC(inout headers_t hdr, inout meta_t meta) { apply { } }",
      `control CC(inout headers_t hdr, inout meta_t meta) { apply {
         update_checksum(hdr.h.isValid(), { hdr.h.a, hdr.h.c }, hdr.h.b, HashAlgorithm.csum16); } }`,
    );
    const r = compile(src);
    expect(r.json.checksums).toEqual([
      {
        name: "cksum",
        id: 0,
        target: ["h", "b"],
        type: "generic",
        calculation: "calc",
        verify: false,
        update: true,
        if_cond: {
          type: "expression",
          value: { op: "d2b", left: null, right: { type: "field", value: ["h", "$valid$"] } },
        },
      },
    ]);
  });
  it("attaches direct counters and meters to their table", () => {
    const r = compile(
      program(`direct_counter(CounterType.packets_and_bytes) dc; direct_meter<bit<8>>(MeterType.packets) dm;
        action a() { dm.read(meta.m); }
        table t { key = { hdr.h.a : exact; } actions = { a; } counters = dc; meters = dm; size = 64; }
        apply { t.apply(); }`),
    );
    expect(table(r, "I.t")).toMatchObject({ with_counters: true, direct_meters: "I.dm" });
    expect(r.json.counter_arrays).toEqual([
      expect.objectContaining({ name: "I.dc", is_direct: true, binding: "I.t", size: 64 }),
    ]);
    expect(r.json.meter_arrays[0]).toMatchObject({
      is_direct: true,
      binding: "I.t",
      result_target: ["scalars", "userMetadata.m"],
    });
    expect(r.p4info.directCounters[0]!.spec.unit).toBe("BOTH");
    expect(r.p4info.tables[0]!.directResourceIds.length).toBe(2);
  });
  it("refuses unsupported externs with a message naming the feature", () => {
    expect(compileError(program("action_profile(128) ap; apply { }"))).toMatch(
      /unsupported feature: action_profile/,
    );
  });
});
