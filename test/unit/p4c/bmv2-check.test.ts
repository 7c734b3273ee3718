// The structural checker used on every compiled program must itself catch broken documents.
import { describe, expect, it } from "vitest";
import type { Bmv2Json } from "../../../src/p4c/bmv2-json.js";
import { checkBmv2 } from "./bmv2-check.js";
import { compile, program } from "./helpers.js";

const base = () =>
  compile(
    program(`action a(bit<8> v) { hdr.h.a = v; if (v == 1) { hdr.h.d = 2; } }
      table t { key = { hdr.h.a : exact; } actions = { a; } const entries = { 1 : a(2); } }
      apply { if (hdr.h.isValid()) { t.apply(); } }`),
  ).json;

function broken(mutate: (j: Bmv2Json) => void): string[] {
  const j = structuredClone(base());
  mutate(j);
  return checkBmv2(j);
}

describe("BMv2 JSON structural checker", () => {
  it("accepts a compiled program", () => {
    expect(checkBmv2(base())).toEqual([]);
  });
  it("catches dangling references, bad widths, bad jumps and cycles", () => {
    expect(
      broken((j) => (j.actions[0]!.primitives[0]!.parameters[0] = { type: "field", value: ["h", "nope"] })),
    ).toEqual([expect.stringContaining("unknown field h.nope")]);
    expect(broken((j) => (j.pipelines[0]!.tables[0]!.entries![0]!.match_key[0]!.key = "0x0001"))).toEqual([
      expect.stringContaining("is not 1 bytes"),
    ]);
    expect(
      broken(
        (j) =>
          (j.actions.find((a) => a.name === "I.a")!.primitives[1]!.parameters[1] = {
            type: "hexstr",
            value: "0x9",
          }),
      ),
    ).toEqual([expect.stringContaining("bad jump offset")]);
    expect(
      broken((j) => {
        const t = j.pipelines[0]!.tables[0]!;
        for (const k of Object.keys(t.next_tables)) t.next_tables[k] = j.pipelines[0]!.conditionals[0]!.name;
      }),
    ).toEqual(expect.arrayContaining([expect.stringContaining("cycle")]));
    expect(broken((j) => (j.pipelines[0]!.init_table = "ghost"))).toEqual([
      expect.stringContaining("unknown init_table ghost"),
    ]);
    expect(broken((j) => (j.header_types[2]!.fields[0]![1] = 7))).toEqual(
      expect.arrayContaining([expect.stringContaining("whole number of bytes")]),
    );
    expect(broken((j) => (j.__meta__.version = [2, 18]))).toEqual([expect.stringContaining("version")]);
  });
});
