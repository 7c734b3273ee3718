import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { V1Switch } from "../../../src/switch/engine.js";
import { matchesPattern, renderDiff } from "../../../src/switch/stf/diff.js";
import { parseNumber, parseStf, StfParseError } from "../../../src/switch/stf/parse.js";
import { keyMatch, runStf } from "../../../src/switch/stf/run.js";
import { dataFrame, fixture, hex } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const stfText = (n: string) => readFileSync(join(here, "fixtures", n), "utf8");

describe("STF parser", () => {
  it("parses every command form", () => {
    const cmds = parseStf(
      [
        "# comment",
        "add tbl 10 hdr.a:0x0a&&&0xff f$1:5 act(x:1, y:0x2) # trailing",
        "setdefault tbl NoAction()",
        "packet 0 0a 0b 0c",
        "expect 1 0a**0c$",
        "expect 2",
        "wait",
        "mirroring_add 5 3",
        "mc_mgrp_create 1",
        "mc_node_create 7 1 2",
        "mc_node_associate 1 0",
        "check_counter c(3) bytes >= 100",
        "register_write r 1 0x10",
        "register_read r 1 == 16",
      ].join("\n"),
    );
    expect(cmds.map((c) => c.kind)).toEqual([
      "add",
      "setdefault",
      "packet",
      "expect",
      "expect",
      "wait",
      "mirroring_add",
      "mc_mgrp_create",
      "mc_node_create",
      "mc_node_associate",
      "check_counter",
      "register_write",
      "register_read",
    ]);
    const add = cmds[0]!;
    expect(add).toMatchObject({
      kind: "add",
      table: "tbl",
      priority: 10,
      line: 2,
      keys: [
        { field: "hdr.a", value: "0x0a&&&0xff" },
        { field: "f$1", value: "5" },
      ],
      action: {
        name: "act",
        args: [
          { name: "x", value: 1n },
          { name: "y", value: 2n },
        ],
      },
    });
    expect(cmds[2]).toMatchObject({ kind: "packet", port: 0, data: Uint8Array.from([10, 11, 12]) });
    const e = cmds[3]!;
    expect(e.kind === "expect" && e.pattern).toMatchObject({
      exactLength: true,
      nibbles: [0, 10, undefined, undefined, 0, 12],
    });
    expect(cmds[4]).toMatchObject({ kind: "expect", port: 2, pattern: undefined });
    expect(cmds[10]).toMatchObject({ counter: "c", index: 3, type: "bytes", op: ">=", value: 100n });
    expect(cmds[12]).toMatchObject({ register: "r", index: 1, expect: 16n });
  });

  it("reports file:line for malformed lines", () => {
    expect(() => parseStf("wait\npacket x 00", "t.stf")).toThrow(/t\.stf:2: bad number 'x'/);
    expect(() => parseStf("frobnicate 1")).toThrow(StfParseError);
    expect(() => parseStf("expect 0 abc")).toThrow(/odd number/);
    expect(() => parseStf("add t k:1 a(x)")).toThrow(/NAME:VALUE/);
  });

  it("parses numbers in all notations", () => {
    expect(parseNumber("10.0.1.2")).toBe(0x0a000102n);
    expect(parseNumber("00:11:22:33:44:55")).toBe(0x001122334455n);
    expect(parseNumber("0b101")).toBe(5n);
    expect(parseNumber("-3")).toBe(-3n);
    expect(() => parseNumber("1.2.3.256")).toThrow();
  });

  it("turns key texts into matches", () => {
    const f = (kind: "ternary" | "lpm" | "exact" | "range" | "optional") => ({ name: "k", kind, width: 32 });
    expect(keyMatch(f("ternary"), "0x0a**")).toEqual({ kind: "ternary", value: 0x0a00n, mask: 0xff00n });
    expect(keyMatch(f("ternary"), "7")).toEqual({ kind: "ternary", value: 7n, mask: 0xffffffffn });
    expect(keyMatch(f("lpm"), "0x0a******")).toEqual({ kind: "lpm", value: 0x0a000000n, prefixLen: 8 });
    expect(keyMatch(f("lpm"), "10.0.0.0/8")).toEqual({ kind: "lpm", value: 0x0a000000n, prefixLen: 8 });
    expect(keyMatch(f("range"), "1->5")).toEqual({ kind: "range", low: 1n, high: 5n });
    expect(keyMatch(f("optional"), "*")).toEqual({ kind: "optional" });
  });
});

