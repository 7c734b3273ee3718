// P4Info of p4/paxos.p4: every table, action, register, counter and controller header the
// program declares is listed under its fully qualified name, with hash-derived stable ids.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type * as A from "../../../src/p4c/ast.js";
import { builtinIncludeDir, compileP4 } from "../../../src/p4c/compile.js";
import { SourceStore } from "../../../src/p4c/diag.js";
import { IdPrefix, jenkinsOneAtATime } from "../../../src/p4c/p4info.js";
import { parseProgram } from "../../../src/p4c/parser.js";
import { preprocess } from "../../../src/p4c/preprocess.js";

const FILE = "p4/paxos.p4";

/** Declarations found by walking the AST from main's ingress/egress through sub-control instances. */
function declared() {
  const text = readFileSync(FILE, "utf8");
  const toks = preprocess(
    FILE,
    text,
    {
      includeDirs: ["p4"],
      defines: {},
      builtinDir: builtinIncludeDir(),
      readFile: (f) => readFileSync(f, "utf8"),
    },
    new SourceStore(),
  );
  const ast = parseProgram(toks);
  const controls = new Map(
    ast.decls.filter((d): d is A.ControlDecl => d.kind === "control").map((c) => [c.name, c]),
  );
  const out = {
    tables: [] as string[],
    registers: [] as string[],
    counters: [] as string[],
    actions: new Set<string>(),
  };
  const walk = (c: A.ControlDecl, prefix: string) => {
    for (const l of c.locals) {
      if (l.kind === "table") {
        out.tables.push(`${prefix}.${l.name}`);
        for (const a of l.properties.find((p) => p.name === "actions")?.actions ?? [])
          out.actions.add(a.name === "NoAction" ? "NoAction" : `${prefix}.${a.name}`);
      }
      if (l.kind === "instance" && l.type.kind === "named") {
        if (l.type.name === "register") out.registers.push(`${prefix}.${l.name}`);
        else if (l.type.name === "counter") out.counters.push(`${prefix}.${l.name}`);
        else if (controls.has(l.type.name)) walk(controls.get(l.type.name)!, `${prefix}.${l.name}`);
      }
    }
  };
  const main = ast.decls.find((d): d is A.InstanceDecl => d.kind === "instance" && d.name === "main")!;
  for (const i of [2, 3]) {
    const arg = main.args[i]!.value as A.Expr & { kind: "call" };
    const name = (arg.callee as A.Expr & { kind: "name" }).name;
    walk(controls.get(name)!, name);
  }
  return out;
}

describe("paxos.p4 P4Info", () => {
  const { p4info } = compileP4({ file: FILE, includeDirs: ["p4"] });
  const want = declared();
  const names = (xs: { preamble: { name: string } }[]) => xs.map((x) => x.preamble.name).sort();

  it("lists every table, register and counter", () => {
    expect(want.tables.length).toBeGreaterThan(0);
    expect(names(p4info.tables)).toEqual([...want.tables].sort());
    expect(names(p4info.registers)).toEqual([...want.registers].sort());
    expect(names(p4info.counters)).toEqual([...want.counters].sort());
  });
  it("lists every action a table can run, with its parameters", () => {
    expect(names(p4info.actions)).toEqual([...want.actions].sort());
    for (const a of p4info.actions) for (const [i, p] of a.params.entries()) expect(p.id).toBe(i + 1);
  });
  it("lists the PacketIn/PacketOut controller headers", () => {
    expect(names(p4info.controllerPacketMetadata)).toEqual(["packet_in", "packet_out"]);
  });
  it("derives every id from its name and type, uniquely", () => {
    const all = [
      ...p4info.tables.map((t) => [IdPrefix.TABLE, t.preamble] as const),
      ...p4info.actions.map((t) => [IdPrefix.ACTION, t.preamble] as const),
      ...p4info.registers.map((t) => [IdPrefix.REGISTER, t.preamble] as const),
      ...p4info.counters.map((t) => [IdPrefix.COUNTER, t.preamble] as const),
      ...p4info.controllerPacketMetadata.map((t) => [IdPrefix.CONTROLLER_HEADER, t.preamble] as const),
    ];
    for (const [prefix, p] of all)
      expect(p.id).toBe(((prefix << 24) | (jenkinsOneAtATime(p.name) & 0xffffff)) >>> 0);
    expect(new Set(all.map(([, p]) => p.id)).size).toBe(all.length);
  });
  it("references tables' actions by their P4Info ids", () => {
    const ids = new Set(p4info.actions.map((a) => a.preamble.id));
    for (const t of p4info.tables) for (const r of t.actionRefs) expect(ids.has(r.id)).toBe(true);
  });
});
