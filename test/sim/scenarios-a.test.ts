// Seeded fault simulations (11 scenarios × 200 seeds over both files), first half: the checker
// must find nothing, and each scenario must really exercise the fault it is named after.
import { describe, expect, it } from "vitest";
import { SWITCH_NODE } from "../../src/paxos/sim/controller.js";
import { describeFailures, seedsWhere, sweep } from "./sweep.js";

const RUNS = 200;
const has = (text: string) => (r: { events: { text: string }[] }) =>
  r.events.some((e) => e.text.includes(text));

describe("simulation: steady, failover, gap, chaos, amnesia", () => {
  it(`steady: ${RUNS} seeds with loss, duplication and reordering`, () => {
    const s = sweep("steady", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    // the noise really caused retries somewhere
    expect(
      s.results.some((r) => r.world.learners.get("learner1")!.record.delivered.length > r.requests),
    ).toBe(true);
  });

  it(`failover: ${RUNS} seeds, switch coordinator crash → server coordinator → fail-back`, () => {
    const s = sweep("failover", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    expect(seedsWhere(s.results, has("fails over")), "no failover").toBe("");
    expect(seedsWhere(s.results, has("served by server coordinator")), "server never served").toBe("");
    expect(seedsWhere(s.results, has("served by switch coordinator")), "no fail-back").toBe("");
    // after fail-back the switch coordinator issues again, in a round above the server's
    expect(
      seedsWhere(s.results, (r) => r.world.switchCoordinator.groupState(0).round > 257),
      "switch not back in a new round",
    ).toBe("");
    expect(s.results.every((r) => r.world.isUp(SWITCH_NODE))).toBe(true);
  });

  it(`gap: ${RUNS} seeds, every 2B of one instance lost → detected and recovered`, () => {
    const s = sweep("gap", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    expect(seedsWhere(s.results, has("gap recovery")), "no gap recovery").toBe("");
  });

  it(`chaos: ${RUNS} seeds of random overlapping crashes, amnesia and partitions`, () => {
    const s = sweep("chaos", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    expect(s.results.some(has("fails over"))).toBe(true);
    expect(s.results.some(has("lost its state"))).toBe(true);
  });

  it(`amnesia: ${RUNS} seeds, acceptor reboots with empty registers and is fenced before voting`, () => {
    const s = sweep("amnesia", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    expect(
      seedsWhere(s.results, (r) => (r.world.acceptors.get("acc3")!.role(0)?.floor ?? 0) > 257),
      "acc3 not fenced with a floor",
    ).toBe("");
    // join is the last instance issued (a PONG in the serving round) where the controller can
    // know it; instances up to it may still be asked of acc3 (recovery), which it refuses.
    expect(
      seedsWhere(s.results, has("(last instance issued)")),
      "acc3's join never bounded by the last instance issued",
    ).toBe("");
    expect(
      s.results.filter((r) => r.world.acceptors.get("acc3")!.counters.drops.amnesia > 0).length,
      "acc3 seldom refused an instance it may have voted in",
    ).toBeGreaterThan(RUNS / 2);
  });
});