describe("STF pattern matching and diff", () => {
  const pat = (t: string) => {
    const c = parseStf(`expect 0 ${t}`)[0]!;
    if (c.kind !== "expect" || !c.pattern) throw new Error("no pattern");
    return c.pattern;
  };
  it("matches wildcards, prefixes and exact lengths", () => {
    expect(matchesPattern(pat("0a*b"), Uint8Array.from([0x0a, 0xcb, 0xff]))).toBe(true);
    expect(matchesPattern(pat("0a*b$"), Uint8Array.from([0x0a, 0xcb, 0xff]))).toBe(false);
    expect(matchesPattern(pat("0a*b"), Uint8Array.from([0x0a, 0xcc]))).toBe(false);
    expect(matchesPattern(pat("0a0b0c"), Uint8Array.from([0x0a, 0x0b]))).toBe(false);
  });
  it("renders offsets, differing bytes and wildcards", () => {
    const d = renderDiff(pat("0a**0c0d"), Uint8Array.from([0x0a, 0x99, 0x0c, 0x0e]));
    expect(d).toContain("first difference at byte offset 3");
    expect(d).toContain("expected 0a ** 0c 0d");
    expect(d).toContain("received 0a 99 0c 0e");
    expect(d).toContain("   ** ");
    expect(d.split("\n")[3]).toMatch(/\^\^\s*$/);
  });
});

describe("STF runner", () => {
  it("passes basic_l3.stf on the basic_l3 fixture", () => {
    const r = runStf(
      new V1Switch(fixture("basic_l3.json")),
      parseStf(stfText("basic_l3.stf")),
      "basic_l3.stf",
    );
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.packetsSent).toBe(3);
    expect(r.packetsChecked).toBe(2);
  });

  it("reports differing, missing and unexpected packets", () => {
    const r = runStf(new V1Switch(fixture("basic_l3.json")), parseStf(stfText("basic_l3_fail.stf")), "f.stf");
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(3);
    expect(r.failures[0]).toMatch(/^f\.stf:3: port 3: packet #1 differs: first difference at byte offset 22/);
    expect(r.failures[1]).toMatch(/^f\.stf:4: port 3: expected packet #2 was not received/);
    expect(r.failures[2]).toMatch(/^f\.stf:5: port 5: expected packet #1 was not received/);
  });

  it("flags packets on ports nobody expected, unless a bare expect allows any", () => {
    const sw = () => new V1Switch(fixture("features.json"));
    const pkt = hex(dataFrame({ op: 11 }));
    expect(runStf(sw(), parseStf(`packet 0 ${pkt}`)).failures[0]).toMatch(/port 1: unexpected packet #1/);
    expect(runStf(sw(), parseStf(`packet 0 ${pkt}\nexpect 1`)).ok).toBe(true);
  });

  it("drives multicast nodes, mirroring and priorities like the BMv2 CLI", () => {
    const sw = new V1Switch(fixture("features.json"));
    const text = [
      "mc_mgrp_create 7",
      "mc_node_create 10 2 3",
      "mc_node_create 11 4",
      "mc_node_associate 7 0",
      "mc_node_associate 7 1",
      `packet 0 ${hex(dataFrame({ op: 3, a: 7 }))}`,
      "expect 2",
      "expect 3",
      "expect 4",
      "mirroring_add 9 5",
      `packet 0 ${hex(dataFrame({ op: 4, a: 9 }))}`,
      "expect 1",
      `expect 5 ${"*".repeat(58)}c1`,
      "add tern 1 a:0x1**** data.$valid$:1 set_r16(v:1)",
      "add tern 2 a:0x12*** hdr.data.$valid$:1 set_r16(v:2)",
      `packet 0 ${hex(dataFrame({ op: 11, a: 0x12345 }))}`,
    ].join("\n");
    const r = runStf(sw, parseStf(text));
    expect(r.failures).toEqual([]);
    expect(r.received.get(1)!.map((b) => hex(b.subarray(27, 29)))).toEqual(["0000", "0002"]);
    expect([2, 3, 4].map((p) => r.received.get(p)?.length)).toEqual([1, 1, 1]);
  });

  it("reports control-plane errors with their line", () => {
    const r = runStf(new V1Switch(fixture("basic_l3.json")), parseStf("\nadd nosuch k:1 a()"), "x.stf");
    expect(r.failures).toEqual(["x.stf:2: unknown table 'nosuch'"]);
  });
});
