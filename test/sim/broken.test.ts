// The checker must catch deliberately broken protocol variants; otherwise a clean sweep would
// prove nothing. Each variant runs on a scenario family where its bug manifests.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/paxos/sim/run.js";
import type { BrokenVariantName } from "../../src/paxos/sim/types.js";
import { describeFailures, sweep } from "./sweep.js";

const CASES: { variant: BrokenVariantName; scenario: string; runs: number; kinds: string[] }[] = [
  // the old coordinator's P2As are voted for although a higher round fenced the acceptors
  { variant: "acceptLowerRounds", scenario: "stale-coordinator", runs: 20, kinds: ["chosen"] },
  // a value voted by a majority is replaced by a no-op in a higher round
  { variant: "recoveryIgnoresVotes", scenario: "gap", runs: 20, kinds: ["chosen"] },
  { variant: "recoveryIgnoresVotes", scenario: "failover", runs: 20, kinds: ["chosen"] },
  // an amnesiac acceptor answers Phase 1 as if it never voted
  { variant: "noAmnesiaFence", scenario: "amnesia", runs: 30, kinds: ["chosen"] },
  // join one below the last instance issued: it answers for an instance it may have voted in
  { variant: "joinOneLow", scenario: "amnesia", runs: 60, kinds: ["chosen"] },
  // a retried request decided twice takes effect twice
  { variant: "noDedup", scenario: "gap", runs: 20, kinds: ["at-most-once"] },
];

describe("broken variants are caught", () => {
  for (const c of CASES) {
    it(`${c.variant} on ${c.scenario}: violations reported over ${c.runs} seeds`, () => {
      const s = sweep(c.scenario, 1, c.runs, { broken: { [c.variant]: true } });
      expect(s.failures.length, `no violation in ${c.runs} seeds`).toBeGreaterThan(0);
      const kinds = new Set(s.failures.flatMap((r) => r.violations.map((v) => v.kind)));
      for (const k of c.kinds) expect([...kinds], describeFailures(s.failures, 2)).toContain(k);
    });
  }

  it("the same seeds pass without the bug", () => {
    for (const c of CASES) {
      const s = sweep(c.scenario, 1, c.runs);
      expect(s.failures, describeFailures(s.failures)).toEqual([]);
    }
  });

  it("a broken run's report names the replay command", () => {
    const s = sweep("gap", 1, 5, { broken: { recoveryIgnoresVotes: true } });
    expect(describeFailures(s.failures)).toMatch(
      /replay: \.\/bin\/paxosctl sim --scenario gap --seed \d+ --broken recoveryIgnoresVotes --verbose/,
    );
  });
});

describe("determinism", () => {
  it("a run is a pure function of (scenario, seed)", () => {
    const a = runScenario("failover", { seed: 11, trace: true });
    const b = runScenario("failover", { seed: 11, trace: true });
    const c = runScenario("failover", { seed: 12, trace: true });
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.trace).toEqual(a.trace);
    expect(c.trace).not.toEqual(a.trace);
  });

  it("messages travel as bytes through the wire codec", () => {
    const r = runScenario("steady", { seed: 3 });
    expect(r.stats.copiesDelivered).toBeGreaterThan(0);
    expect(r.stats.decodeErrors).toBe(0);
  });
});
