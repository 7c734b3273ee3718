// Protocol §6, the controller's part: a learner whose DELIVERED stays below another learner's
// for the gap timeout gets that range re-decided by the server coordinator (a gap fill), once
// per position — a learner that does not move afterwards is down, and is not retried forever.
import { afterEach, describe, expect, it } from "vitest";
import { Cluster, checkAgreement, dump, enc, until } from "./cluster.js";

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe("a lagging learner", () => {
  it("gets its range re-decided by the server coordinator, once per position", async () => {
    const { c, ctl } = await Cluster.running((x) => {
      cluster = x;
    });
    const rc = c.rc!;
    const p = await c.startProposer();
    try {
      for (let i = 0; i < 5; i++) await p.propose(enc(`a${i}`), 5000);
      await until("both learners report 5", () => ctl.state.delivered[0]?.[1] === 5, 3000);
      // l2 (learner 1) goes silent at 5; l1 (learner 0) moves on to 10.
      await c.l2!.close();
      c.l2 = null;
      const roundBefore = rc.coordinator!.rounds.highestRound(0);
      for (let i = 0; i < 5; i++) await p.propose(enc(`b${i}`), 5000);
      await until("l1 reports 10", () => ctl.state.delivered[0]?.[0] === 10, 3000);
      await until("a lag recovery", () => ctl.stats.lagRecoveries > 0, 3000);
      // The target is what learner 0 had when the lag was first seen (it may not have reached 10).
      const line = c.logs.find((l) => l.includes("learner 1 stays at"));
      expect(line).toMatch(/group 0: learner 1 stays at 5 below (\d+): recovering \[6, \1\]$/);
      // The server coordinator ran it, in a round of its own above what it had seen.
      await until("the recovery at rc", () => rc.coordinator!.rounds.highestRound(0) > roundBefore, 3000);
      // l2 does not move (it is down): no second recovery for the same position.
      await new Promise((r) => setTimeout(r, 6 * c.d.paxos.timeouts.gapMs));
      expect(ctl.stats.lagRecoveries).toBe(1);
      // Service and agreement unaffected: the re-decided instances carry the same values.
      for (let i = 0; i < 3; i++) await p.propose(enc(`c${i}`), 5000);
      expect(checkAgreement(c)).toEqual([]);
      expect(c.delivered.filter((d) => d.command.proposer !== 0)).toHaveLength(13);
    } catch (e) {
      console.log(dump(c));
      throw e;
    }
  }, 30_000);
});
