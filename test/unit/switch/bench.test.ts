import { describe, expect, it } from "vitest";
import { benchmark, benchmarkStf } from "../../../src/switch/bench.js";
import { fixture, frame, hex } from "./helpers.js";

describe("benchmark", () => {
  it("measures packets per second on the intended path", () => {
    const r = benchmark(fixture("basic_l3.json"), frame(), {
      durationMs: 50,
      warmup: 100,
      setup: (sw) =>
        sw.insertEntry("ipv4_lpm", {
          match: [{ kind: "lpm", value: 0n, prefixLen: 0 }],
          action: "ipv4_forward",
          params: [1n, 2n],
        }),
    });
    expect(r.packets).toBeGreaterThan(0);
    expect(r.packetsPerSecond).toBeGreaterThan(0);
    expect(r.outputsPerPacket).toBe(1);
  });

  it("takes its scenario from STF text", () => {
    const stf = `add ipv4_lpm ipv4.dstAddr:0.0.0.0/0 ipv4_forward(dstAddr:1, port:2)\npacket 1 ${hex(frame())}\nexpect 2`;
    const r = benchmarkStf(fixture("basic_l3.json"), stf, 0, { durationMs: 20, warmup: 10 });
    expect(r.outputsPerPacket).toBe(1);
    expect(() => benchmarkStf(fixture("basic_l3.json"), stf, 1)).toThrow(/no packet #1/);
    expect(() => benchmarkStf(fixture("basic_l3.json"), "add nosuch k:1 a()\npacket 0 00")).toThrow(
      /set-up failed/,
    );
  });
});
