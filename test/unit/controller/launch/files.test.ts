// The rewritten deployment file, the agent plan file, the demo's numbers and load generator.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDeployment } from "../../../../controller/config/load.js";
import { DeployFileError, rewriteDeployment } from "../../../../controller/launch/deploy-file.js";
import { fmtMs, largestGap, progressBar, quantile } from "../../../../controller/launch/stats.js";
import { makeOp, outputOf } from "../../../../controller/launch/workload.js";
import { Prng } from "../../../../src/paxos/sim/prng.js";

describe("rewriteDeployment", () => {
  const text = readFileSync("examples/demo.yaml", "utf8");
  const addresses = {
    coord: "127.0.0.1:1001",
    acc1: "127.0.0.1:1002",
    acc2: "127.0.0.1:1003",
    acc3: "127.0.0.1:1004",
    edge: "127.0.0.1:1005",
  };

  it("moves the P4Runtime addresses and the state file, keeps the rest", () => {
    const out = rewriteDeployment(text, { addresses, stateFile: "/run/state.json", baseDir: "/repo" });
    const r = parseDeployment(out, "deploy.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const d = r.deployment;
    expect(Object.fromEntries(d.switches.map((s) => [s.name, s.address]))).toEqual(addresses);
    expect(d.paxos.stateFile).toBe("/run/state.json");
    expect(d.p4.program).toBe("/repo/p4/paxos.p4");
    expect(d.p4.ringSize).toBe(8192);
    expect(out).toContain("# The `make demo`");
  });

  it("refuses an address for a switch the file does not have", () => {
    expect(() =>
      rewriteDeployment(text, {
        addresses: { ...addresses, nope: "127.0.0.1:1" },
        stateFile: "s",
        baseDir: "/",
      }),
    ).toThrow(DeployFileError);
  });
});

describe("stats", () => {
  it("quantiles by nearest rank", () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(quantile(v, 0.5)).toBe(5);
    expect(quantile(v, 0.99)).toBe(10);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("finds the largest gap that overlaps a window", () => {
    const t = [0, 10, 20, 500, 510, 2000, 2010];
    expect(largestGap(t, 25, 26)).toEqual({ ms: 480, from: 20, to: 500 });
    expect(largestGap(t, 505, 1000)).toEqual({ ms: 1490, from: 510, to: 2000 });
    expect(largestGap(t, 3000, 4000)).toBeNull();
    expect(largestGap([], 0, 1)).toBeNull();
  });

  it("draws a progress bar and formats durations", () => {
    expect(progressBar(5, 10, 10)).toBe("[#####.....]  50%");
    expect(progressBar(12, 10, 4)).toBe("[####] 100%");
    expect(progressBar(0, 0, 4)).toBe("[####] 100%");
    expect(fmtMs(3.456)).toBe("3.46 ms");
    expect(fmtMs(1500)).toBe("1.50 s");
    expect(fmtMs(Number.NaN)).toBe("n/a");
  });
});

describe("workload", () => {
  it("draws the same operations from the same seed", () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      const r = () => prng.next();
      const seen = new Map<string, string | null>([["k1", "v0"]]);
      return Array.from({ length: 200 }, (_, i) => makeOp(r, i, 4, seen));
    };
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    const kinds = new Set(a.map((x) => x.op.kind));
    expect([...kinds].sort()).toEqual(["cas", "get", "put"]);
    expect(a.every((x) => /^k[0-3]$/.test(x.key))).toBe(true);
    // A CAS expects what this client last saw of the key (nothing: "only if absent").
    for (const x of a) if (x.op.kind === "cas") expect(x.op.expected).toBe(x.key === "k1" ? "v0" : null);
  });

  it("maps HTTP answers to checker outputs, and refusals to none", () => {
    const ok = (status: number, body: Record<string, unknown> = {}) => ({
      kind: "ok" as const,
      status,
      body,
    });
    expect(outputOf({ kind: "put", value: "x" }, ok(200))).toEqual({ kind: "put" });
    expect(outputOf({ kind: "get" }, ok(200, { found: true, value: "x" }))).toEqual({
      kind: "get",
      value: "x",
    });
    expect(outputOf({ kind: "get" }, ok(404, { found: false }))).toEqual({ kind: "get", value: null });
    expect(outputOf({ kind: "cas", expected: null, value: "y" }, ok(200))).toEqual({ kind: "cas", ok: true });
    expect(outputOf({ kind: "cas", expected: "a", value: "y" }, ok(409))).toEqual({ kind: "cas", ok: false });
    expect(outputOf({ kind: "put", value: "x" }, ok(413))).toBeUndefined();
    expect(outputOf({ kind: "get" }, ok(400))).toBeUndefined();
  });
});
