// The checker on hand-made histories: each property must be reported when violated.
import { describe, expect, it } from "vitest";
import type { Command } from "../../../src/paxos/command.js";
import { commandKey, NOOP_COMMAND, requestKey } from "../../../src/paxos/command.js";
import { allDelivered, checkLiveness, checkSafety } from "../../../src/paxos/sim/checker.js";
import type { History } from "../../../src/paxos/sim/types.js";
import { enc } from "./helpers.js";

const cmd = (p: number, s: number, v = `${p}:${s}`): Command => ({ proposer: p, seq: s, value: enc(v) });

function history(logs: Command[][], proposed: Command[] = [cmd(1, 1), cmd(1, 2), cmd(2, 1)]): History {
  return {
    groups: [0],
    acceptors: 3,
    proposed: new Map(proposed.map((c) => [requestKey(c.proposer, c.seq), c])),
    mustDeliver: new Set(proposed.map((c) => requestKey(c.proposer, c.seq))),
    votes: new Map(),
    learners: logs.map((log, k) => ({
      id: k + 1,
      delivered: log.map((command, n) => ({ index: n, group: 0, instance: n + 1, command })),
      applied: log.filter((c) => c.proposer !== 0).map((command, n) => ({ command, at: n })),
    })),
  };
}

function vote(h: History, slot: string, round: number, c: Command, acceptors: number[]): void {
  const rounds = h.votes.get(slot) ?? new Map<number, Map<string, Set<number>>>();
  h.votes.set(slot, rounds);
  const values = rounds.get(round) ?? new Map<string, Set<number>>();
  rounds.set(round, values);
  values.set(commandKey(c), new Set(acceptors));
}

const kinds = (h: History) => checkSafety(h).map((v) => v.kind);

describe("checker", () => {
  it("accepts a correct history", () => {
    const log = [cmd(1, 1), NOOP_COMMAND, cmd(2, 1), cmd(1, 2)];
    const h = history([log, log.slice(0, 3)]);
    vote(h, "0:1", 257, cmd(1, 1), [1, 2]);
    vote(h, "0:1", 514, cmd(1, 1), [2, 3]);
    expect(checkSafety(h)).toEqual([]);
    expect(allDelivered(history([log, log]))).toBe(true);
    expect(checkLiveness(history([log, log]), 100)).toEqual([]);
  });

  it("reports learners delivering different values for one instance", () => {
    expect(kinds(history([[cmd(1, 1)], [cmd(2, 1)]]))).toContain("agreement");
  });

  it("reports two values chosen by acceptor majorities, even if no learner saw both", () => {
    const h = history([[], []]);
    vote(h, "0:4", 257, cmd(1, 1), [1, 3]);
    vote(h, "0:4", 514, NOOP_COMMAND, [2, 3]);
    expect(kinds(h)).toEqual(["chosen"]);
  });

  it("reports two values voted in one round (a coordinator proposed twice)", () => {
    const h = history([[], []]);
    vote(h, "0:4", 257, cmd(1, 1), [1]);
    vote(h, "0:4", 257, cmd(1, 2), [2]);
    expect(kinds(h)).toEqual(["chosen"]);
  });

  it("reports a delivered value nobody proposed, or a changed value under a real request id", () => {
    expect(kinds(history([[cmd(9, 9)]]))).toContain("validity");
    expect(kinds(history([[cmd(1, 1, "tampered")]]))).toContain("validity");
  });

  it("reports a request that took effect twice", () => {
    expect(kinds(history([[cmd(1, 1), cmd(1, 1)]]))).toContain("at-most-once");
  });

  it("reports entries out of order", () => {
    const h = history([[cmd(1, 1), cmd(1, 2)]]);
    h.learners[0]!.delivered[1]!.instance = 3;
    expect(kinds(h)).toContain("order");
  });

  it("reports requests not delivered by the deadline", () => {
    const h = history([
      [cmd(1, 1), cmd(2, 1)],
      [cmd(1, 1), cmd(2, 1), cmd(1, 2)],
    ]);
    expect(allDelivered(h)).toBe(false);
    const v = checkLiveness(h, 100);
    expect(v).toHaveLength(1);
    expect(v[0]!.detail).toContain("learner 1");
    // late is as bad as never
    const late = history([[cmd(1, 1), cmd(2, 1), cmd(1, 2)]]);
    late.learners[0]!.applied[2]!.at = 500;
    expect(checkLiveness(late, 100).map((x) => x.kind)).toEqual(["liveness"]);
  });
});
