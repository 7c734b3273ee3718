// Verification of a pipeline: P4Info and BMv2 JSON must agree object by object.
import { clone, create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Code } from "../../../../src/p4runtime/gen/google/rpc/code_pb.js";
import {
  P4InfoSchema,
  RegisterSchema,
  TableSchema,
} from "../../../../src/p4runtime/gen/p4/config/v1/p4info_pb.js";
import { P4rtError } from "../../../../src/switch/p4rt/errors.js";
import { buildPipeline } from "../../../../src/switch/p4rt/pipeline.js";
import { CPU_PORT, config, jsonCopy, P4INFO } from "./helpers.js";

function refusal(fn: () => unknown): P4rtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(P4rtError);
    return e as P4rtError;
  }
  throw new Error("expected a refusal");
}

describe("buildPipeline", () => {
  it("pairs every P4Info object with the JSON by name, fields and params by position", () => {
    const p = buildPipeline(config(), { cpuPort: CPU_PORT });
    const acl = [...p.map.tables.values()].find((t) => t.name === "MyIngress.acl")!;
    expect(acl.fields.map((f) => [f.id, f.kind, f.width])).toEqual([
      [1, "ternary", 16],
      [2, "range", 9],
    ]);
    expect(acl.needsPriority).toBe(true);
    expect(acl.directCounterId).toBeDefined();
    expect(p.map.packetOut?.fields.map((f) => f.name)).toEqual(["egress_port", "_pad"]);
    expect(p.map.packetIn?.bytes).toBe(2);
    expect([...p.map.registers.values()]).toMatchObject([
      { name: "MyIngress.last_type", size: 16, width: 32 },
    ]);
    expect([...p.map.digests.values()]).toMatchObject([{ name: "learn_t", learnListId: 1 }]);
  });

  it("refuses configs that cannot be realized, naming the reason", () => {
    expect(refusal(() => buildPipeline(undefined, {})).code).toBe(Code.INVALID_ARGUMENT);
    expect(refusal(() => buildPipeline(config(P4INFO, "[1,2]"), {})).message).toMatch(/BMv2 JSON/);
    const broken = jsonCopy();
    (broken as { parsers: unknown }).parsers = "nope";
    expect(refusal(() => buildPipeline(config(P4INFO, broken), {})).code).toBe(Code.INVALID_ARGUMENT);
  });

  it("refuses a P4Info that disagrees with the JSON: match kind, width, sizes, controller headers", () => {
    const kind = clone(P4InfoSchema, P4INFO);
    kind.tables.find((t) => t.preamble?.name === "MyIngress.dmac")!.matchFields[0]!.match = {
      case: "matchType",
      value: 4, // TERNARY
    };
    expect(refusal(() => buildPipeline(config(kind), {})).message).toMatch(
      /MyIngress\.dmac field hdr\.ethernet\.dstAddr: P4Info ternary bit<48>, device config exact bit<48>/,
    );
    const reg = clone(P4InfoSchema, P4INFO);
    reg.registers[0]!.size = 8;
    expect(refusal(() => buildPipeline(config(reg), {})).message).toMatch(/register MyIngress\.last_type/);
    const cpm = clone(P4InfoSchema, P4INFO);
    cpm.controllerPacketMetadata[0]!.metadata[0]!.bitwidth = 8;
    expect(refusal(() => buildPipeline(config(cpm), {})).message).toMatch(/not whole bytes|no header type/);
    const dup = create(P4InfoSchema, {
      ...P4INFO,
      tables: [...P4INFO.tables, create(TableSchema, clone(TableSchema, P4INFO.tables[0]!))],
    });
    expect(refusal(() => buildPipeline(config(dup), {})).message).toMatch(/duplicate id/);
    const extra = clone(P4InfoSchema, P4INFO);
    const ghost = clone(RegisterSchema, extra.registers[0]!);
    ghost.preamble = { ...ghost.preamble!, id: ghost.preamble!.id + 1, name: "MyIngress.ghost" };
    extra.registers.push(ghost);
    expect(refusal(() => buildPipeline(config(extra), {})).message).toMatch(
      /register MyIngress\.ghost is not in the device config/,
    );
  });
});
