// The pure parts of the benchmarks: plot writer, open-loop schedule, latency summary, slot
// widths, parsing of the demo summary. No timings are asserted.
import { describe, expect, it } from "vitest";
import { dueBy, latencySummary, scheduledAt } from "../../../bench/consensus.js";
import { linePlotSvg, niceTicks } from "../../../bench/plot.js";
import { parseDemoSummary, parseDuration } from "../../../bench/recovery.js";
import { slotRegisters } from "../../../bench/scaling.js";

describe("open-loop schedule", () => {
  it("spaces sends 1/rate apart from the start", () => {
    expect(scheduledAt(0, 200)).toBe(0);
    expect(scheduledAt(3, 200)).toBe(15);
  });
  it("counts the requests due so far, whatever has completed, capped at the total", () => {
    expect(dueBy(-1, 100, 50)).toBe(0);
    expect(dueBy(0, 100, 50)).toBe(1);
    expect(dueBy(9.9, 100, 50)).toBe(1);
    expect(dueBy(10, 100, 50)).toBe(2);
    expect(dueBy(10_000, 100, 50)).toBe(50);
  });
  it("a request is due exactly when its scheduled time has come", () => {
    for (const rate of [7, 100, 333])
      for (let i = 1; i < 40; i++) {
        expect(dueBy(scheduledAt(i, rate) + 1e-6, rate, 1000)).toBe(i + 1);
        expect(dueBy(scheduledAt(i, rate) - 1e-3, rate, 1000)).toBe(i);
      }
  });
});

describe("latencySummary", () => {
  it("gives nearest-rank percentiles", () => {
    const l = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(latencySummary(l)).toEqual({ p50: 500, p99: 990, p999: 999, max: 1000 });
  });
  it("is NaN for no samples", () => {
    expect(Number.isNaN(latencySummary([]).p99)).toBe(true);
  });
});

describe("plot", () => {
  it("picks 1-2-5 tick steps covering the range", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 730)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(0.1, 0.35, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  });
  it("draws one polyline per series, a legend entry each, and escapes text", () => {
    const svg = linePlotSvg(
      [
        {
          name: "a<b",
          points: [
            { x: 1, y: 10 },
            { x: 2, y: 100 },
          ],
        },
        {
          name: "c",
          points: [
            { x: 1, y: 5 },
            { x: 3, y: Number.NaN },
            { x: 4, y: 50 },
          ],
        },
      ],
      { title: "T & U", xLabel: "x", yLabel: "y", logY: true },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg.match(/<circle/g)?.length).toBe(4); // the NaN point is left out
    expect(svg).toContain("a&#60;b");
    expect(svg).toContain("<title>T &#38; U</title>");
    expect(svg).not.toContain("NaN");
  });
  it("maps larger y higher on the page", () => {
    const svg = linePlotSvg(
      [
        {
          name: "s",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 10 },
          ],
        },
      ],
      {
        title: "",
        xLabel: "",
        yLabel: "",
      },
    );
    const [p0, p1] = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(p1![0]!).toBeGreaterThan(p0![0]!);
    expect(p1![1]!).toBeLessThan(p0![1]!);
  });
});

describe("slotRegisters", () => {
  it("sums the widths of the acceptor's slot registers only", () => {
    const r = slotRegisters({
      register_arrays: [
        { name: "MyIngress.acceptor.slot_inst", bitwidth: 32, size: 8 },
        { name: "MyIngress.acceptor.slot_vlen", bitwidth: 16, size: 8 },
        { name: "MyIngress.acceptor.slot_value", bitwidth: 512, size: 8 },
        { name: "MyIngress.coordinator.next", bitwidth: 32, size: 4 },
      ],
    });
    expect(r.bitsPerSlot).toBe(560);
    expect(r.bytesPerSlot).toBe(70);
    expect(r.registers.map((x) => x.name)).not.toContain("MyIngress.coordinator.next");
  });
});

describe("demo summary parsing", () => {
  it("reads fmtMs durations", () => {
    expect(parseDuration("312.0 ms around the kill")).toBe(312);
    expect(parseDuration("1.25 s (largest gap)")).toBe(1250);
    expect(Number.isNaN(parseDuration("n/a"))).toBe(true);
  });
  it("finds the without-service and fail-back rows", () => {
    const out = [
      "  throughput             140 ops/s",
      "  without service        412.5 ms around the kill (largest gap between completions)",
      "  fail-back gap          1.10 s (largest gap between completions after the restart)",
    ].join("\n");
    expect(parseDemoSummary(out, 0)).toEqual({ exitCode: 0, failoverGapMs: 412.5, failbackGapMs: 1100 });
    const none = parseDemoSummary("crashed", 1);
    expect(Number.isNaN(none.failoverGapMs) && Number.isNaN(none.failbackGapMs)).toBe(true);
  });
});
