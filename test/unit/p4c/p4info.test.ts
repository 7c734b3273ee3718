import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { assignIds, IdPrefix, jenkinsOneAtATime, shortestUniqueSuffixes } from "../../../src/p4c/p4info.js";
import { p4infoBinary, p4infoText, toP4InfoMessage } from "../../../src/p4c/p4info-out.js";
import { P4InfoSchema } from "../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import { parseP4InfoText } from "../../../src/p4runtime/p4info-text.js";
import { compile, compileError, program } from "./helpers.js";

describe("P4Runtime ids", () => {
  it("hashes names with Jenkins one-at-a-time under the entity prefix (as p4c does)", () => {
    // ids p4c assigns to these names in the P4 tutorials' basic.p4info
    const id = (prefix: number, name: string) =>
      ((prefix << 24) | (jenkinsOneAtATime(name) & 0xffffff)) >>> 0;
    expect(id(IdPrefix.ACTION, "NoAction")).toBe(21257015);
    expect(id(IdPrefix.TABLE, "MyIngress.ipv4_lpm")).toBe(37375156);
    expect(id(IdPrefix.ACTION, "MyIngress.ipv4_forward")).toBe(28792405);
    expect(id(IdPrefix.ACTION, "MyIngress.drop")).toBe(25652968);
  });
  it("honours @id, then probes linearly on collisions in sorted name order", () => {
    const h = jenkinsOneAtATime("b") & 0xffffff;
    const ids = assignIds([
      { prefix: IdPrefix.TABLE, name: "b" },
      { prefix: IdPrefix.TABLE, name: "a", explicit: h }, // takes b's natural slot
    ]);
    expect(ids.get(`${IdPrefix.TABLE}:a`)).toBe(((IdPrefix.TABLE << 24) | h) >>> 0);
    expect(ids.get(`${IdPrefix.TABLE}:b`)).toBe(((IdPrefix.TABLE << 24) | (h + 1)) >>> 0);
    expect(() =>
      assignIds([
        { prefix: 1, name: "x", explicit: 5 },
        { prefix: 1, name: "y", explicit: 5 },
      ]),
    ).toThrowError(/already used/);
  });
  it("aliases are the shortest unique dotted suffixes", () => {
    const a = shortestUniqueSuffixes(["I.c1.t", "I.c2.t", "I.u", "E.u", "x"]);
    expect([...a.values()]).toEqual(["c1.t", "c2.t", "I.u", "E.u", "x"]);
  });
});

describe("P4Info model", () => {
  const src = program(
    `
    counter(32, CounterType.bytes) c;
    register<bit<16>>(8) r;
    @id(0x1234) action set(@id(7) bit<9> port, bit<8> v) { sm.egress_spec = port; hdr.h.a = v; r.write(0, 1); c.count(0); }
    @name("fwd") table t {
      key = { hdr.h.b : exact; meta.m : ternary @name("m"); }
      actions = { set; @tableonly NoAction; }
      const default_action = set(1, 2);
      size = 256;
      support_timeout = true;
    }
    apply { t.apply(); }`,
    { top: '@controller_header("packet_in") header pin_t { bit<9> port; bit<7> pad; }' },
  );
  const r = compile(src);

  it("lists visible tables, actions and externs with names, aliases and ids", () => {
    const t = r.p4info.tables[0]!;
    expect(t.preamble).toMatchObject({ name: "I.fwd", alias: "fwd" });
    expect(t.preamble.id >>> 24).toBe(IdPrefix.TABLE);
    expect(t.matchFields).toEqual([
      { id: 1, name: "hdr.h.b", bitwidth: 16, matchType: "EXACT" },
      { id: 2, name: "m", bitwidth: 8, matchType: "TERNARY" },
    ]);
    const set = r.p4info.actions.find((a) => a.preamble.name === "I.set")!;
    expect(set.preamble.id).toBe(((IdPrefix.ACTION << 24) | 0x1234) >>> 0);
    expect(set.params).toEqual([
      { id: 7, name: "port", bitwidth: 9 },
      { id: 2, name: "v", bitwidth: 8 },
    ]);
    expect(t.constDefaultActionId).toBe(set.preamble.id);
    expect(t.actionRefs.map((a) => a.scope)).toEqual(["TABLE_AND_DEFAULT", "TABLE_ONLY"]);
    expect(t).toMatchObject({ size: 256, idleTimeoutBehavior: "NOTIFY_CONTROL" });
    expect(r.p4info.counters).toEqual([expect.objectContaining({ spec: { unit: "BYTES" }, size: 32 })]);
    expect(r.p4info.registers[0]).toMatchObject({
      typeSpec: { bitstring: { bit: { bitwidth: 16 } } },
      size: 8,
    });
    expect(r.p4info.controllerPacketMetadata[0]).toMatchObject({
      preamble: { name: "packet_in" },
      metadata: [
        { id: 1, name: "port", bitwidth: 9 },
        { id: 2, name: "pad", bitwidth: 7 },
      ],
    });
  });
  it("converts to the generated message; binary and text round-trip", () => {
    const msg = toP4InfoMessage(r.p4info);
    const back = fromBinary(P4InfoSchema, p4infoBinary(r.p4info));
    expect(back.tables[0]!.preamble!.name).toBe("I.fwd");
    expect(back.tables[0]!.size).toBe(256n);
    const parsed = parseP4InfoText(p4infoText(r.p4info));
    expect(parsed.actions.map((a) => a.preamble!.id)).toEqual(msg.actions.map((a) => a.preamble!.id));
    expect(p4infoText(r.p4info)).toContain('name: "I.fwd"');
  });
  it("refuses two objects with the same @id", () => {
    expect(
      compileError(
        program(`@id(1) action a() { } @id(1) action b() { }
      table t { key = { hdr.h.a : exact; } actions = { a; b; } } apply { t.apply(); }`),
      ),
    ).toMatch(/already used/);
  });
});
