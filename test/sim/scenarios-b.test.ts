// Seeded fault simulations, second half of the scenarios.
import { describe, expect, it } from "vitest";
import { isNoopCommand } from "../../src/paxos/command.js";
import { describeFailures, seedsWhere, sweep } from "./sweep.js";

const RUNS = 200;

describe("simulation: stale coordinator, unseen reboot, ring wrap, two groups, acceptor restart, partition", () => {
  it(`stale-coordinator: ${RUNS} seeds, the old coordinator's round is refused`, () => {
    const s = sweep("stale-coordinator", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    const refused = (r: (typeof s.results)[number]) =>
      [...r.world.acceptors.values()].reduce((n, a) => n + a.counters.drops.round_low, 0) > 0;
    expect(seedsWhere(s.results, refused), "old round never reached the acceptors").toBe("");
    // nothing the misrouted client sent to the old coordinator was ever decided
    const rogueDecided = (r: (typeof s.results)[number]) =>
      r.world.history.learners.some((l) => l.delivered.some((d) => d.command.proposer === 99));
    expect(
      seedsWhere(s.results, (r) => !rogueDecided(r)),
      "old coordinator's value decided",
    ).toBe("");
  });

  it(`unseen-reboot: ${RUNS} seeds, the coordinator reboots while cut off from the controller`, () => {
    const s = sweep("unseen-reboot", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    const movedOff = (r: (typeof s.results)[number]) =>
      r.events.some((e) => e.text.includes("→ server coordinator"));
    expect(seedsWhere(s.results, movedOff), "role never moved off the rebooted switch").toBe("");
  });

  it(`ring-wrap: ${RUNS} seeds, a tiny ring reused past the trim watermark`, () => {
    const s = sweep("ring-wrap", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    const wrapped = (r: (typeof s.results)[number]) =>
      r.world.learners.get("learner1")!.learner.delivered(0) > 4 * r.world.config.ringSize;
    expect(seedsWhere(s.results, wrapped), "ring never wrapped").toBe("");
    // flow control engaged: the coordinator refused requests while the ring was full
    expect(s.results.some((r) => r.world.switchCoordinator.counters.drops.coord_full > 0)).toBe(true);
  });

  it(`two-groups: ${RUNS} seeds, merged round-robin, the quiet group filled with no-ops`, () => {
    const s = sweep("two-groups", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    const noopsInQuietGroup = (r: (typeof s.results)[number]) =>
      r.world.history.learners[0]!.delivered.some((d) => d.group === 1 && isNoopCommand(d.command));
    expect(seedsWhere(s.results, noopsInQuietGroup), "no no-op fill").toBe("");
  });

  it(`acceptor-restart: ${RUNS} seeds, acceptors crash and return with their state`, () => {
    const s = sweep("acceptor-restart", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
    expect(
      seedsWhere(s.results, (r) => r.events.some((e) => e.text === "acc2 restarted with its state")),
    ).toBe("");
  });

  it(`partition: ${RUNS} seeds, no majority for a while, then healed`, () => {
    const s = sweep("partition", 1, RUNS);
    expect(s.failures, describeFailures(s.failures)).toEqual([]);
  });
});
