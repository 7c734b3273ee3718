// `up` against embedded switches over real gRPC: from empty, idempotent, drift repaired.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controller } from "../../../controller/runtime/controller.js";
import { loadPipeline, type Pipeline } from "../../../controller/runtime/pipeline.js";
import { Update_Type, WriteRequest_Atomicity } from "../../../src/p4runtime/gen/p4/v1/p4runtime_pb.js";
import { P4InfoIndex } from "../../../src/p4runtime/p4info-index.js";
import { Fabric } from "./fabric.js";

let fabric: Fabric;
let pipeline: Pipeline;
const logs: string[] = [];

function controller(): Controller {
  return new Controller({
    deployment: fabric.deployment,
    pipeline,
    stateFile: fabric.deployment.paxos.stateFile,
    log: (l) => logs.push(l),
  });
}

beforeAll(async () => {
  fabric = await Fabric.create();
  pipeline = loadPipeline(fabric.deployment);
}, 20_000);
afterAll(async () => {
  await fabric?.close();
});

describe("paxosctl up", () => {
  it("deploys from empty switches, then writes nothing the second time", async () => {
    const c = controller();
    try {
      const r = await c.up();
      expect(r.unreachable).toEqual([]);
      expect(r.reports.every((x) => x.pushedPipeline)).toBe(true);
      expect(r.reports.reduce((n, x) => n + x.written, 0)).toBeGreaterThan(10);
      expect(r.reports.flatMap((x) => x.failures)).toEqual([]);
      expect(c.state.started[0]).toBe(true);
      expect(c.group(0).requestsTo).toBe("switch");
      expect(c.group(0).switchRole).toBe(true);
    } finally {
      await c.close();
    }
    const again = controller();
    try {
      const r = await again.up();
      expect(r.reports.map((x) => [x.switch, x.pushedPipeline, x.written])).toEqual(
        ["coord", "acc1", "acc2", "acc3", "edge"].map((n) => [n, false, 0]),
      );
    } finally {
      await again.close();
    }
  }, 20_000);

  it("restores an entry deleted behind its back", async () => {
    const c = controller();
    try {
      await c.up();
      const idx = new P4InfoIndex(pipeline.p4info);
      // Another party deletes the service route on the edge switch.
      const edge = fabric.daemons.get("edge")!.device;
      const route = {
        table: "MyIngress.ipv4_lpm",
        match: { "hdr.ipv4.dstAddr": { lpm: ["10.0.100.1", 32] as const } },
      };
      const codes = edge.write(
        [idx.tableUpdate(Update_Type.DELETE, route)],
        WriteRequest_Atomicity.CONTINUE_ON_ERROR,
      );
      expect(codes.map((x) => x.canonicalCode ?? 0)).toEqual([0]);
      await c.startDaemon();
      await c.watch();
      expect(c.stats.repairs).toBe(1);
      expect(logs.some((l) => l === "edge: repaired 1 entry")).toBe(true);
      const again = await c.reconcileAll();
      expect(again.reduce((n, r) => n + r.written, 0)).toBe(0);
    } finally {
      await c.close();
    }
  }, 20_000);
});
