import { describe, expect, it } from "vitest";
import { Learner, type LearnerOptions } from "../../../src/paxos/learner.js";
import { MsgType } from "../../../src/wire/header.js";
import { dec, enc, p2b } from "./helpers.js";

function learner(opts: Partial<LearnerOptions> = {}): Learner {
  return new Learner({
    id: 1,
    groups: [0],
    acceptors: 3,
    tickInterval: 5,
    gapTimeout: 40,
    noopDelay: 15,
    rank: 0,
    ...opts,
  });
}

describe("learner (docs §6)", () => {
  it("decides with a majority of distinct acceptors; duplicates from one acceptor do not count", () => {
    const l = learner();
    expect(l.handle(p2b(1, 257, 1, "x")).deliveries).toHaveLength(0);
    expect(l.handle(p2b(1, 257, 1, "x")).deliveries).toHaveLength(0);
    const fx = l.handle(p2b(1, 257, 2, "x"));
    expect(fx.deliveries).toHaveLength(1);
    expect(fx.deliveries[0]).toMatchObject({ index: 0, group: 0, instance: 1 });
    expect(dec(fx.deliveries[0]!.command.value)).toBe("x");
    // a third 2B after the decision delivers nothing more
    expect(l.handle(p2b(1, 257, 3, "x")).deliveries).toHaveLength(0);
    expect(l.delivered(0)).toBe(1);
  });

  it("counts per round: votes of different rounds never add up", () => {
    const l = learner();
    l.handle(p2b(1, 257, 1, "old"));
    expect(l.handle(p2b(1, 514, 2, "new")).deliveries).toHaveLength(0);
    const fx = l.handle(p2b(1, 514, 3, "new"));
    expect(fx.deliveries).toHaveLength(1);
    expect(dec(fx.deliveries[0]!.command.value)).toBe("new");
  });

  it("takes known decisions (own log, peer catch-up) without votes, in order and once", () => {
    const l = learner();
    const cmd = (text: string) => ({ proposer: 9, seq: text.length, value: new TextEncoder().encode(text) });
    // instance 2 known first: held back until 1 is decided
    expect(l.learnDecided(0, 2, cmd("bb")).deliveries).toHaveLength(0);
    const fx = l.learnDecided(0, 1, cmd("a"));
    expect(fx.deliveries.map((d) => d.instance)).toEqual([1, 2]);
    expect(dec(fx.deliveries[1]!.command.value)).toBe("bb");
    // again, or as late 2Bs: nothing more is delivered
    expect(l.learnDecided(0, 2, cmd("bb")).deliveries).toHaveLength(0);
    l.handle(p2b(2, 257, 1, "bb"));
    expect(l.handle(p2b(2, 257, 2, "bb")).deliveries).toHaveLength(0);
    // a group this learner does not learn is refused and counted
    expect(l.learnDecided(7, 1, cmd("x")).deliveries).toHaveLength(0);
    expect(l.counters.drops.no_role).toBe(1);
    // a third known decision continues the log; a quorum of 2Bs for instance 4 then follows it
    expect(l.learnDecided(0, 3, cmd("ccc")).deliveries.map((d) => d.instance)).toEqual([3]);
    l.handle(p2b(4, 257, 1, "d"));
    expect(l.handle(p2b(4, 257, 2, "d")).deliveries.map((d) => d.instance)).toEqual([4]);
  });

  it("with 5 acceptors needs 3", () => {
    const l = learner({ acceptors: 5 });
    l.handle(p2b(1, 257, 1));
    l.handle(p2b(1, 257, 2));
    expect(l.handle(p2b(1, 257, 2)).deliveries).toHaveLength(0);
    expect(l.handle(p2b(1, 257, 5)).deliveries).toHaveLength(1);
  });

  it("delivers in instance order, holding back later decisions", () => {
    const l = learner();
    l.handle(p2b(2, 257, 1, "b"));
    expect(l.handle(p2b(2, 257, 2, "b")).deliveries).toHaveLength(0);
    l.handle(p2b(1, 257, 3, "a"));
    const fx = l.handle(p2b(1, 257, 1, "a"));
    expect(fx.deliveries.map((d) => [d.index, d.instance, dec(d.command.value)])).toEqual([
      [0, 1, "a"],
      [1, 2, "b"],
    ]);
  });

  it("counts a 2B that contradicts another of the same round as a conflict, not a vote", () => {
    const l = learner();
    l.handle(p2b(1, 257, 1, "x"));
    expect(l.handle(p2b(1, 257, 2, "y")).deliveries).toHaveLength(0);
    expect(l.conflicts).toBe(1);
  });

  it("reports a gap when a later instance is decided and the next stays missing past the timeout", () => {
    const l = learner();
    l.start(0);
    l.handle(p2b(3, 257, 1));
    l.handle(p2b(3, 257, 2));
    expect(l.tick(5).recover).toEqual([]); // gap noticed at t=5
    expect(l.tick(40).recover).toEqual([]);
    expect(l.tick(45).recover).toEqual([{ group: 0, lo: 1, hi: 3 }]);
    expect(l.tick(50).recover).toEqual([]); // not again before another timeout
    expect(l.tick(85).recover).toEqual([{ group: 0, lo: 1, hi: 3 }]);
  });

  it("reports no gap while nothing beyond the delivered prefix was seen", () => {
    const l = learner();
    l.handle(p2b(1, 257, 1));
    l.handle(p2b(1, 257, 2));
    for (let t = 5; t <= 200; t += 5) expect(l.tick(t).recover).toEqual([]);
  });

  it("reports DELIVERED to the controller when it progresses, and repeats it now and then", () => {
    const l = learner({ id: 4 });
    expect(l.tick(5).send).toHaveLength(0);
    l.handle(p2b(1, 257, 1));
    l.handle(p2b(1, 257, 2));
    const sent = l.tick(10).send;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual({ kind: "controller" });
    expect(sent[0]!.msg).toMatchObject({ msgtype: MsgType.DELIVERED, group: 0, instance: 1, acceptor: 4 });
    expect(l.tick(15).send).toHaveLength(0);
    expect(l.tick(60).send).toHaveLength(1);
  });

  it("merges two groups round-robin by instance (docs §10)", () => {
    const l = learner({ groups: [0, 1] });
    const decide = (g: number, i: number) => {
      l.handle(p2b(i, 257, 1, `g${g}i${i}`, { group: g }));
      return l.handle(p2b(i, 257, 2, `g${g}i${i}`, { group: g })).deliveries.map((d) => dec(d.command.value));
    };
    expect(decide(0, 1)).toEqual(["g0i1"]);
    expect(decide(0, 2)).toEqual([]);
    expect(decide(1, 2)).toEqual([]);
    expect(decide(1, 1)).toEqual(["g1i1", "g0i2", "g1i2"]);
  });

  it("keeps what it delivered in order but cannot merge yet available for peers (catch-up)", () => {
    const l = learner({ groups: [0, 1], acceptors: 1 });
    for (let i = 1; i <= 3; i++) l.handle(p2b(i, 257, 1, `a${i}`, { group: 0 }));
    // (0,1) merged at once; (0,2) and (0,3) wait for (1,1).
    expect(l.delivered(0)).toBe(3);
    expect(l.merged).toBe(1);
    expect(l.awaitingMerge(0, 1)).toBeUndefined();
    expect(dec(l.awaitingMerge(0, 2)!.value)).toBe("a2");
    expect(dec(l.awaitingMerge(0, 3)!.value)).toBe("a3");
    expect(l.awaitingMerge(0, 4)).toBeUndefined();
    expect(l.awaitingMerge(1, 1)).toBeUndefined();
    expect(l.awaitingMerge(7, 1)).toBeUndefined();
    // Decided but not in order (instance 2 of group 1 while 1 is missing): not offered.
    l.handle(p2b(2, 257, 1, "b2", { group: 1 }));
    expect(l.awaitingMerge(1, 2)).toBeUndefined();
    l.handle(p2b(1, 257, 1, "b1", { group: 1 }));
    // (1,1), (0,2), (1,2), (0,3) merged; nothing waits any more.
    expect(l.merged).toBe(5);
    expect(l.awaitingMerge(0, 3)).toBeUndefined();
    expect(l.awaitingMerge(1, 2)).toBeUndefined();
  });

  it("lists each command decided in order within its group at once, before the merge (docs §1)", () => {
    const l = learner({ groups: [0, 1], acceptors: 1 });
    const vote = (g: number, i: number, proposer = 5, seq = 10 * g + i) =>
      l.handle(p2b(i, 257, 1, proposer === 0 ? "" : "x", { group: g, proposer, seq }));
    // Out of order within its group: decided, but not listed until instance 1 is.
    expect(vote(0, 2).decided).toEqual([]);
    const fx = vote(0, 1);
    expect(fx.decided).toEqual([
      { group: 0, instance: 1, proposer: 5, seq: 1 },
      { group: 0, instance: 2, proposer: 5, seq: 2 },
    ]);
    // The merge delivers only (0,1): (0,2) waits for (1,1), yet it is listed as decided.
    expect(fx.deliveries.map((d) => [d.group, d.instance])).toEqual([[0, 1]]);
    // A no-op is not listed; its group's merge still goes on.
    const noop = vote(1, 1, 0, 0);
    expect(noop.decided).toEqual([]);
    expect(noop.deliveries.map((d) => [d.group, d.instance])).toEqual([
      [1, 1],
      [0, 2],
    ]);
    // Known decisions (own log, catch-up) are listed too; a repeated vote lists nothing again.
    expect(l.learnDecided(1, 2, { proposer: 6, seq: 3, value: enc("y") }).decided).toEqual([
      { group: 1, instance: 2, proposer: 6, seq: 3 },
    ]);
    expect(vote(0, 1).decided).toEqual([]);
    expect(vote(0, 3).decided).toEqual([{ group: 0, instance: 3, proposer: 5, seq: 3 }]);
  });

  it("asks for no-ops in a group that stalls the merge; a later-ranked learner waits longer", () => {
    const first = learner({ groups: [0, 1], rank: 0 });
    const second = learner({ groups: [0, 1], rank: 1 });
    for (const l of [first, second]) {
      for (let i = 1; i <= 3; i++) {
        l.handle(p2b(i, 257, 1, "x", { group: 0 }));
        l.handle(p2b(i, 257, 2, "x", { group: 0 }));
      }
    }
    const noops = (l: Learner, t: number) => l.tick(t).send.filter((o) => o.msg.msgtype === MsgType.REQUEST);
    expect(noops(first, 5)).toHaveLength(0); // blocked since t=5
    expect(noops(second, 5)).toHaveLength(0);
    const asked = noops(first, 20);
    // g1 needs instances 1..2 for (g0,3) to merge after (g1,2)
    expect(asked).toHaveLength(2);
    for (const o of asked) {
      expect(o.to).toEqual({ kind: "coordinator", group: 1 });
      expect(o.msg).toMatchObject({ group: 1, proposer: 0, seq: 0, vlen: 0 });
    }
    expect(noops(second, 20)).toHaveLength(0);
    expect(noops(second, 35)).toHaveLength(2);
    // once the no-ops' 2Bs are seen, nobody asks again
    first.handle(p2b(2, 257, 1, "", { group: 1, proposer: 0, seq: 0 }));
    expect(noops(first, 60)).toHaveLength(0);
  });

  it("ignores message types other than P2B and groups it does not learn", () => {
    const l = learner();
    l.handle({ ...p2b(1, 257, 1), msgtype: MsgType.P2A });
    l.handle(p2b(1, 257, 1, "v", { group: 9 }));
    expect(l.counters.drops.port_filter).toBe(1);
    expect(l.counters.drops.no_role).toBe(1);
    expect(() => learner({ acceptors: 0 })).toThrow(RangeError);
  });
});
